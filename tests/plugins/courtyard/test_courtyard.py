"""Courtyard talks (小院说事) as a station uses it: points, sessions, concerns followed to
a result, the record book, the figures, personal data and the overdue job."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.plugin_api import local_today
from plugins.courtyard.models import Concern, ConcernUpdate, Point
from tests.conftest import within_station

BASE = "/s/liuxi/courtyard"


@pytest.fixture
def admin(make_browser, demo):
    """柳溪's admin, with courtyard talks just switched on (no demo data there)."""
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/courtyard/enable").status_code == 302
    return b


def _in_liuxi(app, fn):
    return within_station(app, "liuxi", fn)


def _point(admin):
    response = admin.post(f"{BASE}/points/new", {"name": "河坝村院坝", "village": "河坝村"})
    assert response.status_code == 302
    return int(re.search(r"/points/(\d+)$", response.location).group(1))


def _session(admin, point_id, **extra):
    data = {"held_on": local_today().isoformat(), "attendees": "12", **extra}
    response = admin.post(f"{BASE}/points/{point_id}/sessions/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/sessions/(\d+)$", response.location).group(1))


def _concern(admin, session_id, **extra):
    data = {"category": "烦心事", "title": "村口路灯不亮", "raised_by": "王小明",
            "raised_by_phone": "13912345678", **extra}
    response = admin.post(f"{BASE}/sessions/{session_id}/concerns", data)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_point_session_concern_to_result_in_record_book_and_figures(owner_app, app, admin):
    point_id = _point(admin)
    session_id = _session(admin, point_id, notable_attendees="村支书")
    _concern(admin, session_id)
    concern_id = _in_liuxi(app, lambda: db.session.scalar(select(Concern.id)))
    due = _in_liuxi(app, lambda: db.session.get(Concern, concern_id).due_on)
    assert due == local_today() + timedelta(days=14)  # the default follow-up span
    page = admin.get(f"{BASE}/").get_data(as_text=True)
    assert "村口路灯不亮" in page and "河坝村院坝" in page

    refused = admin.post(f"{BASE}/concerns/{concern_id}/progress",
                         {"status": "resolved", "note": "已联系供电所"})
    assert refused.status_code == 400
    assert "办结事项时请填写办理结果" in refused.get_data(as_text=True)
    assert admin.post(f"{BASE}/concerns/{concern_id}/progress",
                      {"status": "resolved", "note": "已联系供电所",
                       "result": "路灯已修好"}).status_code == 302
    again = admin.post(f"{BASE}/concerns/{concern_id}/progress",
                       {"status": "closed", "note": "x", "result": "x"})
    assert again.status_code == 400 and "该事项已办结" in again.get_data(as_text=True)

    book = admin.get(f"{BASE}/points/{point_id}").get_data(as_text=True)
    assert "记录簿" in book and "已联系供电所" in book and "路灯已修好" in book
    figures = admin.get("/api/v1/s/liuxi/courtyard/metrics").get_json()["metrics"]
    assert figures == {"courtyard.sessions": 1, "courtyard.concerns": 1,
                       "courtyard.resolved_share": 100.0, "courtyard.median_days": 0.0}
    with owner_app.app_context():  # the owner reads every chain
        kinds = db.session.scalars(select(AuditEvent.object_type).where(
            AuditEvent.object_type.like("courtyard_%"))).all()
    assert {"courtyard_point", "courtyard_session", "courtyard_concern",
            "courtyard_concern_update"} <= set(kinds)


def test_bad_input_is_refused_per_field_and_writes_nothing(app, admin):
    point_id = _point(admin)
    response = admin.post(f"{BASE}/points/{point_id}/sessions/new", {
        "held_on": (local_today() + timedelta(days=3)).isoformat(), "attendees": "many",
        "host_id": "999999",
    })
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "活动尚未举行" in html and "请输入整数" in html and "请选择本所人员" in html
    session_id = _session(admin, point_id)
    response = admin.post(f"{BASE}/sessions/{session_id}/concerns", {
        "category": "不存在的类别", "title": "", "raised_by_phone": "abc",
        "due_on": (local_today() - timedelta(days=1)).isoformat(),
    })
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count("invalid-feedback") >= 3
    assert _in_liuxi(app, lambda: db.session.scalars(select(Concern)).all()) == []


