"""Backpack policing (背包警务) as a station uses it: a request for a service at home is
taken, scheduled, visited and followed to done (a certificate delivered later), the plan
and the route sheet, reminders, figures, personal data, permissions."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.extensions import db
from app.modules import configure
from app.plugin_api import Village, counts_per_village, local_today, outbox_messages, settings
from app.station_plugin import StationPlugin
from app.users import User
from plugins.backpack.models import HomeRequest, Step, Visit
from tenants.models import Station
from tests.conftest import CSRF_RE, PG, within_station

BASE = "/s/liuxi/backpack"
CATALOGUE = ("居民身份证换领 | home | 户口簿、破损旧证\n"
             "户口迁移 | window | 准迁证、户口簿\n"
             "送证上门 | home")


def _in_liuxi(app, fn):
    return within_station(app, "liuxi", fn)


def _catalogue(app, text):
    """Change the appointments module's settings, as its settings page would."""
    def change():
        station = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        configure(station, "appointments", {"services": text})
        db.session.commit()

    _in_liuxi(app, change)


@pytest.fixture
def admin(app, make_browser, demo):
    """柳溪's admin, with appointments and then backpack switched on (no demo data)."""
    b = make_browser("liuxi-admin")
    for key in ("appointments", "backpack"):
        assert b.post(f"/s/liuxi/modules/{key}/enable").status_code == 302, key
    _catalogue(app, CATALOGUE)
    return b


def _user_id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def _village_id(app, name, slug="liuxi"):
    """The id of a village of the station's ground (柳溪's demo ground by default)."""
    return within_station(app, slug, lambda: db.session.scalar(
        select(Village.id).where(Village.name == name)))


def _take(b, village="河口村", **extra):
    data = {"resident_name": "熊桂芳", "resident_phone": "13891601234",
            "village_id": str(_village_id(b.client.application, village)),
            "address": "三组12号", "reason": "elderly", "service": "居民身份证换领",
            "channel": "grid_worker", **extra}
    response = b.post(f"{BASE}/requests/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/requests/(\d+)$", response.location).group(1))


def _schedule(b, request_id, officer_id, visit_date=None, **extra):
    visit_date = visit_date or local_today()
    return b.post(f"{BASE}/requests/{request_id}/schedule",
                  {"visit_date": visit_date.isoformat(), "officer_id": str(officer_id), **extra})


def _visit(b, request_id, **extra):
    data = {"visited_on": local_today().isoformat(), "what_done": "拍照采集换证信息",
            "photos_taken": "true", **extra}
    return b.post(f"{BASE}/requests/{request_id}/visit", data)


def _request(app, request_id):
    def get():
        r = db.session.get(HomeRequest, request_id)
        db.session.expunge(r)
        return r

    return _in_liuxi(app, get)


def test_a_request_is_scheduled_visited_delivered_and_done(owner_app, app, admin):
    officer = _user_id(app, "liuxi-officer")
    request_id = _take(admin)
    assert _request(app, request_id).status == "requested"
    assert _schedule(admin, request_id, officer).status_code == 302
    assert _request(app, request_id).status == "scheduled"
    response = _visit(admin, request_id, needs_delivery="true",
                      documents_collected="破损旧身份证")
    assert response.status_code == 302
    assert _request(app, request_id).status == "visited"  # the new card is still to come
    waiting = admin.get(f"{BASE}/deliveries").get_data(as_text=True)
    assert "居民身份证换领" in waiting and "熊*芳" in waiting

    refused = admin.post(f"{BASE}/requests/{request_id}/delivery",
                         {"delivered_on": local_today().isoformat(), "received_by": "relative"})
    assert refused.status_code == 400
    assert "请填写代为签收的亲属姓名" in refused.get_data(as_text=True)
    assert admin.post(f"{BASE}/requests/{request_id}/delivery", {
        "delivered_on": local_today().isoformat(), "received_by": "relative",
        "received_by_name": "熊建国"}).status_code == 302
    done = _request(app, request_id)
    assert done.status == "done" and done.finished_on == local_today()
    assert "熊建国" not in admin.get(f"{BASE}/deliveries").get_data(as_text=True)

    page = admin.get(f"{BASE}/requests/{request_id}").get_data(as_text=True)
    history = page.split('id="history"')[1].split("</ol>")[0]
    for words in ("受理请求（网格员）", "上门走访", "证件待后续送达", "证件已于", "亲属签收"):
        assert words in history, words
    assert "熊建国" not in page and "熊*国" in page
    with owner_app.app_context():  # the owner reads every chain
        changes = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "backpack_request", AuditEvent.action == "update",
            AuditEvent.object_id == str(request_id)).order_by(AuditEvent.id)).all()
    statuses = [c["status"] for c in changes if "status" in c]
    assert statuses == [["requested", "scheduled"], ["scheduled", "visited"],
                        ["visited", "done"]]
    assert {"received_by_name": [None, "熊*国"]}.items() <= \
        {k: v for c in changes for k, v in c.items()}.items()


