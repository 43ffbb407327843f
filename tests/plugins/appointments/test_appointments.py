"""Appointments as the station works with them: the day at the window, booking for a
caller, who came and who did not, the catalogue in the settings, the reminder job, the
figures, personal data and permissions."""

from datetime import time, timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.plugin_api import Period, local_today, outbox_messages, settings
from plugins.appointments.metrics import METRICS
from plugins.appointments.models import Booking

from .conftest import (
    API,
    BASE,
    ID_CARD,
    MOVE,
    booked_code,
    bookings,
    configure,
    day_counts,
    in_liuxi,
    open_day,
    placed,
    slot_counts,
)


def test_the_day_at_the_window_masked_and_revealed_on_purpose(owner_app, app, admin, resident):
    code = booked_code(resident)
    day = open_day().isoformat()
    page = admin.get(f"{BASE}/?day={day}").get_data(as_text=True)
    assert "09:00–09:30" in page and ID_CARD in page and code in page
    assert "王*明" in page and "139****5678" in page
    assert "王小明" not in page and "13912345678" not in page
    found = admin.get(f"{BASE}/?code={code.lower()}")
    assert found.status_code == 302 and f"day={day}" in found.location
    api = admin.get(f"{API}/bookings?day={day}").get_json()["bookings"]
    assert [(b["code"], b["name"], b["phone"]) for b in api] == [(code, "王*明", "139****5678")]

    shown = admin.post(f"{BASE}/reveal", {"day": day}).get_data(as_text=True)
    assert "王小明" in shown and "13912345678" in shown
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pii.reveal"))
    assert event.object_type == "appointments_booking" and event.changes["day"] == day


def test_staff_book_for_a_caller_and_note_who_came(owner_app, app, admin):
    day = open_day()
    response = admin.post(f"{BASE}/new", {"service": MOVE, "day": day.isoformat(),
                                          "starts": "14:30", "name": "刘芳",
                                          "phone": "13511112222", "channel": "wechat"})
    assert response.status_code == 302, response.get_data(as_text=True)
    [booking] = bookings(app)
    assert (booking.channel, booking.starts) == ("wechat", time(14, 30))
    assert booking.created_by is not None
    early = admin.post(f"{BASE}/bookings/{booking.id}/status", {"status": "arrived"})
    assert early.status_code == 400 and "从预约当天起" in early.get_data(as_text=True)

    today = placed(app, local_today(), time(8, 30))
    later = placed(app, local_today(), time(9), phone="13800002222")
    assert admin.post(f"{BASE}/bookings/{today}/status",
                      {"status": "arrived"}).status_code == 302
    assert admin.post(f"{BASE}/bookings/{later}/status",
                      {"status": "no_show"}).status_code == 302
    again = admin.post(f"{BASE}/bookings/{today}/status", {"status": "no_show"})
    assert again.status_code == 400 and "该预约已办结" in again.get_data(as_text=True)
    statuses = {b.id: b.status for b in bookings(app)}
    assert statuses[today] == "arrived" and statuses[later] == "no_show"
    with owner_app.app_context():  # the owner reads every chain
        updates = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "appointments_booking", AuditEvent.action == "update",
            AuditEvent.object_id == str(today))).all()
    assert updates[0]["status"] == ["booked", "arrived"]

    page = admin.get(f"{BASE}/").get_data(as_text=True)
    assert page.count('data-booking-status="arrived"') == 1
    home = admin.get("/s/liuxi/").get_data(as_text=True)
    assert 'data-module="appointments"' in home and "今日：待到 0 人，已到 1 人" in home

    # On the caller's behalf: cancelled, the place goes back.
    assert admin.post(f"{BASE}/bookings/{booking.id}/status",
                      {"status": "cancelled"}).status_code == 302
    assert slot_counts(app)[(MOVE, day, time(14, 30))] == 0


