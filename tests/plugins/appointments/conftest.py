"""Helpers shared by the appointments tests: a station (柳溪) running the module, the
public and staff addresses, bookings made through the public page (the code as the text
message gives it) and straight in the database for days the public page cannot book
(today, yesterday), and the texts the public page queued."""

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.plugin_api import local_today, outbox_messages
from plugins.appointments.booking import place
from plugins.appointments.hours import Hours
from plugins.appointments.models import Booking, Slot
from tenants.models import Station
from tests.conftest import within_station

PUBLIC = "/p/liuxi/appointments"
BASE = "/s/liuxi/appointments"
API = "/api/v1/s/liuxi/appointments"
ID_CARD = "居民身份证申领、换领"
MOVE = "户口迁移"
CODE_RE = re.compile(r'id="booking-code">([A-Z0-9]{8})<')
SMS_CODE_RE = re.compile(r"验证码 ?([0-9]{6})")


def open_day(after: int = 1) -> date:
    """The first day at least ``after`` days ahead that the window (closed on Sundays by
    default) is open."""
    day = local_today() + timedelta(days=after)
    while day.weekday() == 6:
        day += timedelta(days=1)
    return day


@pytest.fixture
def admin(make_browser, demo):
    """柳溪's admin, with appointments just switched on (no demo data there)."""
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/appointments/enable").status_code == 302
    return b


@pytest.fixture
def resident(browser, admin):
    """Someone on their phone, not signed in."""
    return browser


def configure(admin, **changes):
    settings = {"slot_minutes": "30", "capacity": "3", "book_days_ahead": "14",
                "reminder": "y", "hours": "08:30-12:00\n14:00-17:30",
                "closed_weekdays": "周日", "online_share": "50", "sms_confirm": "",
                **changes}
    for box in ("reminder", "sms_confirm"):  # an unticked box sends nothing
        if not settings[box]:
            del settings[box]
    response = admin.post("/s/liuxi/modules/appointments/settings", settings)
    assert response.status_code == 302, response.get_data(as_text=True)


def book(client, follow_redirects=False, **changes):
    data = {"service": ID_CARD, "day": open_day().isoformat(), "starts": "09:00",
            "name": "王小明", "phone": "13912345678", **changes}
    return client.post(f"{PUBLIC}/", data, follow_redirects=follow_redirects)


def booked_code(client, **changes) -> str:
    """Book on the public page (SMS confirmation off): the booking's code, which the
    resident reads in the text message."""
    response = book(client, **changes)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith("/requested")
    data = {"service": ID_CARD, "day": open_day().isoformat(), "phone": "13912345678",
            **changes}
    phone = re.sub(r"\D", "", data["phone"])

    def made():
        return db.session.scalar(select(Booking.code).where(
            Booking.phone == phone, Booking.service == data["service"],
            Booking.day == date.fromisoformat(data["day"]), Booking.status == "booked"))

    code = in_liuxi(client.client.application, made)
    assert code, "no booking was made"
    return code


def texted_code(app, phone: str) -> str:
    """The 6-digit code of the last text the public page sent to ``phone``."""
    [body] = [m.body for m in public_texts(app, phone)][:1]
    return SMS_CODE_RE.search(body).group(1)


def public_texts(app, phone: str | None = None) -> list:
    """The texts the public booking page queued (to ``phone``), newest first."""
    return in_liuxi(app, lambda: [m for m in outbox_messages()
                                  if m.key.startswith("appointments.public:")
                                  and phone in (None, m.to_phone)])


def in_liuxi(app, fn):
    return within_station(app, "liuxi", fn)


def placed(app, day: date, starts: time = time(9), service: str = ID_CARD, **kwargs) -> int:
    """A booking made straight in the database, on any day; its id."""
    def make():
        station = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        booking = place(station, service, day, starts, hours=Hours.of_station(),
                        **{"name": "赵大山", "phone": "13800001111", "channel": "phone",
                           **kwargs})
        db.session.commit()
        return booking.id

    return in_liuxi(app, make)


def bookings(app):
    return in_liuxi(app, lambda: db.session.scalars(select(Booking).order_by(Booking.id)).all())


def slot_counts(app):
    return in_liuxi(app, lambda: {(s.service, s.day, s.starts): s.booked
                                  for s in db.session.scalars(select(Slot))})


def day_counts(app):
    """The online places taken, by service and day."""
    from plugins.appointments.models import Day  # here: the tests also run on the old code

    return in_liuxi(app, lambda: {(d.service, d.day): d.online
                                  for d in db.session.scalars(select(Day))})
