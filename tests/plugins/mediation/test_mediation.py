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
from plugins.mediation.models import Agreement, Case, Event, Reminder
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


def _open(b, **extra):
    data = {"title": "两家为排水沟吵架", "kind": "邻里纠纷", "village": "河坝村",
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


def test_the_ladder_from_first_talk_to_signed_agreement(app, admin):
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

    printed = admin.get(f"{BASE}/cases/{case_id}/agreement").get_data(as_text=True)
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
    with app.app_context():
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


def test_parties_are_masked_in_lists_and_export_and_revealing_is_audited(app, admin):
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
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type.in_(("mediation_case",)))))
    assert {"pii.reveal", "mediation.export"} <= actions


def test_filters(app, admin):
    _open(admin, title="甲案", village="东村")
    _open(admin, title="乙案", village="西村", kind="债务纠纷")
    html = admin.get(f"{BASE}/?kind=债务纠纷").get_data(as_text=True)
    assert "乙案" in html and "甲案" not in html
    html = admin.get(f"{BASE}/?village=东村&status=open&level=1").get_data(as_text=True)
    assert "甲案" in html and "乙案" not in html
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
        select(Event.action).where(Event.case_id == agreed_id)).all())[-1] == "follow_up"


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