def test_personal_data_is_masked_and_revealing_it_is_audited(owner_app, app, admin):
    session_id = _session(admin, _point(admin))
    _concern(admin, session_id)
    concern_id = _in_liuxi(app, lambda: db.session.scalar(select(Concern.id)))
    page = admin.get(f"{BASE}/concerns/{concern_id}").get_data(as_text=True)
    assert "王小明" not in page and "13912345678" not in page
    assert "王*明" in page and "139****5678" in page
    api = admin.get("/api/v1/s/liuxi/courtyard/concerns").get_json()["concerns"][0]
    assert api["raised_by"] == "王*明" and api["raised_by_phone"] == "139****5678"
    shown = admin.post(f"{BASE}/concerns/{concern_id}/reveal").get_data(as_text=True)
    assert "王小明" in shown and "13912345678" in shown
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pii.reveal"))
        stored = db.session.scalar(select(AuditEvent.changes).where(
            AuditEvent.object_type == "courtyard_concern", AuditEvent.action == "create",
            AuditEvent.object_id == str(concern_id)))
    assert event.object_type == "courtyard_concern" and event.object_id == str(concern_id)
    assert stored["raised_by"] == [None, "王*明"]  # the audit log holds it masked


def test_roles(app, admin, make_browser):
    point_id = _point(admin)
    aux = make_browser("liuxi-aux")
    assert aux.get(f"{BASE}/points/new").status_code == 403  # points are set up by officers
    _session(aux, point_id)  # but an auxiliary records sessions
    assert aux.get("/s/liuxi/modules").status_code == 403
    _concern(admin, _session(admin, point_id))
    concern_id = _in_liuxi(app, lambda: db.session.scalar(select(Concern.id)))
    assert aux.post(f"{BASE}/concerns/{concern_id}/reveal").status_code == 403


def test_categories_and_due_span_come_from_the_settings(app, admin):
    response = admin.post("/s/liuxi/modules/courtyard/settings", {
        "categories": "邻里事\n出行事", "due_days": "3", "flag_overdue": "true"})
    assert response.status_code == 302
    session_id = _session(admin, _point(admin))
    page = admin.get(f"{BASE}/sessions/{session_id}").get_data(as_text=True)
    assert "邻里事" in page and "烦心事" not in page
    refused = admin.post(f"{BASE}/sessions/{session_id}/concerns",
                         {"category": "烦心事", "title": "x"})
    assert refused.status_code == 400
    _concern(admin, session_id, category="出行事")
    due = _in_liuxi(app, lambda: db.session.scalar(select(Concern.due_on)))
    assert due == local_today() + timedelta(days=3)


def test_overdue_job_flags_each_concern_once(app, admin):
    session_id = _session(admin, _point(admin), held_on=(local_today() - timedelta(days=30))
                          .isoformat())
    _concern(admin, session_id)
    _concern(admin, session_id, title="已办结的事")

    def finish_second():
        second = db.session.scalars(select(Concern).order_by(Concern.id.desc())).first()
        second.status, second.result, second.finished_on = "resolved", "好了", local_today()
        db.session.commit()

    _in_liuxi(app, finish_second)
    runner = app.test_cli_runner()
    for _ in range(2):  # a second run (a retried job) adds nothing
        result = runner.invoke(args=["jobs", "run", "courtyard.flag_overdue"])
        assert result.exit_code == 0, result.output

    def state():
        return (db.session.scalars(select(Concern.overdue).order_by(Concern.id)).all(),
                db.session.scalars(select(ConcernUpdate.note)).all())

    flags, notes = _in_liuxi(app, state)
    assert flags == [True, False]
    assert len(notes) == 1 and "已超期" in notes[0]
    home = admin.get("/s/liuxi/").get_data(as_text=True)
    assert 'data-module="courtyard"' in home  # the module's card, as HTML
    assert "超期 1 件</a>" in home


