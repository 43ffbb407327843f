"""County IT manages the county's own people on each one's page (/county/<slug>/users/<id>):
masked with an audited reveal, their county role, deactivating and activating again, a new
sign-in link; the county never loses its last active county IT admin. The same pages as a
station's people (app.enrolment.PeoplePages)."""

import re

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.enrolment import enrol
from app.extensions import db
from app.users import Invitation, Membership, User, find_user
from tenants.onboarding import create_county
from tests.conftest import owner_context

LAST_ADMIN = "县局至少需要保留一名在用的县局信息管理员"


def _counts(app):
    with owner_context():  # the owner reads every chain
        return tuple(db.session.scalar(select(func.count()).select_from(t))
                     for t in (User, Membership, Invitation, AuditEvent))


def _membership_id(app, username, **where):
    with app.app_context():
        query = select(Membership.id).where(Membership.user_id == find_user(username).id)
        for column, value in where.items():
            query = query.where(getattr(Membership, column) == value)
        return db.session.scalar(query)


def _county_events(app, demo, membership_id):
    """The audit rows of one membership, oldest first, as (action, chain, actor, changes)."""
    with owner_context():  # the owner reads every chain
        return [(e.action, e.chain, e.actor_name, e.changes) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "membership",
                                     AuditEvent.object_id == str(membership_id))
            .order_by(AuditEvent.id))]


def _second_admin(app, demo, username="demo-it2"):
    """Another county IT admin of the demo county, with a password."""
    with app.app_context():
        from tenants.models import County

        enrol(username=username, full_name="周建明", phone="13600005678", role="county_admin",
              county=db.session.get(County, demo.county.id), password="county-it-pass-2")
        db.session.commit()
    return _membership_id(app, username)


def test_a_county_person_is_masked_and_the_reveal_is_recorded(owner_app, make_browser, app, demo):
    county = make_browser("county-it")
    lead_id = _membership_id(app, "county-lead")
    with app.app_context():
        user = find_user("county-lead")
        full_name, phone, user_id = user.full_name, user.phone, user.id
    listing = county.get("/county/demo/users").get_data(as_text=True)
    assert f'href="/county/demo/users/{lead_id}"' in listing  # the list leads to the page
    page = county.get(f"/county/demo/users/{lead_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "county-lead" in html and "县局领导" in html
    assert full_name not in html and phone not in html and phone[:3] + "****" in html
    assert f'action="/county/demo/users/{lead_id}/reveal"' in html
    before = _counts(app)
    shown = county.post(f"/county/demo/users/{lead_id}/reveal").get_data(as_text=True)
    assert full_name in shown and phone in shown and "/reveal" not in shown
    with owner_app.app_context():  # the owner reads every chain
        (event,) = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "pii.reveal")).all()
        assert (event.chain, event.actor_name, event.object_type, event.object_id) == (
            f"county:{demo.county.id}", "county-it", "user_account", str(user_id))
        assert event.changes == {"fields": ["full_name", "phone"]}
    assert _counts(app)[:3] == before[:3]  # a reveal changes nothing but the log


