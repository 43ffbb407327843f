"""Taking a place in a time slot and giving it back: the rules every booking follows,
whether a resident makes it online or staff make it for a caller.

A slot's places are counted in its ``appointments_slot`` row, and a place is taken by one
conditional UPDATE (``booked < capacity``): the database lets exactly one of two people
have the last place, whatever the timing. The booking row is written in the same
transaction, so a count and its bookings always agree.
"""

import secrets
from datetime import date, datetime, time, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from app.plugin_api import (
    Station,
    current_station,
    db,
    local_now,
    local_today,
    queue_message,
    settings,
    utcnow,
)

from .hours import Hours
from .labels import day_label, hhmm
from .models import ARRIVED, BOOKED, CANCELLED, NO_SHOW, ONLINE, Booking, Slot
from .schemas import APPOINTMENT

# Codes are read out over the phone: no 0/O, 1/I/L. 31^8 codes, unguessable and, with the
# cancel page's rate limits, not worth trying.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
BOOKINGS_PER_PHONE = 3  # a day, online
# Texts go to residents, in Chinese, whatever language the staff member's screen is in.
SMS_LOCALE = "zh"


class Refused(Exception):
    """A booking the rules do not allow; ``field`` is the form field to show it on."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class Full(Refused):
    """Someone else took the last place first."""


class NotForThisPhone(Refused):
    """The phone already has a live booking for the service that day (``booking``), or
    has made the most bookings allowed online. Staff are told which; the public page
    must not tell a stranger whether someone else has booked."""

    def __init__(self, message: str, booking: Booking | None = None):
        super().__init__("phone", message)
        self.booking = booking


def catalogue(mode: str | None = None) -> list[dict]:
    services = settings("appointments")["services"]
    return [s for s in services if mode is None or s["mode"] == mode]


def bookable() -> dict[str, str | None]:
    """The services offered by appointment, with the documents to bring."""
    return {s["name"]: s.get("documents") for s in catalogue(APPOINTMENT)}


def places_left(service: str, days, hours: Hours):
    """``{day: {start: places left}}`` for the slots of ``days`` not yet begun."""
    now = local_now()
    days = list(days)
    taken = dict(((d, s), n) for d, s, n in db.session.execute(
        select(Slot.day, Slot.starts, Slot.booked)
        .where(Slot.service == service, Slot.day.in_(days))
    ).all()) if days else {}
    return {
        day: {start: max(0, hours.capacity - taken.get((day, start), 0))
              for start in hours.starts() if datetime.combine(day, start) > now}
        for day in days
    }


def check_time(day: date, starts: time, hours: Hours) -> None:
    """Refuse a day or time the window does not take bookings for."""
    now = local_now()
    if day < now.date():
        raise Refused("day", _("That day has passed."))
    if day > now.date() + timedelta(days=hours.days_ahead):
        raise Refused("day", _("Bookings open %(days)d days ahead at most.",
                               days=hours.days_ahead))
    if not hours.is_open(day):
        raise Refused("day", _("The window is closed that day."))
    if starts not in hours.starts():
        raise Refused("starts", _("Please choose one of the times shown."))
    if datetime.combine(day, starts) <= now:
        raise Refused("starts", _("That time has passed; please choose a later one."))


def book(data: dict, *, channel: str, created_by: int | None = None) -> Booking:
    """Book ``data`` (a loaded booking form) after checking every rule; the caller commits.

    Raises :class:`Refused` (or :class:`Full`, :class:`NotForThisPhone`) and writes nothing
    when a rule says no. A full slot is refused before anything about the phone is
    looked at, so its answer is the same whoever asks.
    """
    hours = Hours.of_station()
    day, starts = data["day"], time.fromisoformat(data["starts"])
    check_time(day, starts, hours)
    if not _has_place(data["service"], day, starts, hours):
        raise _full(starts)
    existing = _live_booking(data["phone"], data["service"], day)
    if existing is not None:
        raise NotForThisPhone(_already_booked(), existing)
    if channel == ONLINE and _online_today(data["phone"]) >= BOOKINGS_PER_PHONE:
        raise NotForThisPhone(not_online())
    try:
        booking = place(current_station(), data["service"], day, starts, name=data["name"],
                        phone=data["phone"], channel=channel, created_by=created_by,
                        hours=hours)
    except IntegrityError:  # the same phone's other request won by a hair
        db.session.rollback()
        raise NotForThisPhone(_already_booked(),
                              _live_booking(data["phone"], data["service"], day)) from None
    queue_message(booking.phone, confirmation_text(booking), key=f"appointments.confirm:"
                  f"{booking.id}", object_type="booking", object_id=booking.id)
    return booking


def resend(booking: Booking) -> bool:
    """Text a booking's details to its phone again, at most once a day."""
    return queue_message(booking.phone, confirmation_text(booking),
                         key=f"appointments.resend:{booking.id}:{local_today().isoformat()}",
                         object_type="booking", object_id=booking.id)


def _has_place(service: str, day: date, starts: time, hours: Hours) -> bool:
    taken = db.session.scalar(select(Slot.booked).where(
        Slot.service == service, Slot.day == day, Slot.starts == starts)) or 0
    return taken < hours.capacity


