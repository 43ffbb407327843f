"""Dispute mediation as a station runs it: the ladder, the agreement and its follow-up,
conflicting saves, roles per level, personal data, the export, handoffs, figures and
reminders."""

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.plugin_api import local_today
from plugins.mediation.models import Agreement, Attempt, Case, Event, Party, Reminder
from tenants.context import station_context
from tenants.models import Station
from tests.conftest import within_station

BASE = "/s/liuxi/mediation"


@pytest.fixture
def admin(make_browser, demo):
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/mediation/enable").status_code == 302
    return b


def _in_liuxi(app, fn):
    return within_station(app, "liuxi", fn)


def _offered(html, select_id="f-village_id") -> dict[str, str]:
    """The options a select offers: {text: value}."""
    body = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {text: value for value, text in re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>', body)}


def _village(b, name, base=BASE):
    """The id of the station's village ``name``, as the form to open a case offers it."""
    return _offered(b.get(f"{base}/cases/new").get_data(as_text=True))[name]


def _open(b, village="河坝村", **extra):
    data = {"title": "两家为排水沟吵架", "kind": "邻里纠纷",
            "village_id": _village(b, village) if village else "",
            "source": "walk_in", "opened_on": local_today().isoformat(),
            "a_name": "张大山", "a_phone": "13911112222", "a_id_number": "610725197001011234",
            "b_name": "李小河", **extra}
    response = b.post(f"{BASE}/cases/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/cases/(\d+)$", response.location).group(1))


def _version(app, case_id):
    return str(_in_liuxi(app, lambda: db.session.get(Case, case_id).version))


def _post(b, app, case_id, action, data):
    return b.post(f"{BASE}/cases/{case_id}/{action}", {"version": _version(app, case_id), **data})


ATTEMPT = {"held_on": None, "mediator": "百户长 王大伯", "method": "in_person",
           "mediation_type": "people", "notes": "双方各执一词"}


def _attempt(b, app, case_id, **extra):
    data = {**ATTEMPT, "held_on": local_today().isoformat(), **extra}
    return _post(b, app, case_id, "attempts", data)


def test_the_ladder_from_first_talk_to_signed_agreement(owner_app, app, admin):
    case_id = _open(admin)
    assert _attempt(admin, app, case_id).status_code == 302
    skip = _post(admin, app, case_id, "escalate", {"to_level": "3", "reason": "太难"})
    assert skip.status_code == 400 and "不允许越过" in skip.get_data(as_text=True)
    assert _post(admin, app, case_id, "escalate",
                 {"to_level": "2", "reason": "百户长调解未成"}).status_code == 302
    video = _attempt(admin, app, case_id, method="video", mediator="治保主任 李主任")
    assert video.status_code == 400 and "视频调解需填写会议链接" in video.get_data(as_text=True)
    assert _attempt(admin, app, case_id, mediator="治保主任 李主任").status_code == 302
    no_terms = _post(admin, app, case_id, "close", {"outcome": "agreement", "note": "达成一致"})
    assert no_terms.status_code == 400
    assert "请写明双方达成的协议内容" in no_terms.get_data(as_text=True)
    assert _post(admin, app, case_id, "close", {
        "outcome": "agreement", "note": "达成一致", "terms": "一、疏通排水沟，费用各半。",
        "confirmed": "true"}).status_code == 302
    again = _post(admin, app, case_id, "close", {"outcome": "settled", "note": "x"})
    assert again.status_code == 400 and "已办结" in again.get_data(as_text=True)
    up = _post(admin, app, case_id, "escalate", {"to_level": "3", "reason": "x"})
    assert up.status_code == 400 and "已办结的案件不能升级" in up.get_data(as_text=True)

    printed = admin.post(f"{BASE}/cases/{case_id}/agreement").get_data(as_text=True)
    assert "人民调解协议书" in printed and "疏通排水沟" in printed and "张大山" in printed
    assert _post(admin, app, case_id, "follow-up", {
        "followed_up_on": local_today().isoformat(), "holds": "true",
        "notes": "排水沟已疏通"}).status_code == 302
    twice = _post(admin, app, case_id, "follow-up", {
        "followed_up_on": local_today().isoformat(), "holds": "true", "notes": "x"})
    assert twice.status_code == 400

    actions = _in_liuxi(app, lambda: [e.action for e in db.session.get(Case, case_id).events])
    assert actions == ["opened", "attempt", "escalated", "attempt", "closed", "follow_up"]
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert "协议仍在履行" in page
    with owner_app.app_context():  # the owner reads every chain
        changes = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "mediation_case", AuditEvent.action == "update",
            AuditEvent.object_id == str(case_id))).all()
        printed_audit = db.session.scalar(select(AuditEvent).where(
            AuditEvent.object_type == "mediation_agreement", AuditEvent.action == "pii.reveal"))
    assert any("level" in c for c in changes) and any("outcome" in c for c in changes)
    assert printed_audit is not None


def test_a_second_save_of_a_stale_case_is_a_conflict_not_an_overwrite(app, admin, make_browser):
    case_id = _open(admin)
    stale = _version(app, case_id)  # both officers have the page open
    assert _post(admin, app, case_id, "escalate",
                 {"to_level": "2", "reason": "调解未成"}).status_code == 302
    other = make_browser("liuxi-officer")
    response = other.post(f"{BASE}/cases/{case_id}/close",
                          {"version": stale, "outcome": "withdrawn", "note": "撤回"})
    assert response.status_code == 409
    assert "其他人修改了此案件" in response.get_data(as_text=True)
    case = _in_liuxi(app, lambda: db.session.get(Case, case_id))
    assert case.status == "open" and case.level == 2


