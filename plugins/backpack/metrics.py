"""Figures for the county dashboard, each computed for one station and one period.

Trips saved: 一次不要跑 counts the trips to the station a resident did not have to make.
A home service done saves one trip; a certificate then delivered to the home saves the
second one (the resident would otherwise come back to collect it). Hours saved are those
trips times the station's typical round trip (the ``round_trip_hours`` setting)."""

from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.plugin_api import Metric, Period, db, settings

from .models import CANNOT, DONE, HomeRequest


def _finished(period: Period, status: str):
    return select(HomeRequest).where(
        HomeRequest.status == status,
        HomeRequest.finished_on >= period.start, HomeRequest.finished_on < period.end,
    )


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def services_done(period: Period) -> int:
    return _count(_finished(period, DONE))


def certificates_delivered(period: Period) -> int:
    return db.session.scalar(
        select(func.count()).select_from(HomeRequest)
        .where(HomeRequest.delivered_on >= period.start, HomeRequest.delivered_on < period.end)
    )


def median_days_to_done(period: Period) -> float | None:
    """Of the requests done in the period, the median days from request to done."""
    rows = db.session.execute(
        _finished(period, DONE).with_only_columns(HomeRequest.requested_on,
                                                  HomeRequest.finished_on)
    ).all()
    if not rows:
        return None
    return float(median((done - asked).days for asked, done in rows))


def trips_saved(period: Period) -> int:
    done = _finished(period, DONE).subquery()
    delivered = db.session.scalar(
        select(func.count()).select_from(done).where(done.c.delivered_on.is_not(None)))
    return services_done(period) + delivered


def hours_saved(period: Period) -> float:
    return round(trips_saved(period) * settings("backpack")["round_trip_hours"], 1)


def could_not_be_done(period: Period) -> int:
    return _count(_finished(period, CANNOT))


METRICS = (
    Metric("backpack.done", _l("Home services done"), _l("services"), services_done),
    Metric("backpack.delivered", _l("Certificates delivered"), _l("certificates"),
           certificates_delivered),
    Metric("backpack.median_days", _l("Median days from request to done"), _l("days"),
           median_days_to_done,
           _l("Of the requests done in the period, the median days from the request to the "
              "day nothing remained.")),
    Metric("backpack.trips_saved", _l("Trips saved"), _l("trips"), trips_saved,
           _l("One per home service done, one more when its certificate was delivered to "
              "the home.")),
    Metric("backpack.hours_saved", _l("Hours of travel saved"), _l("hours"), hours_saved,
           _l("Trips saved times the station's typical round trip (a setting).")),
    Metric("backpack.cannot_be_done", _l("Requests that could not be done"), _l("requests"),
           could_not_be_done),
)
