"""Window appointments: the places taken in each time slot, and the bookings themselves."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.plugin_api import TenantScoped, db, tenant_foreign_key, utcnow

from .labels import CHANNEL_LABELS, RELEASE_LABELS, STATUS_LABELS

BOOKED, CANCELLED, ARRIVED, NO_SHOW = "booked", "cancelled", "arrived", "no_show"
# An online booking waiting for the code texted to its phone, and one whose place was
# given back without the person coming: the hold ran out, or staff released it.
HELD, RELEASED = "held", "released"
STATUSES = (HELD, BOOKED, CANCELLED, RELEASED, ARRIVED, NO_SHOW)
LIVE = (HELD, BOOKED)  # they take a place that is still to come

# Why a place was released (``Booking.release_reason``).
EXPIRED, TRIES = "expired", "tries"  # by the rules: the hold ran out, too many wrong codes
SUSPECT, DUPLICATE, UNCONFIRMED, OTHER = "suspect", "duplicate", "unconfirmed", "other"
STAFF_REASONS = (SUSPECT, DUPLICATE, UNCONFIRMED, OTHER)

# How the booking was made: on the public page, or by staff for a caller.
ONLINE, PHONE, WECHAT, WALK_IN = "online", "phone", "wechat", "walk_in"
CHANNELS = (ONLINE, PHONE, WECHAT, WALK_IN)
STAFF_CHANNELS = (PHONE, WECHAT, WALK_IN)


class Slot(TenantScoped, db.Model):
    """The places taken for one service at one time on one day.

    Created on demand when the first person books it. ``booked`` only ever changes by a
    single conditional UPDATE (``booked < capacity``), so two people taking the last place
    at the same moment cannot both get it.
    """

    __tablename__ = "appointments_slot"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "service", "day", "starts"),)
    __audit__ = False  # a counter kept by the database; the bookings are the audited record
    __label__ = _l("Time slot")
    __labels__ = {"service": _l("Service"), "starts": _l("Starts at"),
                  "booked": _l("Places taken")}

    service: Mapped[str] = mapped_column(String(40))
    day: Mapped[date]
    starts: Mapped[time]
    booked: Mapped[int] = mapped_column(default=0)


class Day(TenantScoped, db.Model):
    """The places of one service on one day taken online, against the share of the day
    the station opens to online booking; the rest is kept for staff booking for callers.

    Changed like ``Slot.booked``, by one conditional UPDATE, so two residents cannot both
    take the last online place.
    """

    __tablename__ = "appointments_day"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "service", "day"),)
    __audit__ = False  # a counter kept by the database, like the slots
    __label__ = _l("Online places of a day")
    __labels__ = {"service": _l("Service"), "day": _l("Day"),
                  "online": _l("Places taken online")}

    service: Mapped[str] = mapped_column(String(40))
    day: Mapped[date]
    online: Mapped[int] = mapped_column(default=0)


class Booking(TenantScoped, db.Model):
    """One person's appointment at the window: what, when, who, and what became of it."""

    __tablename__ = "appointments_booking"
    __tenant_table_args__ = (
        tenant_foreign_key("slot_id", "appointments_slot"),
        UniqueConstraint("tenant_id", "code"),
        Index("ix_appointments_booking_day", "tenant_id", "day", "starts"),
        Index("ix_appointments_booking_phone", "tenant_id", "phone", "created_at"),
        # One live booking per phone, service and day, even for a double-tapped button.
        Index("uq_appointments_booking_active", "tenant_id", "phone", "service", "day",
              unique=True, sqlite_where=text("status = 'booked'"),
              postgresql_where=text("status = 'booked'")),
        # And one hold waiting for its code, whoever asks again meanwhile.
        Index("uq_appointments_booking_held", "tenant_id", "phone", "service", "day",
              unique=True, sqlite_where=text("status = 'held'"),
              postgresql_where=text("status = 'held'")),
        Index("ix_appointments_booking_expiry", "tenant_id", "status", "expires_at"),
    )
    __pii__ = {"name": "name", "phone": "phone"}
    # A digest of the texted code is still a way to test codes: the log keeps that it
    # changed, never its value.
    __audit_redact__ = {"code_hash"}
    __label__ = _l("Appointment")
    __labels__ = {"code": _l("Booking code"), "slot_id": _l("Time slot"),
                  "service": _l("Service"), "starts": _l("Starts at"), "ends": _l("Ends at"),
                  "documents": _l("What to bring"), "channel": _l("How it was booked"),
                  "handled_by": _l("Handled by"), "handled_at": _l("Handled at"),
                  "expires_at": _l("Held until"), "code_hash": _l("Text code"),
                  "client_hash": _l("Network (digest)"),
                  "release_reason": _l("Why it was released"),
                  "release_note": _l("Note on the release")}
    __value_labels__ = {"status": STATUS_LABELS, "channel": CHANNEL_LABELS,
                        "release_reason": RELEASE_LABELS}

    code: Mapped[str] = mapped_column(String(8))
    slot_id: Mapped[int]
    service: Mapped[str] = mapped_column(String(40))
    day: Mapped[date]
    starts: Mapped[time]
    ends: Mapped[time]
    # What to bring, as the catalogue said when the booking was made.
    documents: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=BOOKED)
    channel: Mapped[str] = mapped_column(String(12), default=ONLINE)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_at: Mapped[datetime | None]
    # Online holds (status held): when the place goes back unless the code is entered,
    # and the digest of the code texted to the phone (none: the phone may not book, so
    # the hold can never be confirmed and only keeps the answer the same).
    expires_at: Mapped[datetime | None]
    code_hash: Mapped[str | None] = mapped_column(String(64))
    # Online bookings: a keyed digest of the network address they came from, enough to
    # see many bookings from one place without keeping the address itself.
    client_hash: Mapped[str | None] = mapped_column(String(16))
    release_reason: Mapped[str | None] = mapped_column(String(12))
    release_note: Mapped[str | None] = mapped_column(String(100))