def test_who_may_act_at_each_level_follows_the_settings(app, admin, make_browser):
    case_id = _open(admin)
    aux = make_browser("liuxi-aux")
    assert _attempt(aux, app, case_id).status_code == 302  # level 1: auxiliaries too
    _post(admin, app, case_id, "escalate", {"to_level": "2", "reason": "x"})
    _post(admin, app, case_id, "escalate", {"to_level": "3", "reason": "x"})
    refused = _attempt(aux, app, case_id)
    assert refused.status_code == 400 and "无权在警务室联调" in refused.get_data(as_text=True)
    bad = admin.post("/s/liuxi/modules/mediation/settings", {
        "levels": "一级 | officer\n二级 | chief", "kinds": "邻里纠纷",
        "stuck_days": "10", "follow_up_days": "20"})
    assert bad.status_code == 400


def test_parties_are_masked_in_lists_and_export_and_revealing_is_audited(owner_app, app, admin):
    case_id = _open(admin)
    listing = admin.get(f"{BASE}/").get_data(as_text=True)
    assert "张*山" in listing and "张大山" not in listing
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert "139****2222" in page and "6107**********1234" in page and "张大山" not in page
    export = admin.get(f"{BASE}/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "两家为排水沟吵架" and rows[1][6] == "张*山、李*河"
    assert admin.get(f"{BASE}/export.xlsx?period=bad").status_code == 400
    shown = admin.post(f"{BASE}/cases/{case_id}/reveal").get_data(as_text=True)
    assert "张大山" in shown and "610725197001011234" in shown
    with owner_app.app_context():  # the owner reads every chain
        actions = set(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type.in_(("mediation_case",)))))
    assert {"pii.reveal", "mediation.export"} <= actions


def test_filters(app, admin):
    _open(admin, title="甲案", village="河坝村")
    _open(admin, title="乙案", village="石龙村", kind="债务纠纷")
    _open(admin, title="丙案", village=None)
    html = admin.get(f"{BASE}/?kind=债务纠纷").get_data(as_text=True)
    assert "乙案" in html and "甲案" not in html
    heba = _village(admin, "河坝村")
    html = admin.get(f"{BASE}/?village_id={heba}&status=open&level=1").get_data(as_text=True)
    assert "甲案" in html and "乙案" not in html and "丙案" not in html
    # The filter is a select of the station's villages, the chosen one kept.
    assert _offered(html)["河坝村"] == heba and "东岭社区" in _offered(html)
    assert re.search(rf'<option value="{heba}" selected>河坝村', html)
    assert re.search(r"甲案</a><small[^>]*>[^<]*· 河坝村", html)  # the list names it
    assert admin.get(f"{BASE}/?village_id=abc").status_code == 400
    assert admin.get(f"{BASE}/?period=2026-13").status_code == 400


def test_a_courtyard_concern_opens_a_case_that_shows_where_it_came_from(app, demo,
                                                                        make_browser):
    from plugins.courtyard.models import Concern

    admin = make_browser("dongling-admin")  # 东岭 runs both modules
    with app.app_context():
        station = db.session.get(Station, demo.station("dongling").id)
        with station_context(station):
            concern = db.session.scalars(
                select(Concern).where(Concern.status == "open").order_by(Concern.id)).first()
            concern_id, title = concern.id, concern.title
    response = admin.post(f"/s/dongling/courtyard/concerns/{concern_id}/handoff",
                          {"target": "mediation.case"})
    assert response.status_code == 302
    page = admin.get(f"/s/dongling/courtyard/concerns/{concern_id}").get_data(as_text=True)
    case_id = int(re.search(r"/s/dongling/mediation/cases/(\d+)", page).group(1))
    case_page = admin.get(f"/s/dongling/mediation/cases/{case_id}").get_data(as_text=True)
    assert title in case_page and "小院说事" in case_page
    assert f"/s/dongling/courtyard/concerns/{concern_id}" in case_page
    assert "小院说事事项" in case_page  # the source


def test_figures_for_the_county(app, admin):
    from app.plugin_api import Period
    from plugins.mediation.metrics import METRICS

    today = local_today()
    for outcome, years in (("agreement", 12), ("settled", None), ("criminal", None)):
        case_id = _open(admin, dispute_began_on=(date(today.year - years, 1, 1).isoformat()
                                                 if years else ""))
        data = {"outcome": outcome, "note": "x"}
        if outcome == "agreement":
            data.update(terms="条款", confirmed="true")
        assert _post(admin, app, case_id, "close", data).status_code == 302
    _open(admin)  # still open
    figures = _in_liuxi(app, lambda: {
        m.key: m.compute(Period.month(today.year, today.month)) for m in METRICS})
    assert figures == {"mediation.received": 4, "mediation.rate": 66.7,
                       "mediation.first_level": 100.0, "mediation.median_days": 0.0,
                       "mediation.criminal": 1, "mediation.grudges": 1}


