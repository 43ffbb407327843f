"""Booking at the window as a resident does it on their phone, without an account: the
steps, the rules, a full slot, cancelling with the code, and what the page never shows."""

from datetime import time, timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.plugin_api import local_today, outbox_messages
from plugins.appointments import booking as rules
from plugins.appointments.models import Booking

from .conftest import (
    ID_CARD,
    MOVE,
    PUBLIC,
    book,
    booked_code,
    bookings,
    configure,
    in_liuxi,
    open_day,
    placed,
    slot_counts,
)


def test_book_step_by_step_then_cancel_with_the_code(owner_app, app, resident):
    day = open_day()
    page = resident.get(f"{PUBLIC}/").get_data(as_text=True)
    assert ID_CARD in page and "户口簿；换领的带上原身份证" in page
    assert "临时居民身份证" in page  # a window service, listed under the others
    page = resident.get(f"{PUBLIC}/?service={ID_CARD}").get_data(as_text=True)
    assert f"day={day.isoformat()}" in page
    page = resident.get(f"{PUBLIC}/?service={ID_CARD}&day={day.isoformat()}") \
        .get_data(as_text=True)
    assert 'value="09:00"' in page and 'value="14:00"' in page and 'value="12:00"' not in page
    assert "剩 3 个" in page

    response = book(resident, day=day.isoformat(), phone="139 1234 5678")
    assert response.status_code == 302 and response.location.endswith("/requested")
    done = resident.get(response.location).get_data(as_text=True)
    [booking] = bookings(app)
    assert "申请已提交" in done and ID_CARD in done and "09:00" in done
    assert "139****5678" in done and "13912345678" not in done
    assert booking.code not in done  # the code goes to the phone, never to the page
    assert booking.phone == "13912345678" and booking.channel == "online"
    assert slot_counts(app) == {(ID_CARD, day, time(9)): 1}
    [message] = in_liuxi(app, lambda: outbox_messages("booking", booking.id))
    assert booking.code in message.body and ID_CARD in message.body
    assert "户口簿；换领的带上原身份证" in message.body
    page = resident.get(f"{PUBLIC}/?service={ID_CARD}&day={day.isoformat()}") \
        .get_data(as_text=True)
    assert 'data-left="2"' in page

    wrong = resident.post(f"{PUBLIC}/cancel", {"code": booking.code, "phone": "13900000000"})
    unknown = resident.post(f"{PUBLIC}/cancel", {"code": "ZZZZ2222", "phone": "13912345678"})
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "未找到与该预约码和手机号相符的预约" in response.get_data(as_text=True)
    done = resident.post(f"{PUBLIC}/cancel", {"code": booking.code.lower(),
                                              "phone": "13912345678"})
    assert done.status_code == 200 and "已取消" in done.get_data(as_text=True)
    assert bookings(app)[0].status == "cancelled"
    assert slot_counts(app) == {(ID_CARD, day, time(9)): 0}
    again = resident.post(f"{PUBLIC}/cancel", {"code": booking.code, "phone": "13912345678"})
    assert again.status_code == 400 and "无法取消" in again.get_data(as_text=True)

    with owner_app.app_context():  # the owner reads every chain
        events = db.session.execute(select(AuditEvent.action, AuditEvent.changes).where(
            AuditEvent.object_type == "appointments_booking",
            AuditEvent.object_id == str(booking.id),
            AuditEvent.station_id == booking.tenant_id).order_by(AuditEvent.id)).all()
    assert [a for a, _c in events] == ["create", "update"]
    assert events[0][1]["name"] == [None, "王*明"]
    assert events[0][1]["phone"] == [None, "139****5678"]