def test_moves_that_do_not_fit_the_status_are_refused(app, admin):
    officer = _user_id(app, "liuxi-officer")
    request_id = _take(admin)
    refused = _visit(admin, request_id)
    assert refused.status_code == 400 and "只有已安排上门的请求才能登记走访" in \
        refused.get_data(as_text=True)
    refused = admin.post(f"{BASE}/requests/{request_id}/delivery",
                         {"delivered_on": local_today().isoformat(), "received_by": "resident"})
    assert refused.status_code == 400 and "没有待送达的证件" in refused.get_data(as_text=True)
    refused = admin.post(f"{BASE}/requests/{request_id}/follow-up", {"note": "x"})
    assert refused.status_code == 400 and "没有待办的后续事项" in refused.get_data(as_text=True)
    past = _schedule(admin, request_id, officer, local_today() - timedelta(days=1))
    assert past.status_code == 400 and "上门日期应为今天或以后" in past.get_data(as_text=True)

    no_reason = admin.post(f"{BASE}/requests/{request_id}/cannot", {"reason": " "})
    assert no_reason.status_code == 400 and "invalid-feedback" in no_reason.get_data(as_text=True)
    assert _request(app, request_id).status == "requested"
    assert admin.post(f"{BASE}/requests/{request_id}/cannot",
                      {"reason": "已随子女搬到县城"}).status_code == 302
    closed = _request(app, request_id)
    assert closed.status == "cannot_be_done" and closed.cannot_reason == "已随子女搬到县城"
    again = _schedule(admin, request_id, officer)
    assert again.status_code == 400 and "无法办理" in again.get_data(as_text=True)
    again = admin.post(f"{BASE}/requests/{request_id}/cannot", {"reason": "x"})
    assert again.status_code == 400 and "该请求已结束" in again.get_data(as_text=True)
    assert _in_liuxi(app, lambda: len(db.session.scalars(select(Step)).all())) == 2


def test_the_visit_form_checks_its_fields_and_finishes_what_leaves_nothing(app, admin):
    officer = _user_id(app, "liuxi-officer")
    first, second = _take(admin), _take(admin, resident_name="骆永福", village="石门村")
    for request_id in (first, second):
        _schedule(admin, request_id, officer)
    page = admin.get(f"{BASE}/requests/{first}/visit").get_data(as_text=True)
    assert "登记上门情况" in page and "户口簿、破损旧证" in page  # what to collect
    response = _visit(admin, first, what_done="", follow_up="true",
                      visited_on=(local_today() + timedelta(days=1)).isoformat())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "该日期尚未到来" in html and "请说明需要做什么后续工作" in html
    assert html.count("invalid-feedback") >= 2
    early = _visit(admin, first, visited_on=(local_today() - timedelta(days=3)).isoformat())
    assert early.status_code == 400 and "走访日期不能早于请求日期" in early.get_data(as_text=True)
    assert _in_liuxi(app, lambda: db.session.scalars(select(Visit)).all()) == []

    assert _visit(admin, first).status_code == 302  # nothing remains: done at once
    assert _request(app, first).status == "done"
    assert _visit(admin, second, follow_up="true",
                  follow_up_note="下周回访，讲解防诈骗知识").status_code == 302
    assert _request(app, second).status == "visited"
    assert admin.post(f"{BASE}/requests/{second}/follow-up",
                      {"note": "已回访"}).status_code == 302
    assert _request(app, second).status == "done"


