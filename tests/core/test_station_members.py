"""Station admin manages the station's people: add, invite, role, deactivate."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.users import Membership, User, find_user


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_admin_adds_a_new_person_who_accepts_the_invitation(make_browser, app, demo):
    admin = make_browser("dongling-admin")
    response = admin.post("/s/dongling/members/new", {
        "username": "Zhao.New", "full_name": "赵新民", "phone": "13800001111", "role": "officer",
    })
    assert response.status_code == 200
    link = re.search(r'value="(http://fengqiao\.test/auth/invite/[^"]+)"',
                     response.get_data(as_text=True)).group(1)
    newcomer = make_browser()
    path = link.replace("http://fengqiao.test", "")
    assert newcomer.get(path).status_code == 200
    mismatch = newcomer.post(path, {"password": "long-enough-1", "confirm": "different-2"})
    assert mismatch.status_code == 400
    done = newcomer.post(path, {"password": "long-enough-1", "confirm": "long-enough-1"})
    assert done.status_code == 302
    assert newcomer.get("/s/dongling/").status_code == 200
    # The link works once only.
    assert make_browser().get(path).status_code == 404
    assert make_browser().sign_in("zhao.new", "long-enough-1").status_code == 302


def test_people_list_masks_names_and_phones(make_browser, demo):
    html = make_browser("dongling-admin").get("/s/dongling/members").get_data(as_text=True)
    assert "139****" in html
    assert "13900000" not in html


def test_bad_input_gets_a_message_per_field_and_saves_nothing(make_browser, app, demo):
    admin = make_browser("dongling-admin")
    with app.app_context():
        users, memberships = _count(User), _count(Membership)
    response = admin.post("/s/dongling/members/new", {
        "username": "x", "full_name": "", "phone": "12345", "role": "chief",
    })
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "此项为必填" in html or "必填" in html
    assert html.count("invalid-feedback") == 4
    with app.app_context():
        assert (_count(User), _count(Membership)) == (users, memberships)


def test_existing_account_is_added_not_duplicated(make_browser, app, demo):
    admin = make_browser("liuxi-admin")
    response = admin.post("/s/liuxi/members/new", {
        "username": "roving-officer", "full_name": "任意", "role": "auxiliary",
    })
    assert response.status_code == 302
    again = admin.post("/s/liuxi/members/new", {
        "username": "roving-officer", "full_name": "任意", "role": "auxiliary",
    })
    assert again.status_code == 400
    assert "已是本所人员" in again.get_data(as_text=True)
    assert make_browser("roving-officer").get("/s/liuxi/").status_code == 200


def test_role_change_and_last_admin_guard(make_browser, app, demo):
    admin = make_browser("dongling-admin")
    with app.app_context():
        own = db.session.scalar(select(Membership).where(
            Membership.user_id == find_user("dongling-admin").id))
        officer = db.session.scalar(select(Membership).where(
            Membership.user_id == find_user("dongling-officer").id))
        own_id, officer_id = own.id, officer.id
    admin.post(f"/s/dongling/members/{own_id}/role", {"role": "officer"})
    admin.post(f"/s/dongling/members/{own_id}/deactivate")
    admin.post(f"/s/dongling/members/{officer_id}/role", {"role": "auxiliary"})
    admin.post(f"/s/dongling/members/{officer_id}/deactivate")
    with app.app_context():
        own, officer = db.session.get(Membership, own_id), db.session.get(Membership, officer_id)
        assert (own.role, own.active) == ("station_admin", True)
        assert (officer.role, officer.active) == ("auxiliary", False)


def test_officer_cannot_manage_people(make_browser, demo):
    officer = make_browser("dongling-officer")
    assert officer.get("/s/dongling/members").status_code == 403
    assert officer.post("/s/dongling/members/new", {"username": "abc"}).status_code == 403


def test_revealing_personal_data_is_audited(owner_app, make_browser, app, demo):
    from app.audit.models import AuditEvent

    admin = make_browser("dongling-admin")
    with app.app_context():
        officer = db.session.scalar(select(Membership).where(
            Membership.user_id == find_user("dongling-officer").id))
        user = officer.user
        mid, full_name, phone = officer.id, user.full_name, user.phone
    masked = admin.get(f"/s/dongling/members/{mid}").get_data(as_text=True)
    assert full_name not in masked and phone not in masked
    shown = admin.post(f"/s/dongling/members/{mid}/reveal").get_data(as_text=True)
    assert full_name in shown and phone in shown
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pii.reveal"))
        assert event.actor_name == "dongling-admin"
        assert event.object_id == str(officer.user_id)


def test_notices_flow(make_browser, demo):
    admin = make_browser("dongling-admin")
    assert admin.post("/s/dongling/notices/new", {"title": ""}).status_code == 400
    created = admin.post("/s/dongling/notices/new", {"title": "夜巡调整", "pinned": "true"})
    assert created.status_code == 302
    officer = make_browser("dongling-officer")
    assert "夜巡调整" in officer.get("/s/dongling/").get_data(as_text=True)
    assert officer.get("/s/dongling/notices/new").status_code == 403
    elsewhere = make_browser("qingshi-officer").get("/s/qingshi/")
    assert "夜巡调整" not in elsewhere.get_data(as_text=True)


def test_an_account_of_the_county_cannot_be_pulled_in_and_reset(make_browser, app, demo):
    # A station admin adding county IT's account (and then issuing a link for it) would
    # take the account over; both are refused.
    admin = make_browser("qingshi-admin")
    response = admin.post("/s/qingshi/members/new", {
        "username": "county-it", "full_name": "谁", "role": "auxiliary",
    })
    assert response.status_code == 400
    assert "县局" in response.get_data(as_text=True)
    with app.app_context():
        roving = db.session.scalar(select(Membership).where(
            Membership.user_id == find_user("roving-officer").id,
            Membership.station_id == demo.station("qingshi").id))
        roving_id = roving.id
    # roving-officer also works in 东岭: 青石's admin may not reset their password.
    page = admin.post(f"/s/qingshi/members/{roving_id}/invite", follow_redirects=True)
    assert "/auth/invite/" not in page.get_data(as_text=True)


def test_only_the_newest_link_works(make_browser, app, demo):
    admin = make_browser("dongling-admin")
    response = admin.post("/s/dongling/members/new", {
        "username": "newbie", "full_name": "钱新", "role": "officer",
    })
    first = re.search(r"/auth/invite/[^\"]+", response.get_data(as_text=True)).group(0)
    with app.app_context():
        mid = db.session.scalar(select(Membership.id).where(
            Membership.user_id == find_user("newbie").id))
    second_page = admin.post(f"/s/dongling/members/{mid}/invite").get_data(as_text=True)
    second = re.search(r"/auth/invite/[^\"]+", second_page).group(0)
    assert make_browser().get(first).status_code == 404
    assert make_browser().get(second).status_code == 200


def test_absurd_ids_and_query_strings_are_not_errors(make_browser, demo):
    admin = make_browser("dongling-admin")
    assert admin.get("/s/dongling/notices/99999999999999999999").status_code == 404
    assert admin.get("/s/dongling/members/99999999999999999999").status_code == 404
    for query in ("date_from=0001-01-01", "date_to=9999-12-31", "station=99999999999999999999"):
        response = admin.get(f"/s/dongling/audit?{query}")
        assert response.status_code == 200, query
        assert "invalid-feedback" in response.get_data(as_text=True) or "text-danger" in \
            response.get_data(as_text=True), query
    # The log pages by the events' own order; an odd cursor shows the newest page.
    for query in ("page=0", "page=abc", "before=abc", "after=-1",
                  "before=99999999999999999999"):
        response = admin.get(f"/s/dongling/audit?{query}")
        assert response.status_code == 200, query
        assert 'rel="prev"' not in response.get_data(as_text=True), query
    assert make_browser().sign_in("dongling\x00admin").status_code in (400, 401)
