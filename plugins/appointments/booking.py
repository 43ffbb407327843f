"""Taking a place in a time slot and giving it back: the rules every booking follows,
whether a resident makes it online or staff make it for a caller.

A slot's places are counted in its ``appointments_slot`` row, and a place is taken by one
conditional UPDATE (``booked < capacity``): the database lets exactly one of two people
have the last place, whatever the timing. Online bookings also take one of the day's
online places (``appointments_day``, the same way), so the share the station keeps for
callers and the counter stays theirs. The booking row is written in the same
transaction, so the counts and their bookings always agree.

Whoever types a phone number on the public page may not be its owner. So the page answers
a request the same way whatever the phone's state (free to book, booked already, at its
limit): what is true goes by text to the phone itself, at most one text a phone and day.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
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
from .models import (
    ARRIVED,
    BOOKED,
    CANCELLED,
    DUPLICATE,
    EXPIRED,
    HELD,
    LIVE,
    NO_SHOW,
    ONLINE,
    RELEASED,
    Booking,
    Day,
    Slot,
)
from .schemas import APPOINTMENT, HOLD_MINUTES

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
    """Someone else took the last place first (of the slot, or of the day's online share)."""


class NotForThisPhone(Refused):
    """Staff booking for a caller whose phone has a live booking for the service that day
    (``booking``): staff are told, the public page never is."""

    def __init__(self, message: str, booking: Booking | None = None):
        super().__init__("phone", message)
        self.booking = booking


def catalogue(mode: str | None = None) -> list[dict]:
    services = settings("appointments")["services"]
    return [s for s in services if mode is None or s["mode"] == mode]


def bookable() -> dict[str, str | None]:
    """The services offered by appointment, with the documents to bring."""
    return {s["name"]: s.get("documents") for s in catalogue(APPOINTMENT)}


def places_left(service: str, days, hours: Hours, online: bool = False):
    """``{day: {start: places left}}`` for the slots of ``days`` not yet begun; with
    ``online``, what a resident may still take on the public page (no more than the day's
    online share leaves)."""
    now = local_now()
    days = list(days)
    taken = dict(((d, s), n) for d, s, n in db.session.execute(
        select(Slot.day, Slot.starts, Slot.booked)
        .where(Slot.service == service, Slot.day.in_(days))
    ).all()) if days else {}
    most = online_left(service, days, hours) if online else {}
    return {
        day: {start: min(max(0, hours.capacity - taken.get((day, start), 0)),
                         most.get(day, hours.capacity))
              for start in hours.starts() if datetime.combine(day, start) > now}
        for day in days
    }


def online_left(service: str, days, hours: Hours) -> dict[date, int]:
    """``{day: places of the day's online share not yet taken}``."""
    days = list(days)
    used = dict(db.session.execute(
        select(Day.day, Day.online).where(Day.service == service, Day.day.in_(days))
    ).all()) if days else {}
    return {d: max(0, hours.online_places - used.get(d, 0)) for d in days}


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
    """Book ``data`` (a loaded booking form) for a caller after checking every rule; the
    caller commits. Raises :class:`Refused` (or :class:`Full`, :class:`NotForThisPhone`)
    and writes nothing when a rule says no. Residents online go through :func:`request_online`.
    """
    hours = Hours.of_station()
    day, starts = data["day"], time.fromisoformat(data["starts"])
    check_time(day, starts, hours)
    if not _has_place(data["service"], day, starts, hours):
        raise _full(starts)
    existing = _live_booking(data["phone"], data["service"], day)
    if existing is not None:
        raise NotForThisPhone(_already_booked(), existing)
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


# -- a resident's request on the public page -----------------------------------------------

@dataclass(frozen=True)
class Request:
    """What the public page keeps of a request: the hold a code may confirm (with SMS
    confirmation; None without, or when the request made none)."""

    hold_id: int | None
    confirm: bool


def request_online(data: dict, *, client: str) -> Request:
    """A resident's booking request (a loaded booking form), from network ``client``; the
    caller commits.

    A time that has passed, a full slot or a day whose online share is used are refused
    (:class:`Refused`), the same for every phone. Past that, nothing the page answers
    depends on the phone: without SMS confirmation a phone free to book is booked and
    the others are not; with it, every request holds a place for ``HOLD_MINUTES`` (so even
    the places left move the same), and only a phone free to book gets a code that can
    confirm it. Each phone is told by text what is true, once a day.
    """
    hours = Hours.of_station()
    service, phone = data["service"], data["phone"]
    day, starts = data["day"], time.fromisoformat(data["starts"])
    check_time(day, starts, hours)
    if not _has_place(service, day, starts, hours):
        raise _full(starts)
    if not _has_online_place(service, day, hours):
        raise _online_full()
    confirm = bool(settings("appointments")["sms_confirm"])
    held = _live(phone, service, day, HELD)
    if held is not None:  # asked again while a hold waits for its code: nothing new
        return Request(held.id if confirm and held.starts == starts else None, confirm)
    existing = _live(phone, service, day, BOOKED)
    free = existing is None and _online_today(phone) < BOOKINGS_PER_PHONE
    if not confirm and not free:
        if existing is not None:
            _text_once(phone, already_booked_text(existing), existing)
        return Request(None, confirm)
    code = f"{secrets.randbelow(10 ** 6):06d}" if confirm and free else None
    try:
        made = place(current_station(), service, day, starts, name=data["name"], phone=phone,
                     channel=ONLINE, hours=hours, client_hash=client,
                     status=HELD if confirm else BOOKED,
                     expires_at=utcnow() + timedelta(minutes=HOLD_MINUTES) if confirm
                     else None,
                     code_hash=code_digest(phone, code) if code else None)
    except IntegrityError:  # the same phone's other request won by a hair
        return Request(None, confirm)
    if not confirm:
        _text_once(phone, confirmation_text(made), made)
    elif code is not None:
        if not _text_once(phone, code_text(made, code), made):
            # Texted today already: the code sent then confirms this one too.
            made.code_hash = _recent_code(phone, other_than=made.id)
            db.session.flush()
    elif existing is not None:
        _text_once(phone, already_booked_text(existing), existing)
    return Request(made.id if confirm else None, confirm)


def confirm_hold(hold: Booking | None, code: str) -> Booking:
    """Confirm ``hold`` with the code texted to its phone; the caller commits. Refused with
    the same words for a wrong code and for a hold that cannot be confirmed."""
    if hold is not None:
        db.session.refresh(hold, with_for_update=True)  # of two taps, one confirms
        if hold.status in (RELEASED, CANCELLED) or (
                hold.status == HELD and hold.expires_at <= utcnow()):
            raise Refused("code", hold_gone())
    if hold is None or hold.status != HELD or hold.code_hash is None or not hmac.compare_digest(
            hold.code_hash, code_digest(hold.phone, code)):
        raise Refused("code", _("This code is not right. Please check the text message "
                                "and enter the 6 digits."))
    try:
        with db.session.begin_nested():
            hold.status, hold.expires_at = BOOKED, None
            db.session.flush()
    except IntegrityError:
        # The phone was booked for the service that day meanwhile (staff booked the
        # caller): the one who proved the phone may know it.
        db.session.refresh(hold)
        release(hold, DUPLICATE)
        raise Refused("code", _already_booked()) from None
    return hold


def hold_gone() -> str:
    return _("This hold has run out and its place was given back. Please book again.")


def _text_once(phone: str, body: str, booking: Booking) -> bool:
    """Text ``phone`` from the public page unless it was today already; False then.

    One key per phone and day in the outbox, so probing a number, however often and in
    whatever way, texts it once a day; a race between two requests is settled by the
    key's unique index, inside a savepoint so the request itself goes on.
    """
    key = f"appointments.public:{_digest('phone', phone)}:{local_today().isoformat()}"
    try:
        with db.session.begin_nested():
            queued = queue_message(phone, body, key=key, object_type="booking",
                                   object_id=booking.id)
            db.session.flush()
    except IntegrityError:
        return False
    return queued


def _recent_code(phone: str, other_than: int) -> str | None:
    """The digest of the last code texted to ``phone`` in the past day, if any."""
    return db.session.scalar(
        select(Booking.code_hash).where(
            Booking.phone == phone, Booking.code_hash.is_not(None), Booking.id != other_than,
            Booking.created_at > utcnow() - timedelta(days=1))
        .order_by(Booking.created_at.desc(), Booking.id.desc()).limit(1))


def _digest(purpose: str, value: str) -> str:
    # Keyed with the app's secret: six digits or an IPv4 address are too few to survive
    # a plain hash in a copied database.
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"{purpose}:{current_station().id}:{value}".encode(),
                    hashlib.sha256).hexdigest()


