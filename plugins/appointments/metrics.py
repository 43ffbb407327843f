"""Figures for the county dashboard, counted by the day of the appointment."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.plugin_api import Metric, Period, db

from .models import ARRIVED, CANCELLED, HELD, NO_SHOW, RELEASED, Booking


def _by_status(period: Period) -> dict[str, int]:
    return dict(db.session.execute(
        select(Booking.status, func.count())
        .where(Booking.day >= period.start, Booking.day < period.end)
        .group_by(Booking.status)
    ).all())


def booked(period: Period) -> int:
    """Appointments for days in the period, not counting those cancelled, released or
    still waiting for their text code."""
    counts = _by_status(period)
    return sum(n for status, n in counts.items() if status not in (CANCELLED, RELEASED, HELD))


def attended(period: Period) -> int:
    return _by_status(period).get(ARRIVED, 0)


def no_shows(period: Period) -> int:
    return _by_status(period).get(NO_SHOW, 0)


def no_show_share(period: Period) -> float | None:
    """Of the appointments whose outcome is noted, the share where nobody came (%)."""
    counts = _by_status(period)
    noted = counts.get(ARRIVED, 0) + counts.get(NO_SHOW, 0)
    if not noted:
        return None
    return round(100 * counts.get(NO_SHOW, 0) / noted, 1)


def cancelled(period: Period) -> int:
    return _by_status(period).get(CANCELLED, 0)


METRICS = (
    Metric("appointments.booked", _l("Appointments"), _l("appointments"), booked,
           _l("Appointments at the window for days in the period, not counting those "
              "cancelled, released or still waiting for their text code.")),
    Metric("appointments.attended", _l("People who came"), _l("people"), attended),
    Metric("appointments.no_show", _l("People who did not come"), _l("people"), no_shows),
    Metric("appointments.no_show_share", _l("No-show share"), "%", no_show_share,
           _l("Of the appointments whose outcome is noted, the share where nobody came.")),
    Metric("appointments.cancelled", _l("Cancelled"), _l("appointments"), cancelled),
)