def test_bad_request_input_is_refused_per_field_and_writes_nothing(app, admin):
    response = admin.post(f"{BASE}/requests/new", {
        "resident_name": "", "resident_phone": "abc", "resident_id_number": "12345",
        "village_id": "999999", "address": "一组", "reason": "other", "service": "户口迁移",
        "channel": "phone", "requested_on": (local_today() + timedelta(days=2)).isoformat(),
    })
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in ("请输入电话号码", "身份证号为 18 位", "请选择本所的村", "请选择一项上门服务",
                    "请说明群众无法前来的原因", "该日期尚未到来"):
        assert message in html, message
    assert html.count("invalid-feedback") >= 7
    assert _in_liuxi(app, lambda: db.session.scalars(select(HomeRequest)).all()) == []


def test_the_form_offers_the_home_services_of_the_appointments_catalogue(app, admin):
    page = admin.get(f"{BASE}/requests/new").get_data(as_text=True)
    assert '<option value="居民身份证换领"' in page and '<option value="送证上门"' in page
    assert '<option value="户口迁移"' not in page  # done at the window only
    request_id = _take(admin)

    _catalogue(app, "户口迁移 | window")
    empty = admin.get(f"{BASE}/requests/new").get_data(as_text=True)
    assert 'id="no-home-services"' in empty and "/modules/appointments/settings" in empty
    # The request keeps its service's name though the catalogue dropped it.
    assert "居民身份证换领" in admin.get(f"{BASE}/requests/{request_id}").get_data(as_text=True)

    _catalogue(app, "户口迁移 | window\n老年人户籍信息采集 | home | 户口簿")
    page = admin.get(f"{BASE}/requests/new").get_data(as_text=True)
    assert '<option value="老年人户籍信息采集"' in page
    _take(admin, service="老年人户籍信息采集")
    refused = admin.post(f"{BASE}/requests/new", _form(app, _village_id(app, "河口村")))
    assert refused.status_code == 400  # 居民身份证换领 is no longer a home service


def test_the_plan_groups_visits_by_day_village_and_officer(app, admin):
    officer, aux = _user_id(app, "liuxi-officer"), _user_id(app, "liuxi-aux")
    today, tomorrow = local_today(), local_today() + timedelta(days=1)
    plans = [("青龙村", officer, today), ("河口村", officer, today), ("河口村", aux, today),
             ("石门村", aux, tomorrow)]
    for village, who, day in plans:
        _schedule(admin, _take(admin, village=village), who, day)
    waiting = _take(admin, village="大坪村")

    page = admin.get(f"{BASE}/plan?day={today.isoformat()}").get_data(as_text=True)
    assert f'data-day="{today.isoformat()}"' in page
    assert f'data-day="{tomorrow.isoformat()}"' not in page
    villages = re.findall(r'data-village="([^"]+)"', page)
    assert villages == ["河口村", "青龙村"]  # the order of the station's ground
    by_officer = page.split('id="by-officer"')[1].split("</ul>")[0]
    assert "2 次走访" in by_officer and by_officer.count("路线单") == 2
    assert f"/requests/{waiting}" in page.split('id="waiting-h"')[1]

    week = admin.get(f"{BASE}/plan?day={today.isoformat()}&span=week").get_data(as_text=True)
    days = re.findall(r'data-day="([^"]+)"', week)
    monday = today - timedelta(days=today.weekday())
    expected = [d.isoformat() for d in (today, tomorrow) if d < monday + timedelta(days=7)]
    assert days == expected

    # Assigning from the plan moves the visit to the other officer and comes back.
    response = _schedule(admin, waiting, aux, today, back="plan", day=today.isoformat())
    assert response.status_code == 302 and "/backpack/plan" in response.location
    assert _request(app, waiting).officer_id == aux