def code_digest(phone: str, code: str) -> str:
    return _digest("code", f"{phone}:{code}")


def client_digest(address: str) -> str:
    """What an online booking keeps of the network address it came from."""
    return _digest("client", address)[:16]


def _has_place(service: str, day: date, starts: time, hours: Hours) -> bool:
    taken = db.session.scalar(select(Slot.booked).where(
        Slot.service == service, Slot.day == day, Slot.starts == starts)) or 0
    return taken < hours.capacity


def _has_online_place(service: str, day: date, hours: Hours) -> bool:
    return online_left(service, [day], hours)[day] > 0


def _live(phone: str, service: str, day: date, status: str) -> Booking | None:
    return db.session.scalar(select(Booking).where(
        Booking.phone == phone, Booking.service == service, Booking.day == day,
        Booking.status == status))


def _live_booking(phone: str, service: str, day: date) -> Booking | None:
    return _live(phone, service, day, BOOKED)


def _online_today(phone: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Booking).where(
            Booking.phone == phone, Booking.channel == ONLINE,
            # Holds never confirmed are a stranger's as likely as the owner's: they must
            # not lock the owner out of booking.
            Booking.status.in_((BOOKED, ARRIVED, NO_SHOW, CANCELLED)),
            Booking.created_at > utcnow() - timedelta(days=1))
    )


