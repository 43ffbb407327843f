"""The attacks of issue 14 on the public booking page, each reproduced and then refused:
telling a booked phone from a fresh one (and texting it again and again), fake bookings
that empty a service's day, bookings nobody confirms, and the staff page that finds the
fake ones and gives their places back."""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.plugin_api import mask, outbox_messages, utcnow
from plugins.appointments.models import Booking

from .conftest import (
    BASE,
    ID_CARD,
    MOVE,
    PUBLIC,
    book,
    bookings,
    configure,
    day_counts,
    in_liuxi,
    open_day,
    placed,
    public_texts,
    slot_counts,
    texted_code,
)

VICTIM, FRESH = "13712345678", "13655550000"
SERVICES = (ID_CARD, "居民身份证挂失补领", MOVE, "出生登记")
STARTS = ("09:00", "09:30", "10:00", "10:30")


def _answer(response, phone: str) -> str:
    """What a stranger reads, without what differs by itself: the number they typed (as
    typed and masked) and the form's token."""
    html = response.get_data(as_text=True)
    html = html.replace(phone, "PHONE").replace(mask("phone", phone), "PHONE")
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def _left(client, day, service=ID_CARD) -> dict[str, int]:
    """The places the public page shows left, by time."""
    html = client.get(f"{PUBLIC}/?service={service}&day={day.isoformat()}") \
        .get_data(as_text=True)
    return {t: int(n) for t, n in re.findall(
        r'value="(\d\d:\d\d)"[^>]*>\s*<label[^>]*data-left="(\d+)"', html)}