def test_the_route_sheet_is_masked_unless_printed_in_full_which_is_audited(owner_app,
        app, admin, make_browser):
    officer, aux = _user_id(app, "liuxi-officer"), _user_id(app, "liuxi-aux")
    mine = _take(admin, address="三组12号村小学上坡")
    _schedule(admin, mine, officer)
    other = _take(admin, resident_name="石秀兰", resident_phone="13700002222",
                  village="石门村")
    _schedule(admin, other, aux)
    officer_b = make_browser("liuxi-officer")
    sheet = officer_b.get(f"{BASE}/route-sheet?officer_id={officer}").get_data(as_text=True)
    assert "背包警务上门路线单" in sheet and "熊*芳" in sheet and "138****1234" in sheet
    assert "熊桂芳" not in sheet and "13891601234" not in sheet and "村小学上坡" not in sheet
    assert "户口簿、破损旧证" in sheet  # what to bring from the catalogue
    assert "石*兰" not in sheet  # another officer's round
    assert "@media print" in sheet and 'class="navbar' not in sheet
    # The officer whose round it is prints their own sheet in full (recorded), nobody
    # else's, and not everyone's at once.
    assert "显示完整姓名" in sheet
    assert officer_b.post(f"{BASE}/route-sheet", {"officer_id": str(aux)}).status_code == 403
    assert officer_b.post(f"{BASE}/route-sheet").status_code == 403
    assert "显示完整姓名" not in officer_b.get(f"{BASE}/route-sheet").get_data(as_text=True)
    own = officer_b.post(f"{BASE}/route-sheet", {"officer_id": str(officer)})
    assert own.status_code == 200 and "13891601234" in own.get_data(as_text=True)
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "pii.reveal", AuditEvent.actor_name == "liuxi-officer"))
    assert event.object_type == "backpack_route_sheet" and event.changes["as"] == "assignee"

    everyone = admin.get(f"{BASE}/route-sheet").get_data(as_text=True)
    assert everyone.count('class="sheet"') == 2 and "显示完整姓名" in everyone
    full = admin.post(f"{BASE}/route-sheet", {"day": local_today().isoformat(),
                                              "officer_id": str(officer)})
    html = full.get_data(as_text=True)
    assert full.status_code == 200
    assert "熊桂芳" in html and "13891601234" in html and "三组12号村小学上坡" in html
    assert "石秀兰" not in html
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "pii.reveal", AuditEvent.object_type == "backpack_route_sheet",
            AuditEvent.actor_name == "liuxi-admin"))
    assert event.changes["requests"] == [mine] and event.changes["officer_id"] == officer


def test_the_reminder_job_texts_each_resident_once(app, admin):
    officer = _user_id(app, "liuxi-officer")
    tomorrow = local_today() + timedelta(days=1)
    request_id = _take(admin)
    _schedule(admin, request_id, officer, tomorrow)
    _schedule(admin, _take(admin, resident_name="陈德明"), officer, local_today())  # today
    runner = app.test_cli_runner()
    for _ in range(2):  # a retried run queues nothing more
        result = runner.invoke(args=["jobs", "run", "backpack.remind"])
        assert result.exit_code == 0, result.output

    def messages():
        return [(m.to_phone, m.body, m.key, m.object_id) for m in outbox_messages()]

    sent = _in_liuxi(app, messages)
    assert len(sent) == 1
    phone, body, key, object_id = sent[0]
    officer_name = _in_liuxi(app, lambda: db.session.get(User, officer).full_name)
    assert phone == "13891601234" and object_id == request_id
    assert key == f"backpack.reminder:{request_id}:{tomorrow.isoformat()}"
    assert f"{tomorrow.month}月{tomorrow.day}日" in body and officer_name in body
    assert "居民身份证换领" in body and "户口簿、破损旧证" in body

    later = _take(admin, resident_name="王桂香", resident_phone="13900003333")
    _schedule(admin, later, officer, tomorrow)
    admin.post("/s/liuxi/modules/backpack/settings",
               {"round_trip_hours": "3"})  # box unticked
    assert not _in_liuxi(app, lambda: settings("backpack")["reminder"])
    runner.invoke(args=["jobs", "run", "backpack.remind"])
    assert len(_in_liuxi(app, messages)) == 1


