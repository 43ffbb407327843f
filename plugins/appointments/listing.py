"""The appointments of a period, for the list the county's figures open: those of days in
the period, of one status or of the groups the figures count (kept: neither cancelled,
released nor waiting for their code; noted: came or did not come)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.plugin_api import Form, Period, Text, period_pattern, validate

from .labels import STATUS_LABELS
from .models import ARRIVED, CANCELLED, HELD, NO_SHOW, RELEASED, Booking

# The figures' groups of statuses, beside each status of its own.
GROUPS = {"kept": None, "noted": (ARRIVED, NO_SHOW)}
GROUP_LABELS = {"kept": _l("Kept (not cancelled, released or waiting for the code)"),
                "noted": _l("Came or did not come")}


class BookingFilter(Form):
    period = Text(load_default=None, validate=period_pattern())
    status = Text(load_default=None, validate=validate.OneOf(
        (*STATUS_LABELS, *GROUPS), error=_l("Please choose one of the listed options.")))


def filtered(data: dict, default: Period):
    """The appointments ``data`` asks for (``period`` defaulting to ``default``), by day."""
    period = Period.parse(data.get("period"), default=default)
    query = (select(Booking).where(Booking.day >= period.start, Booking.day < period.end)
             .order_by(Booking.day, Booking.starts, Booking.id))
    status = data.get("status")
    if status == "kept":
        query = query.where(Booking.status.not_in((CANCELLED, RELEASED, HELD)))
    elif status in GROUPS:
        query = query.where(Booking.status.in_(GROUPS[status]))
    elif status:
        query = query.where(Booking.status == status)
    return query, period
