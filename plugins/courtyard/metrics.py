"""Figures for the county dashboard, for one period and every station at once: the
sessions held counted per station, the three figures of concerns from one read of them."""

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.plugin_api import HIGHER, LOWER, MEDIAN, RATE, Metric, Period, counted, db

from .models import RESOLVED, Concern, Session

LIST = "plugin_courtyard.concerns"


def raised_in(period: Period) -> tuple[str, dict]:
    return LIST, {"status": "all", "raised": period.label}


def resolved_in(period: Period) -> tuple[str, dict]:
    return LIST, {"status": "all", "resolved": period.label}


def sessions_held(period: Period, stations) -> dict[int, int]:
    return counted(Session, stations, Session.held_on, period)


@dataclass
class Concerns:
    """One station's concerns: how many were raised in the period and how many of those
    are resolved, and (raised on, finished on) of those resolved in the period."""

    raised: int = 0
    raised_resolved: int = 0
    resolved: list[tuple[date, date]] = field(default_factory=list)


def concerns(period: Period, stations) -> dict[int, Concerns]:
    """Each station's concerns raised in the period or resolved in it."""
    out = {station_id: Concerns() for station_id in stations}
    rows = db.session.execute(
        select(Concern.tenant_id, Concern.status, Concern.raised_on, Concern.finished_on)
        .where(Concern.tenant_id.in_(list(stations)), or_(
            (Concern.raised_on >= period.start) & (Concern.raised_on < period.end),
            (Concern.status == RESOLVED) & (Concern.finished_on >= period.start)
            & (Concern.finished_on < period.end)))
    )
    for station_id, status, raised, finished in rows:
        figures = out[station_id]
        if raised in period:
            figures.raised += 1
            figures.raised_resolved += status == RESOLVED
        if status == RESOLVED and finished is not None and finished in period:
            figures.resolved.append((raised, finished))
    return out


def concerns_raised(c: Concerns) -> int:
    return c.raised


def resolved_of_raised(c: Concerns) -> tuple[int, int]:
    """Of the concerns raised in the period, those resolved so far."""
    return c.raised_resolved, c.raised


def resolved_count(c: Concerns) -> int:
    return len(c.resolved)


def median_days_to_resolve(c: Concerns) -> float | None:
    """Of the concerns resolved in the period, the median days from session to result."""
    if not c.resolved:
        return None
    return float(median((finished - raised).days for raised, finished in c.resolved))


METRICS = (
    Metric("courtyard.sessions", _l("Sessions held"), _l("sessions"), by_station=sessions_held,
           better=HIGHER),
    Metric("courtyard.concerns", _l("Concerns raised"), _l("concerns"),
           by_station=concerns, figure=concerns_raised, drill=raised_in),  # neither way
    Metric("courtyard.resolved_share", _l("Share resolved"), "%",
           by_station=concerns, kind=RATE, parts=resolved_of_raised, better=HIGHER,
           drill=raised_in,
           description=_l("Of the concerns raised in the period, the share resolved so far.")),
    Metric("courtyard.median_days", _l("Median days to resolve"), _l("days"),
           by_station=concerns, figure=median_days_to_resolve, kind=MEDIAN,
           volume=resolved_count, better=LOWER, drill=resolved_in,
           description=_l("Of the concerns resolved in the period, the median days from "
                          "session to result.")),
)