def test_figures_count_services_trips_hours_and_the_median(app, admin):
    officer = _user_id(app, "liuxi-officer")
    today = local_today()
    ids = [_take(admin, requested_on=(today - timedelta(days=d)).isoformat())
           for d in (10, 4, 2)]
    for request_id in ids:
        _schedule(admin, request_id, officer)
    _visit(admin, ids[0], needs_delivery="true")
    _visit(admin, ids[1])
    _visit(admin, ids[2])
    admin.post(f"{BASE}/requests/{ids[0]}/delivery",
               {"delivered_on": today.isoformat(), "received_by": "resident"})
    admin.post(f"{BASE}/requests/{_take(admin)}/cannot", {"reason": "联系不上"})
    _take(admin)  # still open: counts nowhere

    figures = admin.get("/api/v1/s/liuxi/backpack/metrics").get_json()["metrics"]
    assert figures == {"backpack.done": 3, "backpack.delivered": 1,
                       "backpack.median_days": 4.0, "backpack.trips_saved": 4,
                       "backpack.hours_saved": 12.0, "backpack.cannot_be_done": 1}
    admin.post("/s/liuxi/modules/backpack/settings", {
        "round_trip_hours": "2.5", "reminder": "true"})
    figures = admin.get("/api/v1/s/liuxi/backpack/metrics").get_json()["metrics"]
    assert figures["backpack.hours_saved"] == 10.0
    last_year = admin.get(f"/api/v1/s/liuxi/backpack/metrics?period={today.year - 1}")
    assert last_year.get_json()["metrics"]["backpack.median_days"] is None
    page = admin.get(f"{BASE}/").get_data(as_text=True)
    assert 'data-metric="backpack.trips_saved"' in page


def test_personal_data_is_masked_and_revealing_it_is_audited(owner_app, app, admin, make_browser):
    request_id = _take(admin, resident_id_number="61072619400101123x")
    page = admin.get(f"{BASE}/requests/{request_id}").get_data(as_text=True)
    for secret in ("熊桂芳", "13891601234", "61072619400101123X", "三组12号"):
        assert secret not in page, secret
    assert "熊*芳" in page and "138****1234" in page and "6107**********123X" in page
    row = admin.get("/api/v1/s/liuxi/backpack/requests").get_json()["requests"][0]
    assert row["resident_name"] == "熊*芳" and row["resident_phone"] == "138****1234"
    assert row["address"] == "三组***" and row["resident_id_number"] == "6107**********123X"
    shown = admin.post(f"{BASE}/requests/{request_id}/reveal").get_data(as_text=True)
    assert "熊桂芳" in shown and "13891601234" in shown and "三组12号" in shown
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "pii.reveal", AuditEvent.object_type == "backpack_request"))
        created = db.session.scalar(select(AuditEvent.changes).where(
            AuditEvent.object_type == "backpack_request", AuditEvent.action == "create",
            AuditEvent.object_id == str(request_id)))
    assert event.object_id == str(request_id)
    assert created["resident_name"] == [None, "熊*芳"]
    assert created["resident_phone"] == [None, "138****1234"]
    assert created["address"] == [None, "三组***"]
    assert make_browser("liuxi-officer").post(
        f"{BASE}/requests/{request_id}/reveal").status_code == 403  # not assigned to them


def test_the_officer_assigned_reveals_what_the_visit_needs(owner_app, app, admin, make_browser):
    """Calling ahead and finding the house need the phone and address: the officer the
    visit is assigned to reveals them in one tap on the visit page (recorded); another
    officer of the same role cannot; lists stay masked."""
    officer, aux = _user_id(app, "liuxi-officer"), _user_id(app, "liuxi-aux")
    mine = _take(admin, address="三组12号村小学上坡")
    _schedule(admin, mine, aux)
    theirs = _take(admin, resident_name="石秀兰", resident_phone="13700002222")
    _schedule(admin, theirs, officer)
    carrier = make_browser("liuxi-aux")
    visit = carrier.get(f"{BASE}/requests/{mine}/visit").get_data(as_text=True)
    assert "13891601234" not in visit and "显示电话和住址" in visit
    shown = carrier.post(f"{BASE}/requests/{mine}/reveal", {"page": "visit"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'href="tel:13891601234"' in html
    assert "三组12号村小学上坡" in html and "登记上门情况" in html  # still the visit form
    assert "显示电话和住址" not in carrier.get(
        f"{BASE}/requests/{theirs}/visit").get_data(as_text=True)
    assert carrier.post(f"{BASE}/requests/{theirs}/reveal",
                        {"page": "visit"}).status_code == 403
    assert "13891601234" not in carrier.get(f"{BASE}/").get_data(as_text=True)
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "pii.reveal", AuditEvent.actor_name == "liuxi-aux"))
    assert event.object_id == str(mine) and event.changes == {
        "fields": ["resident_name", "resident_phone", "address"], "as": "assignee"}


