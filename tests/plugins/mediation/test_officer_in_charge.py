"""Who is in charge of a case (责任民警), and so may unmask its parties and print their
agreement: an officer or the station's admin, put there by a controlled act (by the admin,
by the officer handing it over, or by anyone who records while no one is in charge), never
by an auxiliary putting themselves there, nor by tapping a handoff. Printing is a POST a
link or an image from another site cannot make."""

import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from plugins.mediation.models import Case
from tests.conftest import owner_context, within_station

BASE = "/s/liuxi/mediation"
NOT_OF_STATION = "请选择本所民警或所管理员"
NOT_YOURS = "只有所管理员或本案责任民警可以将案件移交他人"


@pytest.fixture
def admin(make_browser, demo):
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/mediation/enable").status_code == 302
    return b


def _uid(app, username):
    from app.users import find_user

    with app.app_context():
        return find_user(username).id


def _case(app, case_id, slug="liuxi"):
    return within_station(app, slug, lambda: db.session.get(Case, case_id))


def _count_cases(app):
    return within_station(app, "liuxi", lambda: db.session.scalar(
        select(func.count()).select_from(Case)))


def _village(b, name):
    """The id of the station's village ``name``, as the form to open a case offers it."""
    html = b.get(f"{BASE}/cases/new").get_data(as_text=True)
    return re.search(rf'<option value="(\d+)">{name}</option>', html).group(1)


def _open(b, **extra):
    from app.plugin_api import local_today

    data = {"title": "两家为排水沟吵架", "kind": "邻里纠纷", "village_id": _village(b, "河坝村"),
            "source": "walk_in", "opened_on": local_today().isoformat(),
            "a_name": "张大山", "a_phone": "13911112222", "a_id_number": "610725197001011234",
            **extra}
    response = b.post(f"{BASE}/cases/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/cases/(\d+)$", response.location).group(1))


def _post(b, app, case_id, action, data):
    version = str(_case(app, case_id).version)
    return b.post(f"{BASE}/cases/{case_id}/{action}", {"version": version, **data})


def _edit(b, app, case_id, **changes):
    """The edit form as the page fills it in, with ``changes``."""
    case = _case(app, case_id)
    form = {"title": case.title, "kind": case.kind, "village_id": str(case.village_id or ""),
            "narrative": case.narrative or "", "dispute_began_on": "",
            "officer_id": str(case.officer_id or "")}
    return _post(b, app, case_id, "edit", {**form, **changes})


def _options(html, select_id):
    """The values a select offers."""
    body = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', body)


def _reveals_by(app, user_id):
    with owner_context():  # the owner reads every chain
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "pii.reveal", AuditEvent.actor_id == user_id))


def test_only_officers_and_admins_are_offered_or_accepted_as_officer_in_charge(app, admin,
                                                                            make_browser):
    admin_id, officer_id, aux_id = (_uid(app, u) for u in
                                    ("liuxi-admin", "liuxi-officer", "liuxi-aux"))
    offered = _options(admin.get(f"{BASE}/cases/new").get_data(as_text=True), "f-officer_id")
    assert {str(admin_id), str(officer_id)} <= set(offered) and str(aux_id) not in offered

    # The form refuses an auxiliary even when posted by hand: no case is opened.
    before = _count_cases(app)
    refused = admin.post(f"{BASE}/cases/new", {
        "title": "x", "kind": "邻里纠纷", "source": "walk_in", "opened_on": "2020-01-01",
        "a_name": "张大山", "officer_id": str(aux_id)})
    assert refused.status_code == 400 and NOT_OF_STATION in refused.get_data(as_text=True)
    assert _count_cases(app) == before

    case_id = _open(admin, officer_id=str(officer_id))
    edit = admin.get(f"{BASE}/cases/{case_id}/edit").get_data(as_text=True)
    assert str(aux_id) not in _options(edit, "f-officer_id")
    listing = admin.get(f"{BASE}/").get_data(as_text=True)
    assert str(aux_id) not in _options(listing, "f-officer")

    # An auxiliary opening a case is not put in charge by default.
    aux = make_browser("liuxi-aux")
    new = aux.get(f"{BASE}/cases/new").get_data(as_text=True)
    assert str(aux_id) not in _options(new, "f-officer_id")
    picker = re.search(r'id="f-officer_id"[^>]*>(.*?)</select>', new, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)" selected', picker) in ([], [""])


