"""Window appointments: the places taken in each time slot, and the bookings themselves."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.plugin_api import TenantScoped, db, tenant_foreign_key, utcnow

from .labels import CHANNEL_LABELS, STATUS_LABELS

BOOKED, CANCELLED, ARRIVED, NO_SHOW = "booked", "cancelled", "arrived", "no_show"
STATUSES = (BOOKED, CANCELLED, ARRIVED, NO_SHOW)

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
    )
    __pii__ = {"name": "name", "phone": "phone"}
    __label__ = _l("Appointment")
    __labels__ = {"code": _l("Booking code"), "slot_id": _l("Time slot"),
                  "service": _l("Service"), "starts": _l("Starts at"), "ends": _l("Ends at"),
                  "documents": _l("What to bring"), "channel": _l("How it was booked"),
                  "handled_by": _l("Handled by"), "handled_at": _l("Handled at")}
    __value_labels__ = {"status": STATUS_LABELS, "channel": CHANNEL_LABELS}

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