@pytest.mark.parametrize("confirm", ["", "y"], ids=["texted", "confirmed_by_code"])
def test_a_stranger_cannot_tell_a_booked_phone_from_a_fresh_one(app, admin, make_browser,
                                                                confirm):
    configure(admin, sms_confirm=confirm)
    day = open_day()
    # The victim booked every service that day, by phone at the counter.
    codes = [in_liuxi(app, lambda s=service, n=n: db.session.get(Booking, placed(
        app, day, time(14 + n // 2, 30 * (n % 2)), service=s, phone=VICTIM)).code)
        for n, service in enumerate(SERVICES)]
    stranger = make_browser()
    probes = {VICTIM: [], FRESH: []}
    for n in range(8):  # each phone asked about 8 times, over every service and two times
        for phone in (VICTIM, FRESH):
            asked = book(stranger, day=day.isoformat(), service=SERVICES[n % 4],
                         starts=("09:00", "10:00")[n // 4], phone=phone,
                         environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
            answer = stranger.get(f"{PUBLIC}/requested")
            for response in (asked, answer):
                html = response.get_data(as_text=True)
                assert not any(code in html for code in codes)
                assert "该手机号当天已预约此项业务。" not in html
            probes[phone].append((asked.status_code, _answer(asked, phone),
                                  answer.status_code, _answer(answer, phone)))
    told_apart = sum(v != f for v, f in zip(probes[VICTIM], probes[FRESH], strict=True))
    assert told_apart == 0
    assert probes[VICTIM][0][0] == 302 and probes[VICTIM][0][2] == 200
    if confirm:  # a code typed in: wrong for both, in the same words
        wrong = {phone: _answer(stranger.post(f"{PUBLIC}/requested", {"code": "000000"},
                                              environ_base={"REMOTE_ADDR": "198.51.100.9"}),
                                phone)
                 for phone in (VICTIM, FRESH)
                 if book(stranger, day=day.isoformat(), service=ID_CARD, starts="11:00",
                         phone=phone).status_code == 302}
        assert wrong[VICTIM] == wrong[FRESH]

    # Each phone got one text that day, whatever was tried: the victim hears of their
    # own booking (and no new one was made), the fresh phone of what it was asked for.
    texts = in_liuxi(app, lambda: [(m.to_phone, m.body) for m in outbox_messages()])
    assert sorted(p for p, _b in texts) == [FRESH, VICTIM]
    [(_p, told)] = [t for t in texts if t[0] == VICTIM]
    assert "已有" in told and codes[0] in told and "未新建预约" in told
    assert [b.status for b in bookings(app) if b.phone == VICTIM and b.channel != "online"] \
        == ["booked"] * 4


def test_with_confirmation_the_places_left_move_the_same(app, admin, make_browser):
    configure(admin, sms_confirm="y")
    day = open_day()
    placed(app, day, time(14), phone=VICTIM)
    stranger = make_browser()
    assert _left(stranger, day)["09:00"] == _left(stranger, day)["10:00"] == 3
    book(stranger, day=day.isoformat(), starts="09:00", phone=VICTIM)
    book(stranger, day=day.isoformat(), starts="10:00", phone=FRESH)
    left = _left(stranger, day)
    assert left["09:00"] == left["10:00"] == 2  # each holds a place until it runs out


def test_fake_bookings_cannot_empty_a_day_and_staff_keep_their_share(app, admin,
                                                                     make_browser):
    # 4 times of 2 places: 8 places a day, half of them online (the default share).
    configure(admin, capacity="2", hours="09:00-11:00")
    day = open_day()
    for n in range(22):  # twenty-two fake bookings from eight addresses
        response = make_browser().post(f"{PUBLIC}/", {
            "service": ID_CARD, "day": day.isoformat(), "starts": STARTS[n % 4],
            "name": "测试", "phone": f"1500000{n:04d}"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n % 8}"})
        assert response.status_code in (302, 400)
    assert len([b for b in bookings(app) if b.channel == "online"]) == 4
    assert day_counts(app) == {(ID_CARD, day): 4}
    resident = make_browser()
    assert set(_left(resident, day).values()) == {0}
    page = resident.get(f"{PUBLIC}/?service={ID_CARD}").get_data(as_text=True)
    assert f'day={day.isoformat()}#step-time"' in page  # the day is shown, full
    refused = book(resident, day=day.isoformat(), starts="10:30", phone="13912345678")
    assert refused.status_code == 400
    assert "当天开放网上预约的名额已约满" in refused.get_data(as_text=True)

    # The other half is the station's, for people who call or come to the counter.
    for n, starts in enumerate(STARTS):
        response = admin.post(f"{BASE}/new", {
            "service": ID_CARD, "day": day.isoformat(), "starts": starts, "name": "刘芳",
            "phone": f"1351111{n:04d}", "channel": ("phone", "walk_in")[n % 2]})
        assert response.status_code == 302, response.get_data(as_text=True)
    assert set(slot_counts(app).values()) == {2}
    full = admin.post(f"{BASE}/new", {"service": ID_CARD, "day": day.isoformat(),
                                      "starts": "09:00", "name": "刘芳",
                                      "phone": "13511119999", "channel": "phone"})
    assert full.status_code == 400 and "09:00 刚刚约满" in full.get_data(as_text=True)


def test_the_online_share_is_a_setting_checked_in_chinese(app, admin, resident):
    def stored():
        from app.plugin_api import settings
        return in_liuxi(app, lambda: settings("appointments")["online_share"])

    assert stored() == 50
    form = admin.get("/s/liuxi/modules/appointments/settings").get_data(as_text=True)
    assert "每天开放网上预约的名额比例（%）" in form and 'name="sms_confirm"' in form
    for bad, message in (("120", "请输入 0 到 100 之间的百分数"),
                         ("-5", "请输入 0 到 100 之间的百分数"), ("一半", "请输入整数")):
        response = admin.post("/s/liuxi/modules/appointments/settings", {
            "slot_minutes": "30", "capacity": "3", "book_days_ahead": "14",
            "hours": "08:30-12:00", "closed_weekdays": "周日", "online_share": bad})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), bad
    assert stored() == 50
    configure(admin, online_share="0")  # online booking closed: staff book every place
    refused = book(resident)
    assert refused.status_code == 400
    assert "当天开放网上预约的名额已约满" in refused.get_data(as_text=True)
    assert bookings(app) == []


def test_with_confirmation_a_booking_waits_for_the_texted_code(app, admin, resident,
                                                               make_browser):
    configure(admin, sms_confirm="y")
    day = open_day()
    response = book(resident)
    assert response.status_code == 302 and response.location.endswith("/requested")
    page = resident.get(response.location).get_data(as_text=True)
    assert "请输入短信验证码" in page and "139****5678" in page and 'name="code"' in page
    [hold] = bookings(app)
    assert hold.status == "held" and hold.code not in page
    assert _left(resident, day)["09:00"] == 2
    staff = admin.get(f"{BASE}/?day={day.isoformat()}").get_data(as_text=True)
    assert 'data-booking-status="held"' in staff and "待短信确认" in staff
    assert "保留至" in staff

    code = texted_code(app, "13912345678")
    [text] = public_texts(app, "13912345678")
    assert ID_CARD in text.body and "09:00" in text.body and "15 分钟" in text.body
    other = make_browser()  # another browser has nothing to confirm
    assert other.post(f"{PUBLIC}/requested", {"code": code}).status_code == 302
    assert bookings(app)[0].status == "held"
    for typed, message in (("12", "请输入 6 位验证码"),
                           (f"{(int(code) + 1) % 10 ** 6:06d}", "验证码不对")):
        wrong = resident.post(f"{PUBLIC}/requested", {"code": typed})
        assert wrong.status_code == 400 and message in wrong.get_data(as_text=True)
    right = resident.post(f"{PUBLIC}/requested", {"code": f" {code[:3]} {code[3:]}"})
    assert right.status_code == 302 and right.location.endswith("/booked")
    done = resident.get(right.location).get_data(as_text=True)
    assert "预约成功" in done and hold.code in done and "王*明" in done
    assert bookings(app)[0].status == "booked" and slot_counts(app) == {
        (ID_CARD, day, time(9)): 1}
    assert resident.post(f"{PUBLIC}/requested", {"code": code}).status_code == 302  # done

    # A second service the same day: no second text, the code sent today confirms it.
    assert book(resident, service=MOVE, starts="10:00").status_code == 302
    assert len(public_texts(app, "13912345678")) == 1
    assert resident.post(f"{PUBLIC}/requested", {"code": code}).status_code == 302
    assert [b.status for b in bookings(app)] == ["booked", "booked"]


def _expire_holds(app):
    """Time passes: the holds' end is behind us (as after their 15 minutes)."""
    def expire():
        for b in db.session.scalars(select(Booking).where(Booking.status == "held")):
            b.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    in_liuxi(app, expire)


def test_an_unconfirmed_hold_gives_its_place_back_when_it_runs_out(app, admin, resident,
                                                                   make_browser):
    configure(admin, sms_confirm="y")
    day = open_day()
    book(resident)
    code = texted_code(app, "13912345678")
    assert _left(resident, day)["09:00"] == 2 and day_counts(app) == {(ID_CARD, day): 1}
    _expire_holds(app)
    assert _left(resident, day)["09:00"] == 3  # the page gives it back as it counts
    [hold] = bookings(app)
    assert (hold.status, hold.release_reason) == ("released", "expired")
    assert slot_counts(app) == {(ID_CARD, day, time(9)): 0}
    assert day_counts(app) == {(ID_CARD, day): 0}
    late = resident.post(f"{PUBLIC}/requested", {"code": code})
    assert late.status_code == 400 and "已超时" in late.get_data(as_text=True)
    staff = admin.get(f"{BASE}/?day={day.isoformat()}").get_data(as_text=True)
    assert 'data-booking-status="released"' in staff and "占位超时" in staff

    # Nobody opens a page: the module's job gives the place back.
    book(make_browser(), phone="13700001234", starts="10:00")
    _expire_holds(app)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "appointments.release_holds"])
    assert result.exit_code == 0, result.output
    assert [b.status for b in bookings(app)] == ["released", "released"]
    assert set(slot_counts(app).values()) == {0}


def test_wrong_codes_are_limited_then_the_place_is_given_back(app, admin, resident):
    configure(admin, sms_confirm="y")
    day = open_day()
    book(resident)
    code = texted_code(app, "13912345678")
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for _ in range(5):
        assert resident.post(f"{PUBLIC}/requested", {"code": wrong}).status_code == 400
    sixth = resident.post(f"{PUBLIC}/requested", {"code": code})  # even the right one
    assert sixth.status_code == 429 and "错误次数过多" in sixth.get_data(as_text=True)
    [hold] = bookings(app)
    assert (hold.status, hold.release_reason) == ("released", "tries")
    assert _left(resident, day)["09:00"] == 3


def _script(make_browser, day, n=4):
    """What the attack looked like: online bookings from one network, numbers one after
    another, one name; their ids."""
    for k in range(n):
        response = make_browser().post(f"{PUBLIC}/", {
            "service": ID_CARD, "day": day.isoformat(), "starts": STARTS[k],
            "name": "张伟", "phone": f"1500000100{k}"},
            environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert response.status_code == 302


def test_staff_find_fake_bookings_and_give_their_places_back(owner_app, app, admin, make_browser,
                                                             demo):
    day = open_day()
    _script(make_browser, day)
    assert book(make_browser(), starts="11:00").status_code == 302  # a resident
    ids = [b.id for b in bookings(app) if b.phone.startswith("150")]

    page = admin.get(f"{BASE}/suspicious").get_data(as_text=True)
    assert page.count('data-reasons="network range name"') == 4  # each listed once
    assert "4 个预约待核实" in page
    assert "同一网络 4 个" in page and "号码连号 4 个" in page and "同名 4 个" in page
    assert "150****1000" in page and "15000001000" not in page and "张伟" not in page
    assert "139****5678" not in page  # the resident's booking is not suspect
    day_page = admin.get(f"{BASE}/?day={day.isoformat()}").get_data(as_text=True)
    assert "可疑预约" in day_page and "data-suspects>4<" in day_page

    # Bad input changes nothing; another station's booking is not found.
    before = [(b.status, b.release_reason) for b in bookings(app)]
    for form, message in (({"reason": "suspect"}, "请至少选择一个要释放的预约"),
                          ({"ids": ids[:1]}, "此项为必填项"),
                          ({"ids": ids[:1], "reason": "bogus"}, "请从列表中选择一项")):
        refused = admin.post(f"{BASE}/suspicious/release", form)
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    elsewhere = demo.module_ids["dongling"]["appointment_id"]
    assert admin.post(f"{BASE}/suspicious/release", {
        "ids": [ids[0], elsewhere], "reason": "suspect"}).status_code == 404
    assert [(b.status, b.release_reason) for b in bookings(app)] == before
    lead = make_browser("county-lead")
    assert lead.get(f"{BASE}/suspicious").status_code == 200
    assert lead.post(f"{BASE}/suspicious/release", {
        "ids": ids, "reason": "suspect"}).status_code == 403

    done = admin.post(f"{BASE}/suspicious/release", {"ids": ids[:3], "reason": "suspect",
                                                     "note": "同一网络连号"})
    assert done.status_code == 302
    shown = admin.get(done.location).get_data(as_text=True)
    assert "已释放 3 个预约" in shown and 'id="no-suspects"' in shown
    released = {b.id: b for b in bookings(app)}
    assert [(released[i].status, released[i].release_reason, released[i].release_note)
            for i in ids[:3]] == [("released", "suspect", "同一网络连号")] * 3
    assert released[ids[3]].status == "booked"
    assert _left(make_browser(), day)["09:00"] == 3
    assert day_counts(app) == {(ID_CARD, day): 2}
    # Their phones are told (someone may be counting on the booking), once each.
    told = in_liuxi(app, lambda: sorted(
        m.to_phone for m in outbox_messages() if m.key.startswith("appointments.released:")))
    assert told == ["15000001000", "15000001001", "15000001002"]
    with owner_app.app_context():  # the owner reads every chain
        events = db.session.execute(select(AuditEvent.actor_name, AuditEvent.changes).where(
            AuditEvent.object_type == "appointments_booking", AuditEvent.action == "update",
            AuditEvent.object_id == str(ids[0]))).all()
    assert [(a, c["status"], c["release_reason"]) for a, c in events] == [
        ("liuxi-admin", ["booked", "released"], [None, "suspect"])]
    again = admin.post(f"{BASE}/suspicious/release", {"ids": ids[2:], "reason": "suspect"})
    assert again.status_code == 400 and "未释放任何预约" in again.get_data(as_text=True)
    assert {b.id: b.status for b in bookings(app)}[ids[3]] == "booked"


def test_holds_show_as_such_and_are_released_without_a_text(app, admin, make_browser):
    configure(admin, sms_confirm="y")
    day = open_day()
    placed(app, day, time(14), phone=VICTIM)
    book(make_browser(), phone=VICTIM, starts="09:00")  # a probe: a hold never confirmable
    book(make_browser(), phone=FRESH, starts="09:30")  # a resident yet to enter the code
    page = admin.get(f"{BASE}/suspicious").get_data(as_text=True)
    assert page.count('data-booking-status="held"') == 2 and "2 个预约待核实" in page
    assert page.count("无法确认") == 1
    holds = [b.id for b in bookings(app) if b.status == "held"]
    assert admin.post(f"{BASE}/suspicious/release", {
        "ids": holds, "reason": "unconfirmed"}).status_code == 302
    assert [b.status for b in bookings(app)] == ["booked", "released", "released"]
    assert in_liuxi(app, lambda: [m.key for m in outbox_messages()
                                  if m.key.startswith("appointments.released:")]) == []
    assert _left(make_browser(), day)["09:00"] == 3