def test_reminders_for_overdue_follow_ups_and_stuck_cases(app, admin):
    stuck_id = _open(admin, opened_on=(local_today() - timedelta(days=40)).isoformat())
    agreed_id = _open(admin, opened_on=(local_today() - timedelta(days=60)).isoformat())
    _post(admin, app, agreed_id, "close", {"outcome": "agreement", "note": "x",
                                           "terms": "条款", "confirmed": "true"})

    def backdate():
        agreement = db.session.scalar(select(Agreement))
        agreement.signed_on = local_today() - timedelta(days=45)
        agreement.follow_up_on = local_today() - timedelta(days=15)
        db.session.commit()

    _in_liuxi(app, backdate)
    runner = app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["jobs", "run", "mediation.reminders"]).exit_code == 0
    kinds = _in_liuxi(app, lambda: sorted(
        (r.case_id, r.kind) for r in db.session.scalars(select(Reminder))))
    assert kinds == [(stuck_id, "stuck"), (agreed_id, "follow_up")]
    home = admin.get("/s/liuxi/").get_data(as_text=True)
    assert "回访逾期" in home and "长期停留在同一层级" in home
    _post(admin, app, agreed_id, "follow-up", {
        "followed_up_on": local_today().isoformat(), "holds": "false", "notes": "又起争执"})
    runner.invoke(args=["jobs", "run", "mediation.reminders"])
    kinds = _in_liuxi(app, lambda: [r.kind for r in db.session.scalars(select(Reminder))])
    assert kinds == ["stuck"]
    assert _in_liuxi(app, lambda: db.session.scalars(
        select(Event.action).where(Event.case_id == agreed_id).order_by(Event.id)).all())[-1] \
        == "follow_up"


def test_the_home_card_counts_every_reminder_and_leads_to_all_of_them(app, admin):
    def many():
        today = local_today()
        for n in range(11):
            db.session.add(Case(title=f"滞留案件{n:02d}", kind="邻里纠纷", source="call",
                                opened_on=today - timedelta(days=60), level=1,
                                level_since=today - timedelta(days=40 + n)))
        db.session.add(Case(title="新近案件", kind="邻里纠纷", source="call", opened_on=today,
                            level=1, level_since=today))
        db.session.commit()

    _in_liuxi(app, many)
    assert app.test_cli_runner().invoke(args=["jobs", "run", "mediation.reminders"]
                                        ).exit_code == 0
    home = admin.get("/s/liuxi/").get_data(as_text=True)
    card = home[home.index('data-module="mediation"'):]
    card = card[:card.index("</div>")]
    assert "共 11 条提醒" in card and "最早的 8 条" in card  # not a silent cut
    assert card.count("长期停留在同一层级") == 8
    link = re.search(r'href="([^"]*reminder=any[^"]*)"', card).group(1).replace("&amp;", "&")
    listing = admin.get(link)
    assert listing.status_code == 200
    listing = listing.get_data(as_text=True)
    assert listing.count('data-label="案件"><a href=') == 11 and "共 11 条" in listing
    assert "新近案件" not in listing and "滞留案件10" in listing
    assert "共 11 条" in admin.get(f"{BASE}/?reminder=stuck").get_data(as_text=True)
    assert "没有符合条件的案件" in admin.get(f"{BASE}/?reminder=follow_up").get_data(
        as_text=True)
    assert admin.get(f"{BASE}/?reminder=whatever").status_code == 400


def test_two_saves_racing_past_the_form_check_still_do_not_overwrite(app, admin):
    """Both requests read version 1; the database lets only the first UPDATE through."""
    from sqlalchemy.orm import Session as OrmSession
    from sqlalchemy.orm.exc import StaleDataError

    case_id = _open(admin)
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        with station_context(station), OrmSession(db.engine) as first, \
                OrmSession(db.engine) as second:
            a = first.scalar(select(Case).where(Case.id == case_id))
            b = second.scalar(select(Case).where(Case.id == case_id))
            a.level = 2
            first.commit()
            b.status, b.outcome = "closed", "withdrawn"
            with pytest.raises(StaleDataError):
                second.commit()
    case = _in_liuxi(app, lambda: db.session.get(Case, case_id))
    assert (case.level, case.status) == (2, "open")


# -- an agreement that does not hold -------------------------------------------------------

def _user_id(app, username):
    from app.users import find_user

    with app.app_context():
        return find_user(username).id


def _close_with_agreement(b, app, case_id, terms):
    return _post(b, app, case_id, "close", {"outcome": "agreement", "note": "达成一致",
                                            "terms": terms, "confirmed": "true"})


def _figures(app):
    from app.plugin_api import Period
    from plugins.mediation.metrics import METRICS

    today = local_today()
    return _in_liuxi(app, lambda: {
        m.key: m.compute(Period.month(today.year, today.month)) for m in METRICS})


def _badge(html):
    return re.search(r'<span class="badge ([^"]+)" id="case-status">(.*?)</span>', html).groups()