def _live_booking(phone: str, service: str, day: date) -> Booking | None:
    return db.session.scalar(select(Booking).where(
        Booking.phone == phone, Booking.service == service, Booking.day == day,
        Booking.status == BOOKED))


def _online_today(phone: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Booking).where(
            Booking.phone == phone, Booking.channel == ONLINE,
            Booking.created_at > utcnow() - timedelta(days=1))
    )


def not_online() -> str:
    """What the public page says to a phone that may not book: the same whether it has
    a booking already or has booked too often, so a stranger learns neither."""
    return _("This phone number cannot book this online now. If you already have this "
             "booking, its details have been sent to this phone; otherwise please call the "
             "station.")


def _already_booked() -> str:
    return _("This phone number already has a booking for this service that day. Cancel "
             "it first to choose another time.")


def _full(starts: time) -> Full:
    return Full("starts", _("Sorry, %(time)s was just fully booked. Please choose another "
                            "time.", time=hhmm(starts)))


def place(station: Station, service: str, day: date, starts: time, *, name: str, phone: str,
          channel: str, hours: Hours, created_by: int | None = None,
          status: str = BOOKED) -> Booking:
    """Take a place in the slot and write the booking, without the calendar rules (demo
    data records past days with it). Raises :class:`Full` when no place is left."""
    slot_id = _slot_id(station, service, day, starts)
    taken = db.session.execute(
        update(Slot).where(Slot.id == slot_id, Slot.booked < hours.capacity)
        .values(booked=Slot.booked + 1).execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise _full(starts)
    booking = Booking(
        code=_new_code(), slot_id=slot_id, service=service, day=day, starts=starts,
        ends=hours.ends(starts), documents=bookable().get(service), name=name, phone=phone,
        channel=channel, status=status, created_by=created_by,
    )
    db.session.add(booking)
    db.session.flush()
    return booking


def _slot_id(station: Station, service: str, day: date, starts: time) -> int:
    """The slot's row, created if it is the first booking there. Two first bookings at
    once both pass: the loser's insert does nothing and it finds the winner's row."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(Slot).values(tenant_id=station.id, service=service, day=day,
                            starts=starts, booked=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "service", "day", "starts"])
    )
    return db.session.scalar(select(Slot.id).where(
        Slot.service == service, Slot.day == day, Slot.starts == starts))


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Booking.id).where(Booking.code == code)) is None:
            return code


def cancel(booking: Booking, by: int | None = None) -> None:
    """Cancel a live booking and give its place back; the caller commits. When staff
    cancel it (``by``), the person is told by text."""
    _finish(booking, CANCELLED, by)
    db.session.execute(
        update(Slot).where(Slot.id == booking.slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1).execution_options(synchronize_session=False)
    )
    if by is not None:
        with force_locale(SMS_LOCALE):
            text = _("%(station)s: your booking for %(service)s on %(day)s at %(time)s "
                     "(code %(code)s) has been cancelled by the station. Please call the "
                     "station or book another time.",
                     station=_station_name(booking), service=booking.service,
                     day=day_label(booking.day), time=hhmm(booking.starts),
                     code=booking.code)
        queue_message(booking.phone, text, key=f"appointments.cancelled:{booking.id}",
                      object_type="booking", object_id=booking.id)


def mark(booking: Booking, status: str, by: int | None = None) -> None:
    """Note that the person came (or did not): from the day of the booking on."""
    if status not in (ARRIVED, NO_SHOW):
        raise ValueError(status)
    if booking.day > local_today():
        raise Refused("_schema", _("Whether someone came can be noted from the day of "
                                   "the booking on."))
    _finish(booking, status, by)


def _finish(booking: Booking, status: str, by: int | None) -> None:
    # Read the status again under a row lock: of two people acting on the booking at once
    # (a double tap, the resident and staff), the second sees what the first did.
    db.session.refresh(booking, with_for_update=True)
    if booking.status != BOOKED:
        raise Refused("_schema", _("This booking is no longer open."))
    booking.status, booking.handled_by, booking.handled_at = status, by, utcnow()


def confirmation_text(booking: Booking) -> str:
    with force_locale(SMS_LOCALE):
        return _("%(station)s: you are booked for %(service)s on %(day)s at %(time)s, code "
                 "%(code)s. Please bring: %(documents)s. To cancel, enter the code and this "
                 "phone number on the booking page.",
                 station=_station_name(booking), service=booking.service,
                 day=day_label(booking.day), time=hhmm(booking.starts), code=booking.code,
                 documents=booking.documents or _("your ID card"))


def reminder_text(booking: Booking) -> str:
    with force_locale(SMS_LOCALE):
        return _("%(station)s reminds you: %(service)s tomorrow, %(day)s, at %(time)s, code "
                 "%(code)s. Please bring: %(documents)s.",
                 station=_station_name(booking), service=booking.service,
                 day=day_label(booking.day), time=hhmm(booking.starts), code=booking.code,
                 documents=booking.documents or _("your ID card"))


def _station_name(booking: Booking) -> str:
    # Jobs run in the station's tenant context without a request, so the booking says
    # which station it is.
    return db.session.get(Station, booking.tenant_id).name