def test_an_auxiliary_cannot_put_themselves_in_charge_to_unmask_the_parties(app, admin,
                                                                         make_browser):
    officer_id, aux_id = _uid(app, "liuxi-officer"), _uid(app, "liuxi-aux")
    admin_id = _uid(app, "liuxi-admin")
    case_id = _open(admin, officer_id=str(officer_id))
    aux = make_browser("liuxi-aux")

    # The edit page shows who is in charge; the auxiliary has nothing to change it with.
    page = aux.get(f"{BASE}/cases/{case_id}/edit").get_data(as_text=True)
    assert '<select class="form-select" id="f-officer_id"' not in page
    assert "只有所管理员或本案责任民警可以将案件移交他人。" in page

    # Posted by hand: themselves (not an officer), or anyone else (not theirs to give).
    for officer, message in ((aux_id, NOT_OF_STATION), (admin_id, NOT_YOURS)):
        refused = _edit(aux, app, case_id, officer_id=str(officer), title="改过的标题")
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
        case = _case(app, case_id)
        assert (case.officer_id, case.title) == (officer_id, "两家为排水沟吵架")  # nothing saved

    # Still no way to the parties' names.
    assert aux.post(f"{BASE}/cases/{case_id}/reveal").status_code == 403
    assert "张大山" not in aux.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert _reveals_by(app, aux_id) == 0

    # The rest of the details are theirs to correct, as before.
    assert _edit(aux, app, case_id, village_id=_village(aux, "石龙村")).status_code == 302
    case = _case(app, case_id)
    assert (case.village_id, case.officer_id) == (int(_village(aux, "石龙村")), officer_id)


def test_the_admin_or_the_officer_in_charge_hands_a_case_over(app, admin, make_browser):
    from app.demo import PASSWORD
    from app.enrolment import enrol
    from tenants.models import Station

    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        enrol(username="liuxi-officer-2", full_name="钟明亮", role="officer", station=station,
              password=PASSWORD)
        db.session.commit()
    first_id, second_id = _uid(app, "liuxi-officer"), _uid(app, "liuxi-officer-2")
    first, second = make_browser("liuxi-officer"), make_browser("liuxi-officer-2")
    case_id = _open(admin, officer_id=str(first_id))

    # Another officer may record and correct, not take the case (and its parties) over.
    taken = _edit(second, app, case_id, officer_id=str(second_id))
    assert taken.status_code == 400 and NOT_YOURS in taken.get_data(as_text=True)
    assert _case(app, case_id).officer_id == first_id
    assert second.post(f"{BASE}/cases/{case_id}/reveal").status_code == 403
    assert _edit(second, app, case_id, title="两家为排水沟和院墙吵架").status_code == 302

    # The officer in charge hands it over: the other reveals now, they no longer do.
    assert _edit(first, app, case_id, officer_id=str(second_id)).status_code == 302
    assert second.post(f"{BASE}/cases/{case_id}/reveal").status_code == 200
    back = _edit(first, app, case_id, officer_id=str(first_id))
    assert back.status_code == 400 and NOT_YOURS in back.get_data(as_text=True)
    assert first.post(f"{BASE}/cases/{case_id}/reveal").status_code == 403

    # The station's admin reassigns any case.
    assert _edit(admin, app, case_id, officer_id=str(first_id)).status_code == 302
    assert _case(app, case_id).officer_id == first_id
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    timeline = re.sub(r"<[^>]+>", "", page[page.index('id="timeline"'):])
    assert timeline.count("修改案件信息：责任民警") == 2

    # No one in charge yet: whoever records may put an officer there.
    unassigned = _open(admin, officer_id="")
    aux = make_browser("liuxi-aux")
    assert _edit(aux, app, unassigned, officer_id=str(second_id)).status_code == 302
    assert _case(app, unassigned).officer_id == second_id