def test_an_agreement_not_kept_is_mediated_again_and_a_second_one_holds(owner_app, app, admin,
                                                                        make_browser):
    case_id = _open(admin, title="三户共用山泉水", kind="用水纠纷")
    assert _attempt(admin, app, case_id).status_code == 302
    assert _close_with_agreement(admin, app, case_id, "一、修建蓄水池，三户分别接管。"
                                 ).status_code == 302
    assert _figures(app)["mediation.rate"] == 100.0
    assert _post(admin, app, case_id, "follow-up", {
        "followed_up_on": local_today().isoformat(), "holds": "false",
        "notes": "下游两户仍然缺水"}).status_code == 302
    first_id = _in_liuxi(app, lambda: db.session.scalar(
        select(Agreement.id).where(Agreement.case_id == case_id)))

    # Not kept: no longer shown or counted as settled, and the page offers to go on.
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    badge_class, badge_text = _badge(page)
    assert "success" not in badge_class and "协议未履行" in badge_text
    assert "重新调解" in page and f'action="/s/liuxi/mediation/cases/{case_id}/reopen"' in page
    listing = admin.get(f"{BASE}/").get_data(as_text=True)
    assert "text-bg-danger\">协议未履行" in listing
    assert _figures(app)["mediation.rate"] == 0.0

    # The auxiliary may act at the first two levels only: those are what they are offered.
    aux = make_browser("liuxi-aux")
    offered = aux.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    reopen_form = offered[offered.index("/reopen"):]
    assert "治保主任复调" in reopen_form[:reopen_form.index("</select>")]
    assert "警务室联调" not in reopen_form[:reopen_form.index("</select>")]
    refused = _post(aux, app, case_id, "reopen", {"level": "3", "reason": "仍然缺水"})
    assert refused.status_code == 400 and "无权在警务室联调" in refused.get_data(as_text=True)
    no_reason = _post(admin, app, case_id, "reopen", {"level": "3"})
    assert no_reason.status_code == 400
    assert _in_liuxi(app, lambda: db.session.get(Case, case_id).status) == "closed"

    assert _post(admin, app, case_id, "reopen",
                 {"level": "3", "reason": "下游两户仍然缺水"}).status_code == 302
    case = _in_liuxi(app, lambda: db.session.get(Case, case_id))
    assert (case.status, case.outcome, case.level, case.closed_on) == ("open", None, 3, None)
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "重新调解" in timeline and "下游两户仍然缺水" in timeline
    assert "警务室联调" in _badge(page)[1]
    assert "一、修建蓄水池" in page and "未履行" in page  # the first agreement stays
    figures = _figures(app)
    assert figures["mediation.rate"] is None and figures["mediation.received"] == 1
    twice = _post(admin, app, case_id, "reopen", {"level": "2", "reason": "x"})
    assert twice.status_code == 400 and "正在调解中" in twice.get_data(as_text=True)

    # Mediated as usual, then a second agreement.
    assert _attempt(admin, app, case_id, mediator="社区民警").status_code == 302
    assert _close_with_agreement(admin, app, case_id, "二、抬高上游出水口50厘米。"
                                 ).status_code == 302
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert "success" in _badge(page)[0]
    assert "一、修建蓄水池" in page and "二、抬高上游出水口" in page
    assert page.count(f'action="/s/liuxi/mediation/cases/{case_id}/follow-up"') == 1
    latest = admin.post(f"{BASE}/cases/{case_id}/agreement").get_data(as_text=True)
    assert "二、抬高上游出水口" in latest and "未能履行" not in latest
    assert "警务室联调" in latest  # signed at the level it was mediated at
    earlier = admin.post(f"{BASE}/cases/{case_id}/agreement/{first_id}")
    assert earlier.status_code == 200
    earlier = earlier.get_data(as_text=True)
    assert "一、修建蓄水池" in earlier and "本协议未能履行" in earlier
    assert "百户长初调" in earlier
    other = _open(admin)
    assert admin.post(f"{BASE}/cases/{other}/agreement/{first_id}").status_code == 404

    # Counted once, by its new close.
    figures = _figures(app)
    assert figures["mediation.rate"] == 100.0 and figures["mediation.received"] == 2
    assert figures["mediation.first_level"] == 0.0  # settled at 警务室联调 this time

    # The new agreement's follow-up is due again, and reminded about when overdue.
    def backdate():
        newest = db.session.scalars(select(Agreement).where(Agreement.case_id == case_id)
                                    .order_by(Agreement.id.desc())).first()
        newest.follow_up_on = local_today() - timedelta(days=3)
        db.session.commit()

    _in_liuxi(app, backdate)
    assert app.test_cli_runner().invoke(args=["jobs", "run", "mediation.reminders"]
                                        ).exit_code == 0
    reminders = _in_liuxi(app, lambda: [(r.case_id, r.kind, r.since) for r in
                                        db.session.scalars(select(Reminder))])
    assert reminders == [(case_id, "follow_up", local_today() - timedelta(days=3))]
    assert _post(admin, app, case_id, "follow-up", {
        "followed_up_on": local_today().isoformat(), "holds": "true",
        "notes": "用水正常"}).status_code == 302
    with owner_app.app_context():  # the owner reads every chain
        reopened = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "mediation_case", AuditEvent.action == "update",
            AuditEvent.object_id == str(case_id))).all()
    assert any(c.get("status") == ["closed", "open"] and c.get("level") == [1, 3]
               for c in reopened)


