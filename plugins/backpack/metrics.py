"""Figures for the county dashboard, for one period, all six from one read of the
requests finished or delivered in it, for every station at once.

Trips saved: 一次不要跑 counts the trips to the station a resident did not have to make.
A home service done saves one trip; a certificate then delivered to the home saves the
second one (the resident would otherwise come back to collect it). Hours saved are those
trips times the station's typical round trip (the ``round_trip_hours`` setting)."""

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.plugin_api import HIGHER, LOWER, MEDIAN, Metric, Period, db

from .models import CANNOT, DONE, HomeRequest


@dataclass
class Finished:
    """One station's requests of the period: those done in it (requested on, done on,
    delivered or not), how many could not be done, how many certificates were delivered."""

    round_trip_hours: float
    done: list[tuple[date, date, bool]] = field(default_factory=list)
    cannot: int = 0
    delivered: int = 0


def finished(period: Period, stations) -> dict[int, Finished]:
    """Each station's requests finished (done or not possible) or delivered in the period."""
    out = {station_id: Finished(config["round_trip_hours"])
           for station_id, config in stations.items()}
    in_period = (HomeRequest.finished_on >= period.start) & (HomeRequest.finished_on < period.end)
    delivered = ((HomeRequest.delivered_on >= period.start)
                 & (HomeRequest.delivered_on < period.end))
    rows = db.session.execute(
        select(HomeRequest.tenant_id, HomeRequest.status, HomeRequest.requested_on,
               HomeRequest.finished_on, HomeRequest.delivered_on)
        .where(HomeRequest.tenant_id.in_(list(stations)),
               or_(and_(HomeRequest.status.in_((DONE, CANNOT)), in_period), delivered))
    )
    for station_id, status, asked, done, delivered_on in rows:
        figures = out[station_id]
        if done is not None and done in period:
            if status == DONE:
                figures.done.append((asked, done, delivered_on is not None))
            elif status == CANNOT:
                figures.cannot += 1
        if delivered_on is not None and delivered_on in period:
            figures.delivered += 1
    return out


LIST = "plugin_backpack.index"


def done_in(period: Period) -> tuple[str, dict]:
    return LIST, {"status": DONE, "finished": period.label}


def cannot_in(period: Period) -> tuple[str, dict]:
    return LIST, {"status": CANNOT, "finished": period.label}


def delivered_in(period: Period) -> tuple[str, dict]:
    return LIST, {"status": "all", "delivered": period.label}


def services_done(f: Finished) -> int:
    return len(f.done)


def certificates_delivered(f: Finished) -> int:
    return f.delivered


def median_days_to_done(f: Finished) -> float | None:
    """Of the requests done in the period, the median days from request to done."""
    if not f.done:
        return None
    return float(median((done - asked).days for asked, done, _ in f.done))


def done_count(f: Finished) -> int:
    return len(f.done)


def trips_saved(f: Finished) -> int:
    return len(f.done) + sum(delivered for _, _, delivered in f.done)


def hours_saved(f: Finished) -> float:
    return round(trips_saved(f) * f.round_trip_hours, 1)


def could_not_be_done(f: Finished) -> int:
    return f.cannot


METRICS = (
    Metric("backpack.done", _l("Home services done"), _l("services"),
           by_station=finished, figure=services_done, better=HIGHER, drill=done_in),
    Metric("backpack.delivered", _l("Certificates delivered"), _l("certificates"),
           by_station=finished, figure=certificates_delivered, better=HIGHER,
           drill=delivered_in),
    Metric("backpack.median_days", _l("Median days from request to done"), _l("days"),
           by_station=finished, figure=median_days_to_done, kind=MEDIAN, volume=done_count,
           better=LOWER, drill=done_in,
           description=_l("Of the requests done in the period, the median days from the "
                          "request to the day nothing remained.")),
    Metric("backpack.trips_saved", _l("Trips saved"), _l("trips"),
           by_station=finished, figure=trips_saved, better=HIGHER, drill=done_in,
           description=_l("One per home service done, one more when its certificate was "
                          "delivered to the home.")),
    Metric("backpack.hours_saved", _l("Hours of travel saved"), _l("hours"),
           by_station=finished, figure=hours_saved, better=HIGHER, drill=done_in,
           description=_l("Trips saved times the station's typical round trip (a setting).")),
    Metric("backpack.cannot_be_done", _l("Requests that could not be done"), _l("requests"),
           by_station=finished, figure=could_not_be_done, better=LOWER, drill=cannot_in),
)