def test_roles(app, admin, make_browser):
    """An auxiliary carries the backpack too: takes requests, records visits and
    deliveries; scheduling, assigning and closing a request are an officer's."""
    aux = make_browser("liuxi-aux")
    aux_id = _user_id(app, "liuxi-aux")
    request_id = _take(aux)
    assert _schedule(aux, request_id, aux_id).status_code == 403
    assert aux.post(f"{BASE}/requests/{request_id}/cannot", {"reason": "x"}).status_code == 403
    officer = make_browser("liuxi-officer")
    assert _schedule(officer, request_id, aux_id).status_code == 302
    assert _visit(aux, request_id, needs_delivery="true").status_code == 302
    assert aux.post(f"{BASE}/requests/{request_id}/delivery", {
        "delivered_on": local_today().isoformat(), "received_by": "resident"}).status_code == 302
    assert _request(app, request_id).status == "done"
    viewer = make_browser("county-lead")
    assert viewer.get(f"{BASE}/requests/new").status_code in (403, 404)


def test_the_route_sheet_names_no_one_from_outside_the_station(app, admin):
    for username in ("dongling-officer", "county-lead"):
        stranger = _user_id(app, username)
        with app.app_context():
            name = db.session.get(User, stranger).full_name
        asked = admin.get(f"{BASE}/route-sheet?officer_id={stranger}")
        printed = admin.post(f"{BASE}/route-sheet", {"officer_id": str(stranger)})
        for response in (asked, printed):
            assert response.status_code == 200, username
            assert name not in response.get_data(as_text=True), username


def test_odd_days_and_officers_in_the_address_fall_back_to_today_and_everyone(app, admin):
    today = local_today().isoformat()
    for query in ("plan?day=9999-12-31", "plan?day=0001-01-01&span=week",
                  "plan?day=1999-12-31", "route-sheet?day=9999-12-31",
                  "route-sheet?officer_id=99999999999999999999", "route-sheet?officer_id=-1"):
        response = admin.get(f"{BASE}/{query}")
        assert response.status_code == 200, query
        assert today in response.get_data(as_text=True), query
    last = admin.get(f"{BASE}/plan?day=2100-12-31&span=week").get_data(as_text=True)
    assert "2101-01-07" in last  # the next week's link


def test_a_visit_recorded_twice_is_refused_the_second_time(app, admin):
    request_id = _take(admin)
    _schedule(admin, request_id, _user_id(app, "liuxi-officer"))
    assert _visit(admin, request_id).status_code == 302
    again = _visit(admin, request_id)
    assert again.status_code == 400
    assert "只有已安排上门的请求才能登记走访" in again.get_data(as_text=True)
    assert len(_in_liuxi(app, lambda: db.session.scalars(select(Visit)).all())) == 1


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer we want to see


def _answer(opener, url, data=None) -> tuple[int, str]:
    try:
        response = opener.open(url, data, timeout=60)
        return response.status, response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode()