def test_reminders_follow_the_newest_agreement_only(app, admin):
    case_id = _open(admin)

    def two_agreements():
        today = local_today()
        case = db.session.get(Case, case_id)
        case.status, case.outcome, case.closed_on = "closed", "agreement", today
        # An older agreement never visited (say, recorded by hand) and the one in force.
        db.session.add(Agreement(case_id=case_id, terms="旧", confirmed=True,
                                 signed_on=today - timedelta(days=60),
                                 follow_up_on=today - timedelta(days=30)))
        db.session.flush()
        db.session.add(Agreement(case_id=case_id, terms="新", confirmed=True,
                                 signed_on=today, follow_up_on=today + timedelta(days=30)))
        db.session.commit()

    _in_liuxi(app, two_agreements)
    assert app.test_cli_runner().invoke(args=["jobs", "run", "mediation.reminders"]
                                        ).exit_code == 0
    assert _in_liuxi(app, lambda: db.session.scalars(select(Reminder)).all()) == []
    assert "回访逾期" not in admin.get("/s/liuxi/").get_data(as_text=True)


# -- correcting a case ---------------------------------------------------------------------

def test_a_case_s_details_are_corrected_version_checked_and_audited(owner_app, app, admin,
                                                                   make_browser):
    officer = _user_id(app, "liuxi-officer")
    case_id = _open(admin)
    form = admin.get(f"{BASE}/cases/{case_id}/edit")
    assert form.status_code == 200 and "河坝村" in form.get_data(as_text=True)
    assert f'href="/s/liuxi/mediation/cases/{case_id}/edit"' in admin.get(
        f"{BASE}/cases/{case_id}").get_data(as_text=True)
    stale = _version(app, case_id)
    heba, shilong = _village(admin, "河坝村"), _village(admin, "石龙村")
    changed = {"title": "两家为排水沟和院墙吵架", "kind": "土地边界", "village_id": shilong,
               "narrative": "院墙越界", "dispute_began_on": "2010-05-01",
               "officer_id": str(officer)}
    assert _post(admin, app, case_id, "edit", changed).status_code == 302
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert "两家为排水沟和院墙吵架" in page and "土地边界" in page and "石龙村" in page
    assert "2010-05-01" in page and "院墙越界" in page
    timeline = page[page.index('id="timeline"'):]
    assert "修改案件信息" in timeline and "村（社区）" in timeline

    # A second save from the page read before: a conflict, nothing saved.
    other = make_browser("liuxi-officer")
    conflict = other.post(f"{BASE}/cases/{case_id}/edit",
                          {"version": stale, **changed,
                           "village_id": _village(admin, "河口村")})
    assert conflict.status_code == 409 and "其他人修改了此案件" in conflict.get_data(as_text=True)
    assert _in_liuxi(app, lambda: db.session.get(Case, case_id).village_id) == int(shilong)

    # CaseForm's rules: a kind from the list, a member, a dispute not begun after opening.
    for bad, message in (({"kind": "打架"}, "请从列表中选择一项"),
                         ({"officer_id": "999999"}, "请选择本所民警或所管理员"),
                         ({"dispute_began_on": (local_today() + timedelta(days=1)).isoformat()},
                          "纠纷起始日期不能晚于受理日期"),
                         ({"title": ""}, "")):
        refused = _post(admin, app, case_id, "edit", {**changed, **bad})
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert _in_liuxi(app, lambda: db.session.get(Case, case_id).kind) == "土地边界"
    with owner_app.app_context():  # the owner reads every chain
        updates = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "mediation_case", AuditEvent.action == "update",
            AuditEvent.object_id == str(case_id))).all()
    assert any(c.get("village_id") == [int(heba), int(shilong)] and "officer_id" in c
               for c in updates)
    # Only those who record mediation correct a case.
    viewer = make_browser("county-lead")
    assert viewer.get(f"{BASE}/cases/{case_id}/edit").status_code in (403, 404)


def test_a_case_from_a_courtyard_concern_gets_its_officer_and_can_be_completed(app, demo,
                                                                              make_browser):
    from app.users import find_user
    from plugins.courtyard.models import Concern

    officer = make_browser("dongling-officer")

    def concern_owned_by_the_officer():
        concern = db.session.scalars(
            select(Concern).where(Concern.status == "open").order_by(Concern.id)).first()
        concern.owner_id = find_user("dongling-officer").id
        db.session.commit()
        return concern.id, find_user("dongling-officer").full_name

    concern_id, name = within_station(app, "dongling", concern_owned_by_the_officer)
    # The admin hands it over; the concern's owner is in charge of the case.
    assert make_browser("dongling-admin").post(
        f"/s/dongling/courtyard/concerns/{concern_id}/handoff",
        {"target": "mediation.case"}).status_code == 302
    case_id = within_station(app, "dongling", lambda: db.session.scalars(
        select(Case.id).order_by(Case.id.desc())).first())
    page = officer.get(f"/s/dongling/mediation/cases/{case_id}").get_data(as_text=True)
    assert re.search(r"责任民警</dt><dd[^>]*>" + name, page)
    form = officer.get(f"/s/dongling/mediation/cases/{case_id}/edit").get_data(as_text=True)
    assert "其他" in form
    version = str(within_station(app, "dongling", lambda: db.session.get(Case, case_id).version))
    assert officer.post(f"/s/dongling/mediation/cases/{case_id}/edit", {
        "version": version, "title": "共用水井纠纷", "kind": "用水纠纷",
        "village_id": _offered(form)["东岭社区"],
        "officer_id": str(_user_id(app, "dongling-officer"))}).status_code == 302

    def details():
        case = db.session.get(Case, case_id)
        return case.kind, case.village.name, case.source

    assert within_station(app, "dongling", details) == ("用水纠纷", "东岭社区", "courtyard")