def test_editing_a_case_follows_the_ladder(app, admin, make_browser):
    case_id = _open(admin)
    for level in ("2", "3"):  # up to 警务室联调: officers and admins only
        assert _post(admin, app, case_id, "escalate",
                     {"to_level": level, "reason": "调解未成"}).status_code == 302
    aux = make_browser("liuxi-aux")
    page = aux.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert f"/cases/{case_id}/edit" not in page
    form = aux.get(f"{BASE}/cases/{case_id}/edit")
    assert form.status_code == 403 and "无权在警务室联调" in form.get_data(as_text=True)
    refused = _edit(aux, app, case_id, village_id=_village(admin, "石龙村"), officer_id="")
    assert refused.status_code == 403 and "无权在警务室联调" in refused.get_data(as_text=True)
    assert _case(app, case_id).village_id == int(_village(admin, "河坝村"))
    assert f"/cases/{case_id}/edit" in admin.get(f"{BASE}/cases/{case_id}").get_data(
        as_text=True)


def test_a_handed_over_concern_puts_its_owner_in_charge_never_whoever_taps(app, demo,
                                                                          make_browser):
    from plugins.courtyard.models import Concern

    officer_id, aux_id = _uid(app, "dongling-officer"), _uid(app, "dongling-aux")

    def three_concerns():
        concerns = db.session.scalars(select(Concern).order_by(Concern.id).limit(3)).all()
        for concern, owner in zip(concerns, (officer_id, aux_id, None), strict=True):
            concern.owner_id = owner
        db.session.commit()
        return [c.id for c in concerns]

    by_officer, by_aux, by_no_one = within_station(app, "dongling", three_concerns)
    aux, officer = make_browser("dongling-aux"), make_browser("dongling-officer")

    def hand_over(browser, concern_id):
        assert browser.post(f"/s/dongling/courtyard/concerns/{concern_id}/handoff",
                            {"target": "mediation.case"}).status_code == 302
        page = browser.get(f"/s/dongling/courtyard/concerns/{concern_id}").get_data(
            as_text=True)
        case_id = int(re.search(r"/s/dongling/mediation/cases/(\d+)", page).group(1))
        return case_id, _case(app, case_id, "dongling").officer_id

    # The auxiliary taps the officer's concern: the officer is in charge, not the tapper.
    case_id, in_charge = hand_over(aux, by_officer)
    assert in_charge == officer_id
    assert aux.post(f"/s/dongling/mediation/cases/{case_id}/reveal").status_code == 403
    assert f'cases/{case_id}/reveal"' not in aux.get(
        f"/s/dongling/mediation/cases/{case_id}").get_data(as_text=True)
    # An auxiliary's concern, or no one's: no one in charge yet, whoever taps.
    for concern_id in (by_aux, by_no_one):
        case_id, in_charge = hand_over(officer, concern_id)
        assert in_charge is None
        page = officer.get(f"/s/dongling/mediation/cases/{case_id}").get_data(as_text=True)
        assert re.search(r"责任民警</dt><dd[^>]*>—<", page)


def test_printing_an_agreement_is_a_post_no_link_or_image_can_make(owner_app, app, admin,
                                                                  make_browser):
    officer_id = _uid(app, "liuxi-officer")
    case_id = _open(admin, officer_id=str(officer_id))
    assert _post(admin, app, case_id, "close", {"outcome": "agreement", "note": "达成一致",
                                                "terms": "一、疏通排水沟。",
                                                "confirmed": "true"}).status_code == 302
    officer = make_browser("liuxi-officer")
    url = f"{BASE}/cases/{case_id}/agreement"
    # An <img src> on another site, a link followed or prefetched in the officer's
    # browser: refused, nothing revealed, nothing recorded in their name.
    got = officer.get(url)
    assert got.status_code == 405 and "张大山" not in got.get_data(as_text=True)
    # A form on another site posting without the token: refused too.
    forged = officer.post(url, csrf=False)
    assert forged.status_code == 400 and "张大山" not in forged.get_data(as_text=True)
    assert _reveals_by(app, officer_id) == 0

    # The case page prints with a form: the token, and a tab of its own to print from.
    page = officer.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{url}" target="_blank"[^>]*>(.*?)</form>',
                     page, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and "打印调解协议书" in form.group(1)

    printed = officer.post(url)
    assert printed.status_code == 200 and "张大山" in printed.get_data(as_text=True)
    with owner_app.app_context():  # the owner reads every chain
        changes = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.action == "pii.reveal", AuditEvent.actor_id == officer_id)).all()
    assert changes == [{"fields": ["name", "phone", "id_number"], "for": "print",
                        "as": "assignee"}]