@pytest.mark.skipif(not PG, reason="row locks are PostgreSQL's (TEST_DATABASE_URL)")
def test_taps_at_the_same_moment_on_record_the_visit_record_it_once(app, admin, live_server):
    """A weak signal in the village: the officer taps the button again and again."""
    taps = 4
    request_id = _take(admin)
    _schedule(admin, request_id, _user_id(app, "liuxi-officer"))
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)
    _status, page = _answer(opener, f"{live_server}/auth/sign-in")
    sign_in = {"username": "liuxi-admin", "password": "fengqiao-demo",
               "csrf_token": CSRF_RE.search(page).group(1)}
    assert _answer(opener, f"{live_server}/auth/sign-in",
                   urllib.parse.urlencode(sign_in).encode())[0] == 302
    url = f"{live_server}{BASE}/requests/{request_id}/visit"
    form = urllib.parse.urlencode({
        "csrf_token": CSRF_RE.search(_answer(opener, url)[1]).group(1),
        "visited_on": local_today().isoformat(), "what_done": "拍照采集换证信息"}).encode()
    barrier = threading.Barrier(taps)
    answers = []

    def tap():
        barrier.wait()
        answers.append(_answer(opener, url, form))

    threads = [threading.Thread(target=tap) for _ in range(taps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)

    assert sorted(status for status, _body in answers) == [302] + [400] * (taps - 1)
    for status, body in answers:
        assert status == 302 or "只有已安排上门的请求才能登记走访" in body
    assert len(_in_liuxi(app, lambda: db.session.scalars(select(Visit)).all())) == 1


def test_another_stations_request_is_404(app, admin, demo):
    theirs = within_station(app, "dongling",
                            lambda: db.session.scalar(select(HomeRequest.id)))
    assert theirs is not None
    assert admin.get(f"{BASE}/requests/{theirs}").status_code == 404
    assert admin.get(f"{BASE}/requests/{theirs}/visit").status_code == 404
    assert admin.post(f"{BASE}/requests/{theirs}/cannot", {"reason": "x"}).status_code == 404


def test_the_home_page_card(app, admin):
    officer = _user_id(app, "liuxi-officer")
    for _ in range(2):
        _schedule(admin, _take(admin), officer)
    delivered_later = _take(admin)
    _schedule(admin, delivered_later, officer)
    _visit(admin, delivered_later, needs_delivery="true")
    _take(admin)
    home = admin.get("/s/liuxi/").get_data(as_text=True)
    card = home.split('data-module="backpack"')[1].split("</div>\n</div>")[0]
    assert "今日上门走访：2" in card and "待送达证件：1" in card and "待安排日期的请求：1" in card


def test_lists_page_and_say_how_many(app, admin):
    total = app.config["PAGE_SIZE"] + 3

    village_id = _village_id(app, "河口村")

    def many():
        for n in range(total):
            db.session.add(HomeRequest(
                resident_name="熊桂芳", resident_phone="13891601234", village_id=village_id,
                address=f"{n}号", reason="elderly", service=f"服务{n:03d}", channel="phone",
                requested_on=local_today()))
        db.session.commit()

    _in_liuxi(app, many)
    first = admin.get(f"{BASE}/?status=requested").get_data(as_text=True)
    second = admin.get(f"{BASE}/?status=requested&page=2").get_data(as_text=True)
    assert f"共 {total} 条" in first
    assert len(set(re.findall(r"服务\d{3}", first + second))) == total
    waiting = admin.get(f"{BASE}/plan").get_data(as_text=True)
    assert f'data-total="{total}"' in waiting
    api = admin.get("/api/v1/s/liuxi/backpack/requests?page=2").get_json()
    assert (api["total"], api["pages"], len(api["requests"])) == (total, 2, 3)


def test_the_assignee_sees_what_the_visit_needs_and_only_while_it_is_open(app, admin,
                                                                         make_browser):
    """On the request page too, the officer assigned reveals name, phone and address (not
    the ID number or a relative's name), and only while the request is still to do."""
    aux = _user_id(app, "liuxi-aux")
    request_id = _take(admin, resident_id_number="61072619400101123X")
    _schedule(admin, request_id, aux)
    carrier = make_browser("liuxi-aux")
    shown = carrier.post(f"{BASE}/requests/{request_id}/reveal").get_data(as_text=True)
    assert "13891601234" in shown and "三组12号" in shown
    assert "61072619400101123X" not in shown and "6107**********123X" in shown
    _visit(carrier, request_id, photos_taken="false")  # nothing left: the request is done
    assert _request(app, request_id).status == "done"
    assert carrier.post(f"{BASE}/requests/{request_id}/reveal").status_code == 403
    whole = admin.post(f"{BASE}/requests/{request_id}/reveal").get_data(as_text=True)
    assert "61072619400101123X" in whole  # a role that may reveal sees the whole record


# -- on the station's ground ---------------------------------------------------------------

def _form(app, village_id, **extra):
    return {"resident_name": "王桂香", "resident_phone": "13800001111",
            "village_id": str(village_id), "address": "五组", "reason": "elderly",
            "service": "居民身份证换领", "channel": "phone", **extra}


def test_a_village_of_another_station_is_refused_and_nothing_is_saved(app, admin):
    theirs = _village_id(app, "河口村", slug="dongling")
    assert theirs is not None and theirs != _village_id(app, "河口村")
    refused = admin.post(f"{BASE}/requests/new", _form(app, theirs))
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert re.search(r'id="e-village_id">请选择本所的村', html)
    assert _in_liuxi(app, lambda: db.session.scalars(select(HomeRequest)).all()) == []

    def behind_the_form():
        db.session.add(HomeRequest(**{**_form(app, theirs), "village_id": theirs},
                                   requested_on=local_today()))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return "refused"
        return "saved"

    assert _in_liuxi(app, behind_the_form) == "refused"  # the composite key holds too


def _reorder(app, name, position):
    def move():
        db.session.scalar(select(Village).where(Village.name == name)).position = position
        db.session.commit()

    _in_liuxi(app, move)


def test_the_route_sheet_and_the_plan_follow_the_order_of_the_ground(app, admin):
    officer = _user_id(app, "liuxi-officer")
    for village in ("青龙村", "河口村", "石门村"):
        _schedule(admin, _take(admin, village=village), officer)

    def route():
        sheet = admin.get(f"{BASE}/route-sheet?officer_id={officer}").get_data(as_text=True)
        plan = admin.get(f"{BASE}/plan").get_data(as_text=True)
        villages = re.findall(r"<h2>([^<]+)</h2>", sheet)
        assert villages == re.findall(r'data-village="([^"]+)"', plan)
        return villages

    assert route() == ["河口村", "石门村", "青龙村"]  # the demo ground's order
    _reorder(app, "青龙村", -1)  # the round now starts up the valley
    assert route() == ["青龙村", "河口村", "石门村"]


def test_deliveries_are_listed_along_the_route(app, admin):
    officer = _user_id(app, "liuxi-officer")
    for village in ("石门村", "河口村"):
        request_id = _take(admin, village=village)
        _schedule(admin, request_id, officer)
        _visit(admin, request_id, needs_delivery="true")

    def villages():
        page = admin.get(f"{BASE}/deliveries").get_data(as_text=True)
        return re.findall(r'<td data-label="村[^"]*">([^<]+)<', page)

    assert villages() == ["河口村", "石门村"]
    _reorder(app, "石门村", -1)
    assert villages() == ["石门村", "河口村"]


def test_a_retired_village_is_not_offered_for_new_requests_but_stays_on_old_ones(app, admin):
    old = _take(admin, village="大坪村")
    village_id = _village_id(app, "大坪村")

    def retire():
        db.session.get(Village, village_id).active = False
        db.session.commit()

    _in_liuxi(app, retire)
    form = admin.get(f"{BASE}/requests/new").get_data(as_text=True)
    assert f'<option value="{village_id}"' not in form
    assert f'<option value="{_village_id(app, "河口村")}"' in form
    refused = admin.post(f"{BASE}/requests/new", _form(app, village_id))
    assert refused.status_code == 400 and "请选择本所的村" in refused.get_data(as_text=True)
    assert "大坪村" in admin.get(f"{BASE}/requests/{old}").get_data(as_text=True)
    assert "大坪村" in admin.get(f"{BASE}/").get_data(as_text=True)
    row = admin.get("/api/v1/s/liuxi/backpack/requests").get_json()["requests"][0]
    assert (row["id"], row["village"], row["village_id"]) == (old, "大坪村", village_id)


def test_the_village_story_counts_the_requests(app, admin):
    for village in ("河口村", "河口村", "石门村"):
        _take(admin, village=village)
    counts = _in_liuxi(app, lambda: counts_per_village("backpack.requests"))
    assert counts == {_village_id(app, "河口村"): 2, _village_id(app, "石门村"): 1}


def test_settings_saved_before_the_ground_still_load(app, admin):
    """A station's stored settings still carry the villages list of the release before:
    the module ignores it, the settings page opens and saves."""
    def old_settings():
        row = db.session.scalar(select(StationPlugin).where(StationPlugin.plugin == "backpack"))
        row.settings = {"round_trip_hours": 2.0, "villages": ["河口村", "石门村"],
                        "reminder": True}
        db.session.commit()

    _in_liuxi(app, old_settings)
    assert _in_liuxi(app, lambda: settings("backpack")) == {"round_trip_hours": 2.0,
                                                             "reminder": True}
    page = admin.get("/s/liuxi/modules/backpack/settings")
    assert page.status_code == 200 and "f-villages" not in page.get_data(as_text=True)
    assert admin.post("/s/liuxi/modules/backpack/settings", {
        "round_trip_hours": "2.5", "reminder": "true"}).status_code == 302
    assert _in_liuxi(app, lambda: settings("backpack"))["round_trip_hours"] == 2.5
    _take(admin)  # and requests are still taken