# -- words ---------------------------------------------------------------------------------

def test_labels_read_right_in_chinese_and_no_ascii_full_stops(app, admin):
    case_id = _open(admin)
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    escalate = page[page.index(f'action="/s/liuxi/mediation/cases/{case_id}/escalate"'):]
    assert re.search(r'<label class="form-label" for="f-to_level">升至', escalate)
    assert "结束日期" not in page
    assert '<label class="form-label" for="f-held_on">调解日期' in page
    # The attempt's notes are what happened at that attempt, not the dispute's story (经过).
    attempt = page[page.index(f'action="/s/liuxi/mediation/cases/{case_id}/attempts"'):]
    assert '<label class="form-label" for="f-notes">调解情况' in attempt
    assert '<label class="form-label" for="f-narrative">经过' in admin.get(
        f"{BASE}/cases/{case_id}/edit").get_data(as_text=True)
    assert '<label class="form-label" for="f-name">姓名（名称）' in page
    _attempt(admin, app, case_id)
    _close_with_agreement(admin, app, case_id, "一、疏通排水沟。")
    _post(admin, app, case_id, "follow-up", {"followed_up_on": local_today().isoformat(),
                                             "holds": "false", "notes": "又起争执"})
    _post(admin, app, case_id, "reopen", {"level": "1", "reason": "协议未履行"})
    for page in (admin.get(f"{BASE}/cases/{case_id}"),
                 admin.post(f"{BASE}/cases/{case_id}/agreement")):
        text = re.sub(r"<[^>]+>", "", page.get_data(as_text=True))
        assert re.findall(r"[\u3000-\u9fff][.:] ", text) == [], page.request.path
    timeline = _in_liuxi(app, lambda: [e.detail for e in db.session.get(Case, case_id).events
                                       if e.detail])
    assert all(": " not in d and ". " not in d for d in timeline), timeline