def _already_booked() -> str:
    return _("This phone number already has a booking for this service that day. Cancel "
             "it first to choose another time.")


def _full(starts: time) -> Full:
    return Full("starts", _("Sorry, %(time)s was just fully booked. Please choose another "
                            "time.", time=hhmm(starts)))


def _online_full() -> Full:
    return Full("day", _("The places open to online booking that day are all taken. "
                         "Please choose another day, or call the station."))


def place(station: Station, service: str, day: date, starts: time, *, name: str, phone: str,
          channel: str, hours: Hours, created_by: int | None = None,
          status: str = BOOKED, **extra) -> Booking:
    """Take a place in the slot (and, online, one of the day's online places) and write
    the booking, without the calendar rules (demo data records past days with it);
    ``extra`` are more of its columns. Raises :class:`Full` when no place is left, and
    writes nothing then."""
    slot_id = _slot_id(station, service, day, starts)
    day_id = _day_id(station, service, day) if channel == ONLINE else None
    # A savepoint: the slot's place goes back if the day's online share is used, or if
    # the booking's unique index refuses it.
    with db.session.begin_nested():
        taken = db.session.execute(
            update(Slot).where(Slot.id == slot_id, Slot.booked < hours.capacity)
            .values(booked=Slot.booked + 1).execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise _full(starts)
        if day_id is not None and db.session.execute(
                update(Day).where(Day.id == day_id, Day.online < hours.online_places)
                .values(online=Day.online + 1).execution_options(synchronize_session=False)
        ).rowcount != 1:
            raise _online_full()
        booking = Booking(
            code=_new_code(), slot_id=slot_id, service=service, day=day, starts=starts,
            ends=hours.ends(starts), documents=bookable().get(service), name=name,
            phone=phone, channel=channel, status=status, created_by=created_by, **extra,
        )
        db.session.add(booking)
        db.session.flush()
    return booking


def _upsert(model, station: Station, **values) -> int:
    """The counter row of ``values``, created if it is the first booking there. Two first
    bookings at once both pass: the loser's insert does nothing and it finds the winner's
    row."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(model).values(tenant_id=station.id, **values)
        .on_conflict_do_nothing(index_elements=["tenant_id", *values])
    )
    return db.session.scalar(select(model.id).filter_by(**values))


def _slot_id(station: Station, service: str, day: date, starts: time) -> int:
    return _upsert(Slot, station, service=service, day=day, starts=starts)


def _day_id(station: Station, service: str, day: date) -> int:
    return _upsert(Day, station, service=service, day=day)


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Booking.id).where(Booking.code == code)) is None:
            return code


def _give_back(booking: Booking) -> None:
    """The place of a booking that no longer takes it goes back to its slot (and day)."""
    db.session.execute(
        update(Slot).where(Slot.id == booking.slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1).execution_options(synchronize_session=False)
    )
    if booking.channel == ONLINE:
        db.session.execute(
            update(Day).where(Day.service == booking.service, Day.day == booking.day,
                              Day.online > 0)
            .values(online=Day.online - 1).execution_options(synchronize_session=False)
        )


def cancel(booking: Booking, by: int | None = None) -> None:
    """Cancel a live booking and give its place back; the caller commits. When staff
    cancel it (``by``), the person is told by text."""
    _finish(booking, CANCELLED, by)
    _give_back(booking)
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


def release(booking: Booking, reason: str, by: int | None = None,
            note: str | None = None) -> bool:
    """Give back the place of a hold or an online booking that will not be used (the hold
    ran out, too many wrong codes, or staff found it fake); the caller commits. False,
    changing nothing, when it is no longer live. Staff releasing a confirmed booking
    (``by``) tell its phone, since someone may be counting on it; a hold was never
    confirmed to anyone, so no one is told."""
    db.session.refresh(booking, with_for_update=True)
    if booking.status not in LIVE:
        return False
    was = booking.status
    booking.status, booking.release_reason, booking.release_note = RELEASED, reason, note
    booking.handled_by, booking.handled_at, booking.expires_at = by, utcnow(), None
    _give_back(booking)
    if by is not None and was == BOOKED:
        with force_locale(SMS_LOCALE):
            text = _("%(station)s: the booking for %(service)s on %(day)s at %(time)s "
                     "(code %(code)s) made with this phone number was released by the "
                     "station. If you made it yourself, please call the station or book "
                     "again.",
                     station=_station_name(booking), service=booking.service,
                     day=day_label(booking.day), time=hhmm(booking.starts),
                     code=booking.code)
        queue_message(booking.phone, text, key=f"appointments.released:{booking.id}",
                      object_type="booking", object_id=booking.id)
    return True


def release_expired() -> int:
    """Release the holds whose time ran out; the caller commits. Run lazily before places
    are counted (the public pages, the day at the window) and by the module's job, so a
    place is never kept by a hold nobody confirmed. Returns how many were released."""
    due = db.session.scalars(select(Booking).where(
        Booking.status == HELD, Booking.expires_at <= utcnow()).order_by(Booking.id)).all()
    return sum(release(hold, EXPIRED) for hold in due)


def release_expired_now() -> None:
    """:func:`release_expired`, committed at once: for a page about to count places,
    whatever it then refuses or writes."""
    if release_expired():
        db.session.commit()


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


def code_text(hold: Booking, code: str) -> str:
    with force_locale(SMS_LOCALE):
        return _("%(station)s: your code is %(code)s. Enter it on the booking page within "
                 "%(minutes)d minutes to confirm %(service)s on %(day)s at %(time)s. If you "
                 "did not ask for it, ignore this text: the place is given back by itself.",
                 station=_station_name(hold), code=code, minutes=HOLD_MINUTES,
                 service=hold.service, day=day_label(hold.day), time=hhmm(hold.starts))


def already_booked_text(booking: Booking) -> str:
    with force_locale(SMS_LOCALE):
        return _("%(station)s: this phone number already has a booking for %(service)s on "
                 "%(day)s at %(time)s, code %(code)s. No new booking was made. To choose "
                 "another time, cancel this one first on the booking page.",
                 station=_station_name(booking), service=booking.service,
                 day=day_label(booking.day), time=hhmm(booking.starts), code=booking.code)


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