def test_bad_input_is_refused_per_field_and_writes_nothing(app, resident):
    response = book(resident, name="", phone="12345", starts="09:10")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请输入 11 位手机号码" in html and html.count("invalid-feedback") >= 2
    sunday = local_today() + timedelta(days=(6 - local_today().weekday()) % 7 or 7)
    cases = [
        ({"starts": "09:10"}, "请选择页面上列出的时间"),
        ({"starts": "12:00"}, "请选择页面上列出的时间"),  # the lunch break
        ({"day": sunday.isoformat()}, "当天窗口不办公"),
        ({"day": (local_today() + timedelta(days=30)).isoformat()}, "最多可提前 14 天预约"),
        ({"day": (local_today() - timedelta(days=1)).isoformat()}, "该日期已过"),
        ({"service": "临时居民身份证"}, "请选择可预约的业务"),
        ({"day": "tomorrow"}, "请按 YYYY-MM-DD 格式输入日期"),
    ]
    for changes, message in cases:
        response = book(resident, **changes)
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True), changes
    assert bookings(app) == [] and slot_counts(app) == {}


def test_a_full_slot_refuses_cleanly_and_offers_the_others(app, admin, resident,
                                                           make_browser):
    configure(admin, capacity="1")
    booked_code(resident)
    other = make_browser()
    response = book(other, name="李四", phone="13700001234")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "09:00 刚刚约满" in html
    assert 'value="09:00" autocomplete="off" disabled' in html
    assert 'value="09:30" autocomplete="off">' in html  # the other times stay open
    assert "李四" in html  # what they typed is kept for the next try
    assert len(bookings(app)) == 1
    assert list(slot_counts(app).values()) == [1]


def test_one_live_booking_per_phone_service_and_day(app, resident):
    booked_code(resident)
    again = book(resident, starts="10:00")
    assert again.status_code == 302  # answered as any request, but nothing is booked
    assert [b.starts for b in bookings(app)] == [time(9)]
    booked_code(resident, service=MOVE)  # another service the same day is fine
    assert len(bookings(app)) == 2


def test_the_public_pages_show_nothing_of_other_bookings(app, resident, make_browser):
    code = booked_code(resident)
    stranger = make_browser()
    assert stranger.get(f"{PUBLIC}/booked").status_code == 302  # not their booking
    day = open_day().isoformat()
    pages = [
        stranger.get(f"{PUBLIC}/"),
        stranger.get(f"{PUBLIC}/?service={ID_CARD}"),
        stranger.get(f"{PUBLIC}/?service={ID_CARD}&day={day}"),
        stranger.get(f"{PUBLIC}/cancel"),
        stranger.post(f"{PUBLIC}/cancel", {"code": code, "phone": "13700000000"}),
        book(stranger, name="陈静", phone="13700000000", follow_redirects=True),
    ]
    assert "137****0000" in pages[-1].get_data(as_text=True)  # what they typed, masked
    for response in pages:
        html = response.get_data(as_text=True)
        if response is pages[4]:
            html = html.replace(f'value="{code}"', "")  # the code they typed, kept in its box
        for secret in ("王小明", "王*明", "13912345678", "139****5678", code):
            assert secret not in html, (response.request.path, secret)


def test_rate_limits_answer_429_and_change_nothing(app, resident, make_browser):
    for n, service in enumerate(("居民身份证挂失补领", MOVE, "出生登记")):
        booked_code(resident, service=service, starts=("10:00", "11:00", "14:00")[n])
    fourth = book(resident, service="居住证办理")
    assert fourth.status_code == 302  # answered as any request, but nothing is booked
    assert len(bookings(app)) == 3

    # Per address: 20 attempts an hour, whatever they were (3 made above, 1 refused).
    for _ in range(16):
        assert book(resident, phone="138").status_code == 400
    refused = book(resident, phone="13600001111", service="居住证办理")
    assert refused.status_code == 429 and "尝试次数过多" in refused.get_data(as_text=True)
    assert len(bookings(app)) == 3


def test_cancel_attempts_are_limited_so_codes_cannot_be_tried(app, resident, make_browser):
    code = booked_code(resident)
    guesser = make_browser()
    for n in range(5):  # one code, wrong phones
        response = guesser.post(f"{PUBLIC}/cancel", {"code": code, "phone": f"1390000000{n}"})
        assert response.status_code == 400
    right = guesser.post(f"{PUBLIC}/cancel", {"code": code, "phone": "13912345678"})
    assert right.status_code == 429 and "尝试次数过多" in right.get_data(as_text=True)
    assert bookings(app)[0].status == "booked"
    for n in range(4):  # other codes: the address runs out at ten
        assert guesser.post(f"{PUBLIC}/cancel", {"code": f"ABCD{n}234",
                                                 "phone": "13912345678"}).status_code == 400
    assert guesser.post(f"{PUBLIC}/cancel", {"code": "WXYZ2345",
                                             "phone": "13912345678"}).status_code == 429


