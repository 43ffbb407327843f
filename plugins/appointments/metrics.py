"""Figures for the county dashboard, counted by the day of the appointment: the five of
them from one count of each station's appointments by status, for every station at once."""

from flask_babel import lazy_gettext as _l

from app.plugin_api import HIGHER, LOWER, RATE, Metric, Period, counted

from .models import ARRIVED, CANCELLED, HELD, NO_SHOW, RELEASED, Booking


def by_status(period: Period, stations) -> dict[int, dict[str, int]]:
    """Each station's appointments for days in the period, counted by status."""
    return counted(Booking, stations, Booking.day, period, by=Booking.status)


def booked(counts: dict[str, int]) -> int:
    """Appointments for days in the period, not counting those cancelled, released or
    still waiting for their text code."""
    return sum(n for status, n in counts.items() if status not in (CANCELLED, RELEASED, HELD))


def attended(counts: dict[str, int]) -> int:
    return counts.get(ARRIVED, 0)


def no_shows(counts: dict[str, int]) -> int:
    return counts.get(NO_SHOW, 0)


def no_shows_of_noted(counts: dict[str, int]) -> tuple[int, int]:
    """Of the appointments whose outcome is noted (numerator, denominator): nobody came."""
    return counts.get(NO_SHOW, 0), counts.get(ARRIVED, 0) + counts.get(NO_SHOW, 0)


def cancelled(counts: dict[str, int]) -> int:
    return counts.get(CANCELLED, 0)


LIST = "plugin_appointments.bookings"


def listed(status: str):
    """The drill-down of a figure: the period's appointments of ``status`` (a status, or
    the list's groups ``kept`` and ``noted``)."""
    def drill(period: Period) -> tuple[str, dict]:
        return LIST, {"period": period.label, "status": status}
    return drill


METRICS = (
    Metric("appointments.booked", _l("Appointments"), _l("appointments"),
           by_station=by_status, figure=booked, better=HIGHER, drill=listed("kept"),
           description=_l("Appointments at the window for days in the period, not counting "
                          "those cancelled, released or still waiting for their text code.")),
    Metric("appointments.attended", _l("People who came"), _l("people"),
           by_station=by_status, figure=attended, better=HIGHER, drill=listed(ARRIVED)),
    Metric("appointments.no_show", _l("People who did not come"), _l("people"),
           by_station=by_status, figure=no_shows, better=LOWER, drill=listed(NO_SHOW)),
    Metric("appointments.no_show_share", _l("No-show share"), "%",
           by_station=by_status, kind=RATE, parts=no_shows_of_noted, better=LOWER,
           drill=listed("noted"),
           description=_l("Of the appointments whose outcome is noted, the share where "
                          "nobody came.")),
    Metric("appointments.cancelled", _l("Cancelled"), _l("appointments"),
           by_station=by_status, figure=cancelled, drill=listed(CANCELLED)),
)
