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


def _offered(html, select_id="f-village_id") -> dict[str, str]:
    """The options a select offers: {text: value}."""
    body = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {text: value for value, text in re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>', body)}


def _village(admin, name="河坝村"):
    """The id of a village of the station, as the new point form offers it."""
    return _offered(admin.get(f"{BASE}/points/new").get_data(as_text=True))[name]


def _point(admin, name="河坝村院坝", village="河坝村"):
    response = admin.post(f"{BASE}/points/new", {"name": name,
                                                 "village_id": _village(admin, village)})
    assert response.status_code == 302, response.get_data(as_text=True)
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


# -- on the station's ground ---------------------------------------------------------------

def _village_named(name):
    from app.plugin_api import Village

    return db.session.scalar(select(Village.id).where(Village.name == name))


def test_a_point_stands_in_a_village_of_the_station_s_own_ground(app, admin):
    theirs = within_station(app, "dongling", lambda: _village_named("河坝村"))
    assert theirs != int(_village(admin))  # each station has its own 河坝村
    for village_id, message in ((str(theirs), "请选择本所的村（社区）"), ("", "此项为必填项"),
                                ("abc", "请选择本所的村（社区）")):
        refused = admin.post(f"{BASE}/points/new", {"name": "别处的院坝",
                                                    "village_id": village_id})
        assert refused.status_code == 400, village_id
        assert message in refused.get_data(as_text=True), village_id
    assert _in_liuxi(app, lambda: db.session.scalars(select(Point)).all()) == []

    # The list follows the station's order of its villages (河口村 first), not the names.
    _point(admin, "河坝村院坝", "河坝村")
    _point(admin, "河口村大院", "河口村")
    page = admin.get(f"{BASE}/").get_data(as_text=True)
    assert page.index("河口村大院") < page.index("河坝村院坝")
    assert re.search(r"河口村大院</span>.*?<small[^>]*>\s*河口村", page, re.S)
    point_id = _point(admin, "石龙村村委会", "石龙村")
    assert re.search(r'id="point-village">石龙村<',
                     admin.get(f"{BASE}/points/{point_id}").get_data(as_text=True))
    logged = admin.get(f"/s/liuxi/audit?object_type=courtyard_point&object_id={point_id}")
    assert "村（社区）：∅ → 石龙村" in logged.get_data(as_text=True)  # its name, not its id


def test_a_retired_village_stays_on_its_point_but_is_offered_for_no_new_one(app, admin):
    point_id = _point(admin, "石龙村村委会", "石龙村")
    village_id = _in_liuxi(app, lambda: db.session.get(Point, point_id).village_id)

    def retire():
        from app.plugin_api import Village

        db.session.get(Village, village_id).active = False
        db.session.commit()

    _in_liuxi(app, retire)
    assert "石龙村" not in _offered(admin.get(f"{BASE}/points/new").get_data(as_text=True))
    refused = admin.post(f"{BASE}/points/new", {"name": "新院坝", "village_id": str(village_id)})
    assert refused.status_code == 400 and "请选择本所的村（社区）" in refused.get_data(as_text=True)

    form = admin.get(f"{BASE}/points/{point_id}/edit").get_data(as_text=True)
    assert _offered(form)["石龙村（已停用）"] == str(village_id)
    assert re.search(rf'<option value="{village_id}" selected>', form)
    saved = admin.post(f"{BASE}/points/{point_id}/edit", {
        "name": "石龙村老村委会", "village_id": str(village_id), "active": "true"})
    assert saved.status_code == 302
    point = _in_liuxi(app, lambda: db.session.get(Point, point_id))
    assert (point.name, point.village_id) == ("石龙村老村委会", village_id)
    assert "石龙村" in admin.get(f"{BASE}/points/{point_id}").get_data(as_text=True)


def test_the_village_s_story_lists_the_point_s_sessions_and_concerns(app, admin):
    from flask import g

    from app.ground.records import counts_per_village, story
    from app.permissions import permissions_for

    point_id = _point(admin)
    session_id = _session(admin, point_id)
    _concern(admin, session_id)
    idle_id = _point(admin, "河口村大院", "河口村")  # nothing held there yet: the point alone

    def told():
        g.permissions = permissions_for("officer")
        village_id = db.session.get(Point, point_id).village_id
        stories = {s.records.key: s for s in story(village_id)}
        return (village_id, db.session.get(Point, idle_id).village_id,
                counts_per_village("courtyard.points"),
                counts_per_village("courtyard.sessions"),
                counts_per_village("courtyard.concerns"),
                {k: (s.total, [r["title"] for r in s.rows]) for k, s in stories.items()})

    village_id, idle_village, points, sessions, concerns, stories = _in_liuxi(app, told)
    # Only 柳溪's own: 东岭's demo points stand in its own villages, counted there.
    assert points == {village_id: 1, idle_village: 1}
    assert sessions == {village_id: 1} and concerns == {village_id: 1}
    assert stories == {"courtyard.points": (1, ["河坝村院坝"]),
                       "courtyard.sessions": (1, ["河坝村院坝"]),
                       "courtyard.concerns": (1, ["村口路灯不亮"])}


def test_a_point_with_nothing_held_yet_is_on_its_village_s_page(app, admin):
    point_id = _point(admin, "河口村大院", "河口村")
    village_id = _in_liuxi(app, lambda: db.session.get(Point, point_id).village_id)
    page = admin.get(f"/s/liuxi/ground/villages/{village_id}").get_data(as_text=True)
    listed = re.search(r'data-records="courtyard.points".*?</ul>', page, re.S).group(0)
    assert "议事点" in listed
    assert f'href="{BASE}/points/{point_id}">河口村大院</a>' in listed
    assert "本所各模块在该村暂无记录" not in page

    refused = admin.post(f"/s/liuxi/ground/villages/{village_id}/delete",
                         follow_redirects=True).get_data(as_text=True)
    assert "不能删除" in refused
    assert _in_liuxi(app, lambda: _village_named("河口村")) == village_id


def _retire_every_village():
    from app.plugin_api import Village

    for village in db.session.scalars(select(Village)):
        village.active = False
    db.session.commit()


def _hint(html):
    found = re.search(r'<p[^>]*id="no-villages"[^>]*>(.*?)</p>', html, re.S)
    return found and found.group(1)


def test_with_no_village_in_use_the_point_form_says_where_to_add_one(app, admin,
                                                                     make_browser):
    assert _hint(admin.get(f"{BASE}/points/new").get_data(as_text=True)) is None
    point_id = _point(admin)
    _in_liuxi(app, _retire_every_village)

    form = admin.get(f"{BASE}/points/new").get_data(as_text=True)
    assert set(_offered(form)) == {"—"}  # the blank choice alone
    hint = _hint(form)
    assert "本所辖区没有在用的村（社区）" in hint
    assert 'href="/s/liuxi/ground/villages/new"' in hint  # the admin adds one there
    refused = admin.post(f"{BASE}/points/new", {"name": "新院坝", "village_id": ""})
    assert refused.status_code == 400
    assert "此项为必填项" in refused.get_data(as_text=True)
    assert "本所辖区没有在用的村（社区）" in _hint(refused.get_data(as_text=True))
    # Editing, the point keeps its retired village, and hears there is no other.
    assert "本所辖区没有在用的村（社区）" in _hint(
        admin.get(f"{BASE}/points/{point_id}/edit").get_data(as_text=True))

    officer = make_browser("liuxi-officer")  # sets up points, adds no village
    hint = _hint(officer.get(f"{BASE}/points/new").get_data(as_text=True))
    assert "villages/new" not in hint
    assert re.search(r'href="/s/liuxi/ground/"[^>]*>请所领导在“辖区”页面添加', hint)


def test_a_concern_handed_to_mediation_takes_its_village_along(app, demo, make_browser):
    from plugins.courtyard.models import Concern
    from plugins.mediation.models import Case

    concern_id, village_id = within_station(app, "dongling", lambda: next(
        (c.id, c.session.point.village_id) for c in db.session.scalars(
            select(Concern).where(Concern.status == "open").order_by(Concern.id))))
    officer = make_browser("dongling-officer")
    assert officer.post(f"/s/dongling/courtyard/concerns/{concern_id}/handoff",
                        {"target": "mediation.case"}).status_code == 302
    case = within_station(app, "dongling", lambda: db.session.scalars(
        select(Case).order_by(Case.id.desc())).first())
    assert case.village_id == village_id