def test_staff_booking_into_a_full_slot_lists_the_free_times(app, admin):
    configure(admin, capacity="1")
    day = open_day()
    placed(app, day, time(9))
    response = admin.post(f"{BASE}/new", {"service": ID_CARD, "day": day.isoformat(),
                                          "starts": "09:00", "name": "刘芳",
                                          "phone": "13511112222", "channel": "phone"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "09:00 刚刚约满" in html and "当天尚有空余的时段" in html and "09:30 · 剩 1 个" in html
    assert len(bookings(app)) == 1


def test_api_notes_arrival(app, admin):
    today = placed(app, local_today(), time(8, 30))
    answer = admin.post(f"{API}/bookings/{today}/arrived", {})
    assert answer.status_code == 200 and answer.get_json()["booking"]["status"] == "arrived"
    assert answer.get_json()["booking"]["name"] == "赵*山"
    assert admin.post(f"{API}/bookings/{today}/arrived", {}).status_code == 400


def test_roles_and_other_stations(app, admin, make_browser, demo):
    booking = placed(app, local_today(), time(8, 30))
    aux = make_browser("liuxi-aux")
    assert aux.get(f"{BASE}/").status_code == 200
    assert aux.post(f"{BASE}/reveal", {"day": local_today().isoformat()}).status_code == 403
    assert aux.post(f"{BASE}/bookings/{booking}/status",
                    {"status": "arrived"}).status_code == 302  # auxiliaries keep the window
    services = aux.get(f"{BASE}/services").get_data(as_text=True)
    assert ID_CARD in services and "修改办事目录和时间" not in services
    assert "修改办事目录和时间" in admin.get(f"{BASE}/services").get_data(as_text=True)

    other = make_browser("qingshi-admin")
    assert other.post("/s/qingshi/modules/appointments/enable").status_code == 302
    assert other.post(f"/s/qingshi/appointments/bookings/{booking}/status",
                      {"status": "cancelled"}).status_code == 404
    assert other.post(f"/api/v1/s/qingshi/appointments/bookings/{booking}/arrived",
                      {}).status_code == 404
    assert make_browser().get(f"{BASE}/").status_code == 302  # staff pages need a sign-in


def test_the_catalogue_comes_from_the_settings(app, admin, resident):
    response = admin.post("/s/liuxi/modules/appointments/settings", {
        "services": "身份证办理 | 预约 | 户口簿\n无犯罪记录证明 | 窗口\n送证上门 | 上门 | 回执",
        "hours": "09:00 - 11:00", "slot_minutes": "60", "capacity": "2",
        "book_days_ahead": "7", "closed_weekdays": "周六\n星期天", "online_share": "50"})
    assert response.status_code == 302, response.get_data(as_text=True)

    def read():
        return settings("appointments")

    config = in_liuxi(app, read)
    assert config["services"] == [
        {"name": "身份证办理", "mode": "appointment", "documents": "户口簿"},
        {"name": "无犯罪记录证明", "mode": "window", "documents": None},
        {"name": "送证上门", "mode": "home", "documents": "回执"},
    ]
    assert config["hours"] == ["09:00-11:00"] and config["closed_weekdays"] == [
        "saturday", "sunday"]
    form = admin.get("/s/liuxi/modules/appointments/settings").get_data(as_text=True)
    assert "身份证办理 | 预约 | 户口簿\n无犯罪记录证明 | 窗口\n" in form  # the modes as 预约 / 窗口
    page = admin.get(f"{BASE}/services").get_data(as_text=True)
    assert "送证上门" in page and "上门服务" in page and "周六、周日" in page
    day = local_today() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    page = resident.get(f"{BASE.replace('/s/', '/p/')}/?service=身份证办理&day={day}") \
        .get_data(as_text=True)
    assert 'value="09:00"' in page and 'value="10:00"' in page and 'value="11:00"' not in page

    bad = admin.post("/s/liuxi/modules/appointments/settings", {
        "services": "身份证办理 | 预约\n户籍证明 | 邮寄", "hours": "11:00-09:00",
        "slot_minutes": "60", "capacity": "0", "book_days_ahead": "7",
        "closed_weekdays": "周八", "online_share": "50"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    for message in ("第 2 行", "请填写 appointment、window 或 home", "结束时间须晚于开始时间",
                    "请输入 1 到 100 之间的数", "请填写星期几"):
        assert message in html, message
    assert in_liuxi(app, read)["services"][0]["name"] == "身份证办理"


def test_reminders_the_evening_before_once_each(app, admin):
    tomorrow = local_today() + timedelta(days=1)
    first = placed(app, tomorrow, time(9))
    placed(app, tomorrow, time(14), service=MOVE, phone="13800002222")
    gone = placed(app, tomorrow, time(10), phone="13800003333")
    placed(app, tomorrow + timedelta(days=1), time(9), phone="13800004444")

    def cancel():
        db.session.get(Booking, gone).status = "cancelled"
        db.session.commit()

    in_liuxi(app, cancel)
    runner = app.test_cli_runner()
    for _ in range(2):  # a rerun (a retried job) queues nothing more
        result = runner.invoke(args=["jobs", "run", "appointments.send_reminders"])
        assert result.exit_code == 0, result.output

    def reminders():
        return [(m.key, m.to_phone, m.body) for m in outbox_messages("booking")
                if m.key.startswith("appointments.reminder:")]

    sent = sorted(in_liuxi(app, reminders))
    assert [k for k, _p, _b in sent] == sorted(
        f"appointments.reminder:{i}" for i in (first, first + 1))
    code = bookings(app)[0].code
    key, phone, body = sent[0]
    assert phone == "13800001111"
    assert "【柳溪派出所】温馨提醒" in body and code in body and "09:00" in body and ID_CARD in body
    assert "户口簿" in body


def test_no_reminders_when_switched_off_in_the_settings(app, admin):
    configure(admin, reminder="")
    placed(app, local_today() + timedelta(days=1), time(9))
    result = app.test_cli_runner().invoke(args=["jobs", "run", "appointments.send_reminders"])
    assert result.exit_code == 0, result.output
    assert in_liuxi(app, lambda: outbox_messages("booking")) == []


def test_figures_count_by_the_day_of_the_appointment(app, admin):
    month = local_today().replace(day=1) - timedelta(days=40)
    day = month.replace(day=10)
    ids = [placed(app, day, time(8, 30) if n < 3 else time(9), phone=f"1380000{n:04d}")
           for n in range(5)]

    def outcome():
        rows = {b.id: b for b in db.session.scalars(select(Booking))}
        for booking_id, status in zip(ids, ("arrived", "arrived", "no_show", "cancelled"),
                                      strict=False):
            rows[booking_id].status = status
        db.session.commit()
        period = Period.month(day.year, day.month)
        return {m.key: m.compute(period) for m in METRICS}

    figures = in_liuxi(app, outcome)
    assert figures == {"appointments.booked": 4, "appointments.attended": 2,
                       "appointments.no_show": 1, "appointments.no_show_share": 33.3,
                       "appointments.cancelled": 1}
    empty = admin.get(f"{API}/metrics?period=2030-01").get_json()["metrics"]
    assert empty["appointments.booked"] == 0 and empty["appointments.no_show_share"] is None


def test_demo_data_is_consistent(app, admin):
    from plugins.appointments.demo import demo_data
    from tenants.models import Station

    def load():
        station = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        ids = demo_data(station)
        db.session.commit()
        return ids

    ids = in_liuxi(app, load)
    assert set(ids) == {"appointment_id"}
    rows = bookings(app)
    live, online = {}, {}
    for b in rows:
        if b.status not in ("cancelled", "released"):
            live[(b.service, b.day, b.starts)] = live.get((b.service, b.day, b.starts), 0) + 1
            if b.channel == "online":
                online[(b.service, b.day)] = online.get((b.service, b.day), 0) + 1
    assert {k: v for k, v in slot_counts(app).items() if v} == live
    assert {k: v for k, v in day_counts(app).items() if v} == online
    assert {b.status for b in rows} >= {"arrived", "booked", "cancelled"}
    assert len({b.code for b in rows}) == len(rows)


def test_texts_to_residents_are_in_chinese_whatever_the_staff_screen(app, admin,
                                                                       monkeypatch):
    assert admin.post("/lang", {"lang": "en"}).status_code == 302
    day = open_day()
    response = admin.post(f"{BASE}/new", {"service": MOVE, "day": day.isoformat(),
                                          "starts": "14:30", "name": "刘芳",
                                          "phone": "13511112222", "channel": "phone"})
    assert response.status_code == 302
    assert "Booked:" in admin.get(response.location).get_data(as_text=True)  # English UI
    [booking] = bookings(app)
    [confirmation] = in_liuxi(app, lambda: outbox_messages("booking", booking.id))
    assert confirmation.body.startswith("【柳溪派出所】您已成功预约户口迁移")

    monkeypatch.setenv("FENGQIAO_LANG", "en")  # a job run with English output
    placed(app, local_today() + timedelta(days=1), time(9))
    result = app.test_cli_runner().invoke(args=["jobs", "run", "appointments.send_reminders"])
    assert result.exit_code == 0, result.output
    reminders = in_liuxi(app, lambda: [m.body for m in outbox_messages()
                                       if m.key.startswith("appointments.reminder:")])
    assert reminders and all(r.startswith("【柳溪派出所】温馨提醒") for r in reminders)


def test_a_booking_cancelled_by_staff_is_texted_to_the_person(app, admin, resident):
    code = booked_code(resident)
    [booking] = bookings(app)
    for _ in range(2):
        admin.post(f"{BASE}/bookings/{booking.id}/status", {"status": "cancelled"})
    texts = in_liuxi(app, lambda: [(m.key, m.to_phone, m.body)
                                   for m in outbox_messages("booking", booking.id)])
    cancelled = [t for t in texts if t[0] == f"appointments.cancelled:{booking.id}"]
    assert len(texts) == 2 and len(cancelled) == 1
    assert cancelled[0][1] == "13912345678" and code in cancelled[0][2]
    assert ID_CARD in cancelled[0][2] and "柳溪派出所" in cancelled[0][2]

    mine = booked_code(resident, starts="10:00")  # cancelled by the resident: no text
    assert resident.post("/p/liuxi/appointments/cancel",
                         {"code": mine, "phone": "13912345678"}).status_code == 200
    assert in_liuxi(app, lambda: [m.key for m in outbox_messages()
                                  if m.key.startswith("appointments.cancelled:")]) == [
        f"appointments.cancelled:{booking.id}"]


def test_the_settings_read_in_chinese_and_save_back_unchanged(app, admin):
    import html as html_lib
    import re as re_lib

    from app.modules import station_modules
    from tests.conftest import within_station

    def stored():
        return within_station(app, "liuxi", lambda: station_modules()["appointments"].settings)

    page = admin.get("/s/liuxi/modules/appointments/settings").get_data(as_text=True)
    areas = dict(re_lib.findall(r'<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', page,
                                re_lib.S))
    assert "户口迁移 | 预约 | " in html_lib.unescape(areas["services"])
    assert "appointment" not in areas["services"] and areas["closed_weekdays"].strip() == "周日"
    before = stored()
    form = {name: html_lib.unescape(text).strip("\n") for name, text in areas.items()}
    form.update(re_lib.findall(r'<input[^>]*name="(\w+)"[^>]*type="(?:text|number)"[^>]*'
                               r'value="([^"]*)"', page))
    form.update(dict.fromkeys(re_lib.findall(r'type="checkbox" name="(\w+)"[^>]*checked', page),
                              "true"))
    assert admin.post("/s/liuxi/modules/appointments/settings", form).status_code == 302
    assert stored() == before
