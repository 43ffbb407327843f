"""The module's recurring jobs: the evening before, remind everyone booked for tomorrow;
every few minutes, give back the places of holds nobody confirmed."""

from datetime import timedelta

from sqlalchemy import select

from app.plugin_api import db, local_today, queue_message, settings

from .booking import release_expired, reminder_text
from .models import BOOKED, Booking


def send_reminders() -> int:
    """Queue a text for each booking of tomorrow still open; returns how many were new.
    Idempotent: each booking's reminder has its own outbox key, so a rerun queues none."""
    if not settings("appointments")["reminder"]:
        return 0
    tomorrow = local_today() + timedelta(days=1)
    due = db.session.scalars(
        select(Booking).where(Booking.day == tomorrow, Booking.status == BOOKED)
        .order_by(Booking.starts, Booking.id)
    ).all()
    queued = 0
    for booking in due:
        queued += queue_message(
            booking.phone, reminder_text(booking), key=f"appointments.reminder:{booking.id}",
            object_type="booking", object_id=booking.id,
        )
    db.session.flush()
    return queued



def release_holds() -> int:
    """Release the holds whose time ran out (the pages do it too as they count places;
    this keeps the day at the window right when nobody opens them). Returns how many."""
    released = release_expired()
    db.session.flush()
    return released