def test_switched_off_the_public_pages_are_gone(app, admin, resident):
    assert resident.get(f"{PUBLIC}/").status_code == 200
    assert admin.post("/s/liuxi/modules/appointments/disable").status_code == 302
    assert resident.get(f"{PUBLIC}/").status_code == 404
    assert resident.get(f"{PUBLIC}/cancel").status_code == 404
    assert resident.get("/p/nowhere/appointments/").status_code == 404


def test_full_width_digits_are_the_same_phone_and_the_same_time(app, admin, resident):
    day = open_day().isoformat()
    booked_code(resident, day=day)
    for phone in ("1391234567８", "１３９ １２３４ ５６７８"):  # as Chinese keyboards type
        assert book(resident, day=day, starts="09:30", phone=phone).status_code == 302
    assert [b.phone for b in bookings(app)] == ["13912345678"]  # the same phone: no more
    phones = in_liuxi(app, lambda: {m.to_phone for m in outbox_messages()})
    assert phones == {"13912345678"}

    assert book(resident, day=day, starts="0９:００", phone="13700001234").status_code == 302
    staff = admin.post("/s/liuxi/appointments/new", {
        "service": ID_CARD, "day": day, "starts": "１０：００", "name": "刘芳",
        "phone": "１３５１１１１２２２２", "channel": "phone"})
    assert staff.status_code == 302, staff.get_data(as_text=True)
    assert {(b.phone, b.starts) for b in bookings(app)} == {
        ("13912345678", time(9)), ("13700001234", time(9)), ("13511112222", time(10))}
    for starts in ("٠٩:٠٠", "09:00\u200b"):  # other digits are refused, not a crash
        refused = book(resident, day=day, starts=starts, phone="13600001111")
        assert refused.status_code == 400 and "请选择时段" in refused.get_data(as_text=True)


def test_cancel_code_variants_count_as_one_code(app, resident, make_browser):
    code = booked_code(resident)
    variants = [code + "\t", code.lower() + "\n", f" {code[:4]}-{code[4:]} ",
                "\u3000" + code, code.replace(code[0], chr(ord(code[0]) + 0xFEE0))]
    for n, typed in enumerate(variants):  # wrong phones, each from another address
        response = make_browser().post(f"{PUBLIC}/cancel", {"code": typed,
                                                            "phone": "13900000000"},
                                       environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert response.status_code == 400
    right = make_browser().post(f"{PUBLIC}/cancel", {"code": code + "\r\n",
                                                     "phone": "13912345678"},
                                environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert right.status_code == 429
    assert bookings(app)[0].status == "booked"


def test_a_booking_cancelled_twice_gives_its_place_back_once(app, admin):
    configure(admin, capacity="2")
    day = open_day()
    first = placed(app, day, time(9))
    placed(app, day, time(9), phone="13800002222")
    # Both loaded the booking while it was open; one cancels, then the other tries to.
    assert _one_then_the_other(app, first, rules.cancel, rules.cancel) == "refused"
    assert slot_counts(app)[(ID_CARD, day, time(9))] == 1
    assert [b.status for b in bookings(app)] == ["cancelled", "booked"]

    today = placed(app, local_today(), time(8, 30),
                   phone="13800003333")
    arrived = lambda b: rules.mark(b, "arrived")  # noqa: E731
    assert _one_then_the_other(app, today, arrived, rules.cancel) == "refused"
    assert in_liuxi(app, lambda: db.session.get(Booking, today).status) == "arrived"


def _one_then_the_other(app, booking_id, first, second) -> str:
    def act():
        stale = db.session.get(Booking, booking_id)
        assert stale.status == "booked"
        in_liuxi(app, lambda: (first(db.session.get(Booking, booking_id)),
                               db.session.commit()))
        try:
            second(stale)
        except rules.Refused:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return "done"

    return in_liuxi(app, act)