def test_the_ladder_settings_speak_of_roles_by_name_and_store_keys(app, admin):
    from app.station_plugin import StationPlugin

    url = "/s/liuxi/modules/mediation/settings"
    html = admin.get(url).get_data(as_text=True)
    assert "百户长初调 | 所管理员、民警、辅警" in html and "警务室联调 | 所管理员、民警" in html
    assert "station_admin" not in html and "auxiliary" not in html
    form = {"kinds": "邻里纠纷\n其他", "stuck_days": "15", "follow_up_days": "30"}

    def stored():
        return db.session.scalar(select(StationPlugin.settings).where(
            StationPlugin.plugin == "mediation"))["levels"]

    # Saving the page as shown keeps what is stored exactly as stations stored it.
    levels = re.search(r'<textarea[^>]*name="levels"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert admin.post(url, {**form, "levels": levels}).status_code == 302
    assert _in_liuxi(app, stored) == [
        "百户长初调 | station_admin, officer, auxiliary",
        "治保主任复调 | station_admin, officer, auxiliary",
        "警务室联调 | station_admin, officer", "综治办及相关部门专班 | station_admin, officer"]
    assert admin.post(url, {**form, "levels": "村里初调 | 民警、辅警\n所里调解 | 所管理员, officer"
                            "\n专班"}).status_code == 302
    assert _in_liuxi(app, stored) == ["村里初调 | officer, auxiliary",
                                      "所里调解 | station_admin, officer", "专班"]
    bad = admin.post(url, {**form, "levels": "村里初调 | 民警\n所里调解 | 所长"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "第 2 行：“所长”不是本所的角色，请填写所管理员、民警、辅警。" in text
    assert "所里调解 | 所长" in text  # what was typed comes back
    assert _in_liuxi(app, stored)[0] == "村里初调 | officer, auxiliary"
    admin.post("/lang", {"lang": "en"})
    english = admin.get(url).get_data(as_text=True)
    assert "村里初调 | Officer, Auxiliary officer" in english
    assert admin.post(url, {**form, "levels": "First | Station admin, Officer"}).status_code == 302
    assert _in_liuxi(app, stored) == ["First | station_admin, officer"]


# -- personal data -------------------------------------------------------------------------

def test_the_officer_in_charge_or_a_revealing_role_sees_and_prints_personal_data(owner_app,
        app, admin, make_browser):
    officer_id = _user_id(app, "liuxi-officer")
    case_id = _open(admin, officer_id=str(officer_id))
    _close_with_agreement(admin, app, case_id, "一、疏通排水沟。")
    agreement_id = _in_liuxi(app, lambda: db.session.scalar(select(Agreement.id)))

    aux = make_browser("liuxi-aux")  # records mediation, not in charge of this case
    page = aux.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert "张*山" in page and "张大山" not in page
    assert "/reveal" not in page and "/agreement" not in page
    assert aux.post(f"{BASE}/cases/{case_id}/reveal").status_code == 403
    assert aux.post(f"{BASE}/cases/{case_id}/agreement").status_code == 403
    assert aux.post(f"{BASE}/cases/{case_id}/agreement/{agreement_id}").status_code == 403

    officer = make_browser("liuxi-officer")  # in charge
    page = officer.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert f'action="/s/liuxi/mediation/cases/{case_id}/reveal"' in page
    shown = officer.post(f"{BASE}/cases/{case_id}/reveal")
    assert shown.status_code == 200 and "610725197001011234" in shown.get_data(as_text=True)
    printed = officer.post(f"{BASE}/cases/{case_id}/agreement")
    assert printed.status_code == 200 and "张大山" in printed.get_data(as_text=True)
    assert admin.post(f"{BASE}/cases/{case_id}/agreement").status_code == 200
    # Lists and the export stay masked for everyone.
    assert "张大山" not in officer.get(f"{BASE}/").get_data(as_text=True)
    with owner_app.app_context():  # the owner reads every chain
        reveals = db.session.execute(select(
            AuditEvent.object_type, AuditEvent.object_id, AuditEvent.changes,
            AuditEvent.actor_id).where(AuditEvent.action == "pii.reveal")
            .order_by(AuditEvent.id)).all()
    assert [(t, i) for t, i, _c, _a in reveals] == [
        ("mediation_case", str(case_id)), ("mediation_agreement", str(agreement_id)),
        ("mediation_agreement", str(agreement_id))]
    assert reveals[0].changes == {"fields": ["name", "phone", "id_number"], "as": "assignee"}
    assert reveals[1].changes == {"fields": ["name", "phone", "id_number"], "for": "print",
                                  "as": "assignee"}
    assert reveals[2].changes == {"fields": ["name", "phone", "id_number"], "for": "print"}
    assert reveals[1].actor_id == officer_id


# -- lists ---------------------------------------------------------------------------------

def test_the_list_pages_through_every_case_and_keeps_its_filters(app, admin):
    def many():
        today = local_today()
        for n in range(60):
            db.session.add(Case(title=f"批量案件{n:02d}", kind="邻里纠纷", source="call",
                                opened_on=today, level=1, level_since=today))
        db.session.add(Case(title="已办结案件", kind="邻里纠纷", source="call", opened_on=today,
                            level=1, level_since=today, status="closed", outcome="settled",
                            closed_on=today))
        db.session.commit()

    _in_liuxi(app, many)
    size = app.config["PAGE_SIZE"]
    first = admin.get(f"{BASE}/?status=open").get_data(as_text=True)
    assert first.count('data-label="案件"><a href=') == size
    assert f"第 1–{size} 条，共 60 条" in first and "已办结案件" not in first
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "status=open" in link and "page=2" in link
    second = admin.get(link).get_data(as_text=True)
    assert second.count('data-label="案件"><a href=') == 60 - size
    assert "批量案件00" in second  # the oldest id comes last
    everything = admin.get(f"{BASE}/").get_data(as_text=True)
    assert "共 61 条" in everything


# -- the audit log's words -----------------------------------------------------------------

def test_the_audit_log_names_the_module_s_records_and_codes_in_words(app, admin):
    case_id = _open(admin)
    assert _post(admin, app, case_id, "edit", {
        "title": "两家为排水沟吵架", "kind": "邻里纠纷", "village_id": _village(admin, "石龙村"),
        "officer_id": ""}).status_code == 302
    _post(admin, app, case_id, "close", {"outcome": "withdrawn", "note": "撤回"})
    admin.get(f"{BASE}/export.xlsx")
    html = admin.get(f"/s/liuxi/audit?object_type=mediation_case&object_id={case_id}"
                     ).get_data(as_text=True)
    assert 'data-object-type="mediation_case">调解案件 #' in html
    assert "状态：调解中 → 已办结" in html and "结果：∅ → 撤回" in html
    assert "来源：∅ → 来所" in html and "walk_in" not in html
    assert "村（社区）：河坝村 → 石龙村" in html  # the village by its name, not its id
    exported = admin.get("/s/liuxi/audit?object_type=mediation_case").get_data(as_text=True)
    assert "导出案件" in exported
    parties = admin.get("/s/liuxi/audit?object_type=mediation_party").get_data(as_text=True)
    assert "纠纷当事人" in parties and "自然人或单位：∅ → 自然人" in parties


# -- the demo ------------------------------------------------------------------------------

def _valid_id_number(number: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[-1]


def test_each_demo_station_has_its_own_parties_and_history(app, demo):
    from app.users import Membership

    today = local_today()

    def story(slug):
        def read():
            station = db.session.scalar(select(Station).where(Station.slug == slug))
            parties = db.session.scalars(select(Party)).all()
            cases = db.session.scalars(select(Case)).all()
            spring = db.session.scalar(select(Case).where(Case.title == "三户共用山泉水纠纷"))
            return {
                "ids": {p.id_number for p in parties if p.kind == "person"},
                "phones": {p.phone for p in parties},
                "names": {p.name for p in parties if p.kind == "person"},
                "spring": ([p.name for p in spring.parties], spring.narrative,
                           [a.holds for a in db.session.scalars(select(Agreement).where(
                               Agreement.case_id == spring.id).order_by(Agreement.id))]),
                "cases": [(c.opened_on, c.level, c.outcome, c.officer_id) for c in cases],
                "in_charge": set(db.session.scalars(select(Membership.user_id).where(
                    Membership.station_id == station.id,
                    Membership.role.in_(("station_admin", "officer"))))),
            }
        return within_station(app, slug, read)

    dongling, qingshi = story("dongling"), story("qingshi")
    # Not the same people: no ID number or phone in common, the names mostly different.
    assert not dongling["ids"] & qingshi["ids"] and not dongling["phones"] & qingshi["phones"]
    assert len(dongling["names"] & qingshi["names"]) < len(qingshi["names"]) / 4
    for station in (dongling, qingshi):
        assert all(_valid_id_number(n) for n in station["ids"]), station["ids"]
        assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in station["phones"])
        # The spring story is told in both: its upstream household named in it, two
        # agreements, the first not kept.
        names, narrative, holds = station["spring"]
        assert len(names) == 3 and f"上游{names[0][0]}家" in narrative
        assert holds == [False, True]
        # Three months of its own, on several rungs and with several outcomes, in charge
        # an officer or the admin.
        assert min(opened for opened, *_rest in station["cases"]) >= today - timedelta(days=96)
        assert len({level for _o, level, *_rest in station["cases"]}) >= 3
        assert len({outcome for _o, _l, outcome, _u in station["cases"]}) >= 4
        assert {uid for *_rest, uid in station["cases"]} - {None} <= station["in_charge"]
    assert dongling["spring"][0] != qingshi["spring"][0]
    # The busy station by the county town mediates more than the small one in the hills.
    assert len(dongling["cases"]) > 1.5 * len(qingshi["cases"])


# -- on the station's ground ---------------------------------------------------------------

def _force(name, kind=None):
    from app.plugin_api import Force

    query = select(Force.id).where(Force.name == name)
    return db.session.scalar(query if kind is None else query.where(Force.kind == kind))


def test_an_attempt_names_the_household_head_who_mediated(app, admin):
    case_id = _open(admin)
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    offered = _offered(page, "f-mediator_force_id")
    head = _in_liuxi(app, lambda: _force("李德明"))
    assert offered["李德明 (朱砂屯村)"] == str(head) and "张国华 (朱砂屯村)" in offered
    assert not any(name.startswith("赵文军") for name in offered)  # a volunteer mediates not

    volunteer = _in_liuxi(app, lambda: _force("赵文军"))
    theirs = within_station(app, "dongling", lambda: _force("李德明"))
    for bad, message in (({"mediator_force_id": str(volunteer)}, "请选择本所的一名群防群治力量"),
                         ({"mediator_force_id": str(theirs)}, "请选择本所的一名群防群治力量"),
                         ({"mediator": ""}, "请说明由谁调解"),
                         ({"mediator_force_id": str(head)}, "不能两者都填")):
        refused = _attempt(admin, app, case_id, **bad)
        assert refused.status_code == 400, bad
        assert message in refused.get_data(as_text=True), bad
    assert _in_liuxi(app, lambda: db.session.scalars(select(Attempt)).all()) == []

    assert _attempt(admin, app, case_id, mediator="",
                    mediator_force_id=str(head)).status_code == 302
    attempt = _in_liuxi(app, lambda: db.session.scalars(select(Attempt)).one())
    assert (attempt.mediator_force_id, attempt.mediator) == (head, "百户长 李德明")
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert "百户长 李德明" in page[page.index("调解记录"):]
    timeline = page[page.index('id="timeline"'):]
    assert "百户长 李德明：双方各执一词" in timeline
    logged = admin.get("/s/liuxi/audit?object_type=mediation_attempt").get_data(as_text=True)
    assert "调解的群防群治力量：∅ → 李德明" in logged


def test_the_village_s_story_lists_its_cases(app, admin):
    from flask import g

    from app.ground.records import counts_per_village, story
    from app.permissions import permissions_for

    case_id = _open(admin, title="两家为排水沟吵架", village="河坝村")
    _open(admin, title="无村的案件", village=None)
    heba = int(_village(admin, "河坝村"))

    def told():
        g.permissions = permissions_for("officer")
        return counts_per_village("mediation.cases"), [
            (s.records.key, s.total, s.rows) for s in story(heba)]

    counts, stories = _in_liuxi(app, told)
    assert counts == {heba: 1}  # 柳溪's own; a case without a village counts nowhere
    assert stories == [("mediation.cases", 1, [
        {"id": case_id, "title": "两家为排水沟吵架", "day": local_today()}])]
    page = admin.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    assert re.search(r'id="case-village">河坝村<', page)


def test_a_case_keeps_its_retired_village_and_the_export_names_it(app, admin):
    case_id = _open(admin, village="石龙村")
    shilong = _village(admin, "石龙村")

    def retire():
        from app.plugin_api import Village

        db.session.get(Village, int(shilong)).active = False
        db.session.commit()

    _in_liuxi(app, retire)
    assert "石龙村" not in _offered(admin.get(f"{BASE}/cases/new").get_data(as_text=True))
    form = admin.get(f"{BASE}/cases/{case_id}/edit").get_data(as_text=True)
    assert _offered(form)["石龙村（已停用）"] == shilong
    assert _post(admin, app, case_id, "edit", {
        "title": "改过的标题", "kind": "邻里纠纷", "village_id": shilong,
        "officer_id": ""}).status_code == 302
    assert _in_liuxi(app, lambda: db.session.get(Case, case_id).village_id) == int(shilong)
    # Still findable by it, and the export writes its name.
    assert "改过的标题" in admin.get(f"{BASE}/?village_id={shilong}").get_data(as_text=True)
    export = admin.get(f"{BASE}/export.xlsx?village_id={shilong}")
    rows = list(load_workbook(BytesIO(export.data)).active.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[4]) for r in rows] == [(case_id, "石龙村")]