def test_the_county_role_is_changed_and_audited_in_the_countys_chain(make_browser, app, demo):
    county = make_browser("county-it")
    lead_id = _membership_id(app, "county-lead")
    assert make_browser("county-lead").get("/county/demo/stations/new").status_code == 403
    response = county.post(f"/county/demo/users/{lead_id}/role", {"role": "county_admin"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/county/demo/users/{lead_id}")
    assert "角色已变更" in county.get(response.headers["Location"]).get_data(as_text=True)
    assert make_browser("county-lead").get("/county/demo/stations/new").status_code == 200
    assert _county_events(app, demo, lead_id)[-1] == (
        "update", f"county:{demo.county.id}", "county-it",
        {"role": ["county_viewer", "county_admin"]})
    # A station's role is not a county role: refused with the field's message.
    before = _counts(app)
    refused = county.post(f"/county/demo/users/{lead_id}/role", {"role": "station_admin"},
                          follow_redirects=True)
    assert "请从列表中选择一项" in refused.get_data(as_text=True)
    assert _counts(app) == before


def test_the_last_active_county_it_admin_is_kept(make_browser, app, owner_app, demo):
    own_id = _membership_id(app, "county-it")
    county = make_browser("county-it")
    with owner_app.app_context():  # only the database owner makes a platform admin
        root = User(username="it-root", full_name="管理员", is_platform_admin=True)
        db.session.add(root)
        root.set_password_as_owner("root-pass-123")
        db.session.commit()
    root = make_browser("it-root", "root-pass-123")
    before = _counts(app)
    # county-it is the county's only county IT admin: neither they nor a platform admin
    # can take the role away or deactivate the membership.
    for who in (county, root):
        page = who.post(f"/county/demo/users/{own_id}/role", {"role": "county_viewer"},
                        follow_redirects=True).get_data(as_text=True)
        assert LAST_ADMIN in page
    assert "不能停用自己的账号" in county.post(f"/county/demo/users/{own_id}/deactivate",
                                       follow_redirects=True).get_data(as_text=True)
    page = root.post(f"/county/demo/users/{own_id}/deactivate", follow_redirects=True)
    assert LAST_ADMIN in page.get_data(as_text=True)
    assert _counts(app) == before  # nothing changed, not even an audit row
    with app.app_context():
        own = db.session.get(Membership, own_id)
        assert (own.role, own.active) == ("county_admin", True)
    # With a second county IT admin, the first may step down to leadership; the second,
    # now the last, is kept in turn.
    other_id = _second_admin(app, demo)
    county.post(f"/county/demo/users/{own_id}/role", {"role": "county_viewer"})
    page = root.post(f"/county/demo/users/{other_id}/deactivate", follow_redirects=True)
    assert LAST_ADMIN in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, own_id).role == "county_viewer"
        assert db.session.get(Membership, other_id).active is True


def test_a_deactivated_county_person_loses_the_county_at_once_and_can_come_back(
        make_browser, app, demo):
    other_id = _second_admin(app, demo)
    leaver = make_browser("demo-it2", "county-it-pass-2")
    assert leaver.get("/county/demo/users").status_code == 200
    assert leaver.get("/s/dongling/members").status_code == 200  # county IT in every station
    county = make_browser("county-it")
    response = county.post(f"/county/demo/users/{other_id}/deactivate", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "该人员已停用" in html and "已停用" in html and "重新启用" in html
    # The leaver's very next request, in the session they already have, is refused: the
    # county and every station of it, personal data included.
    for path in ("/county/demo/", "/county/demo/users", "/s/dongling/members",
                 f"/s/dongling/members/{_membership_id(app, 'dongling-officer')}"):
        assert leaver.get(path).status_code == 404, path
    assert leaver.get("/county/", follow_redirects=False).status_code == 404
    county.post(f"/county/demo/users/{other_id}/activate")
    assert leaver.get("/county/demo/users").status_code == 200
    chain = f"county:{demo.county.id}"
    assert _county_events(app, demo, other_id)[-2:] == [
        ("update", chain, "county-it", {"active": [True, False]}),
        ("update", chain, "county-it", {"active": [False, True]}),
    ]


def test_a_new_invitation_link_replaces_the_expired_one(owner_app, make_browser, app, demo):
    county = make_browser("county-it")
    created = county.post("/county/demo/users/new", {
        "username": "demo-lead2", "full_name": "吴文斌", "role": "county_viewer"})
    first = re.search(r"/auth/invite/[^\"]+", created.get_data(as_text=True)).group(0)
    mid = _membership_id(app, "demo-lead2")
    page = county.get(f"/county/demo/users/{mid}").get_data(as_text=True)
    assert "已邀请" in page and f'action="/county/demo/users/{mid}/invite"' in page
    response = county.post(f"/county/demo/users/{mid}/invite")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "该账号此前的链接均已失效" in html and "现为" not in html
    second = re.search(r'value="http://fengqiao\.test(/auth/invite/[^"]+)"', html).group(1)
    assert make_browser().get(first).status_code == 404
    with owner_app.app_context():  # the owner reads every chain
        # Both links issued and the first one ended, each in the county's chain.
        rows = db.session.execute(select(AuditEvent.action, AuditEvent.chain).where(
            AuditEvent.object_type == "invitation", AuditEvent.actor_name == "county-it")
            .order_by(AuditEvent.id)).all()
        chain = f"county:{demo.county.id}"
        assert sorted(tuple(r) for r in rows) == [("create", chain), ("create", chain),
                                                  ("update", chain)]
    newcomer = make_browser()
    newcomer.post(second, {"password": "county-lead-pass", "confirm": "county-lead-pass"})
    assert newcomer.get("/", follow_redirects=True).request.path == "/county/demo/"


def test_only_this_countys_it_reaches_its_people(make_browser, app, demo):
    lead_id = _membership_id(app, "county-lead")
    station_id = _membership_id(app, "dongling-officer")
    with app.app_context():
        yi = create_county({"name": "乙县公安局", "slug": "yi"})
        enrol(username="yi-it", full_name="乙", role="county_admin", password="yi-it-pass-1",
              county=yi)
        db.session.commit()
    yi_id = _membership_id(app, "yi-it")
    actions = ("", "/reveal", "/role", "/deactivate", "/activate", "/invite")
    lead, station_admin, other_county, county = (
        make_browser("county-lead"), make_browser("dongling-admin"),
        make_browser("yi-it", "yi-it-pass-1"), make_browser("county-it"))
    before = _counts(app)  # after the sign-ins, which are audited

    def answers(browser, membership_id, county="demo"):
        codes = {browser.get(f"/county/{county}/users/{membership_id}").status_code}
        for action in actions[1:]:
            codes.add(browser.post(f"/county/{county}/users/{membership_id}{action}",
                                   {"role": "county_admin"}).status_code)
        return codes

    assert answers(lead, lead_id) == {403}  # leadership: read-only
    assert answers(station_admin, lead_id) == {404}  # a station's admin
    assert answers(other_county, lead_id) == {404}  # another county's IT
    assert answers(county, station_id) == {404}  # a station's membership is not the county's
    assert answers(county, yi_id) == {404}  # nor is another county's
    assert answers(county, 99999999) == {404}
    assert county.get("/county/demo/users/99999999999999999999").status_code == 404
    assert _counts(app) == before
