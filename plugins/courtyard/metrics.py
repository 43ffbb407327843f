"""Figures for the county dashboard, each computed for one station and one period."""

from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.plugin_api import Metric, Period, db

from .models import RESOLVED, Concern, Session


def sessions_held(period: Period) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Session)
        .where(Session.held_on >= period.start, Session.held_on < period.end)
    )


def concerns_raised(period: Period) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Concern)
        .where(Concern.raised_on >= period.start, Concern.raised_on < period.end)
    )


def share_resolved(period: Period) -> float | None:
    """Of the concerns raised in the period, the share resolved so far (%)."""
    raised = concerns_raised(period)
    if not raised:
        return None
    resolved = db.session.scalar(
        select(func.count()).select_from(Concern).where(
            Concern.raised_on >= period.start, Concern.raised_on < period.end,
            Concern.status == RESOLVED,
        )
    )
    return round(100 * resolved / raised, 1)


def median_days_to_resolve(period: Period) -> float | None:
    """Of the concerns resolved in the period, the median days from session to result."""
    rows = db.session.execute(
        select(Concern.raised_on, Concern.finished_on).where(
            Concern.status == RESOLVED,
            Concern.finished_on >= period.start, Concern.finished_on < period.end,
        )
    ).all()
    if not rows:
        return None
    return float(median((finished - raised).days for raised, finished in rows))


METRICS = (
    Metric("courtyard.sessions", _l("Sessions held"), _l("sessions"), sessions_held),
    Metric("courtyard.concerns", _l("Concerns raised"), _l("concerns"), concerns_raised),
    Metric("courtyard.resolved_share", _l("Share resolved"), "%", share_resolved,
           _l("Of the concerns raised in the period, the share resolved so far.")),
    Metric("courtyard.median_days", _l("Median days to resolve"), _l("days"),
           median_days_to_resolve,
           _l("Of the concerns resolved in the period, the median days from session to "
              "result.")),
)