def test_switched_off_it_hides_and_keeps_everything(app, admin):
    point_id = _point(admin)
    assert admin.post("/s/liuxi/modules/courtyard/disable").status_code == 302
    assert admin.get(f"{BASE}/points/{point_id}").status_code == 404
    assert "小院说事" not in admin.get("/s/liuxi/").get_data(as_text=True).split("<main")[0]
    assert _in_liuxi(app, lambda: db.session.get(Point, point_id)) is not None
    assert admin.post("/s/liuxi/modules/courtyard/enable").status_code == 302
    assert "河坝村院坝" in admin.get(f"{BASE}/points/{point_id}").get_data(as_text=True)


def test_a_session_has_its_time_of_day_in_the_record_book(app, admin):
    point_id = _point(admin)
    refused = admin.post(f"{BASE}/points/{point_id}/sessions/new", {
        "held_on": local_today().isoformat(), "starts_at": "17:00", "ends_at": "16:30"})
    assert refused.status_code == 400 and "结束时间应晚于开始时间" in refused.get_data(as_text=True)
    _session(admin, point_id, starts_at="17:00", ends_at="18:30")
    _session(admin, point_id, starts_at="09:00")
    book = admin.get(f"{BASE}/points/{point_id}").get_data(as_text=True)
    assert f"{local_today().isoformat()} 17:00–18:30" in book
    assert f"{local_today().isoformat()} 09:00<" in book


def test_the_owner_of_a_concern_may_reveal_who_raised_it_to_call_back(owner_app, app, admin,
                                                                      make_browser):
    """One rule: the person a record is assigned to reveals what the task needs (audited);
    someone else of the same role may not; lists stay masked."""
    from app.users import find_user

    session_id = _session(admin, _point(admin))
    with app.app_context():
        aux_id = find_user("liuxi-aux").id
    _concern(admin, session_id, owner_id=str(aux_id))
    _concern(admin, session_id, title="另一件事")
    mine, other = _in_liuxi(app, lambda: db.session.scalars(
        select(Concern.id).order_by(Concern.id)).all())
    aux = make_browser("liuxi-aux")
    page = aux.get(f"{BASE}/concerns/{mine}").get_data(as_text=True)
    assert "查看姓名和电话" in page and "13912345678" not in page
    shown = aux.post(f"{BASE}/concerns/{mine}/reveal")
    assert shown.status_code == 200 and "13912345678" in shown.get_data(as_text=True)
    assert "查看姓名和电话" not in aux.get(f"{BASE}/concerns/{other}").get_data(as_text=True)
    assert aux.post(f"{BASE}/concerns/{other}/reveal").status_code == 403
    assert "13912345678" not in aux.get(f"{BASE}/concerns?status=all").get_data(as_text=True)
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pii.reveal"))
    assert event.actor_name == "liuxi-aux" and event.object_id == str(mine)
    assert event.changes["as"] == "assignee"


def test_the_concern_list_pages_and_says_how_many(app, admin):
    session_id = _session(admin, _point(admin))

    def many():
        from plugins.courtyard.models import Session

        held = db.session.get(Session, session_id).held_on
        for n in range(app.config["PAGE_SIZE"] + 7):
            db.session.add(Concern(session_id=session_id, category="烦心事", title=f"事项{n:03d}",
                                   raised_on=held, due_on=held, status="open"))
        db.session.commit()

    _in_liuxi(app, many)
    first = admin.get(f"{BASE}/concerns?status=open").get_data(as_text=True)
    total = app.config["PAGE_SIZE"] + 7
    assert f'data-total="{total}"' in first and f"共 {total} 条" in first
    second = admin.get(f"{BASE}/concerns?status=open&page=2").get_data(as_text=True)
    seen = set(re.findall(r"事项\d{3}", first)) | set(re.findall(r"事项\d{3}", second))
    assert len(seen) == total  # every row on one page or the other, none dropped
    assert "status=open" in re.search(r'rel="prev" href="([^"]+)"', second).group(1)
    api = admin.get("/api/v1/s/liuxi/courtyard/concerns?page=2").get_json()
    assert (api["total"], api["page"], api["pages"], len(api["concerns"])) == (total, 2, 2, 7)
