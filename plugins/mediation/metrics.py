"""The county's yardsticks (seeds 000-004): cases received, mediation rate, share settled at
the first level, median days to close, cases turned criminal, long-standing grudges settled.

A case counts once, by its final outcome, in the period of its last close: one mediated
again after its agreement was not kept is open until it closes again; one closed with an
agreement found not kept is closed but not settled."""

from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.plugin_api import Metric, Period, db

from .models import CLOSED, CRIMINAL, SETTLED_OUTCOMES, Case, not_kept


def _closed(period: Period):
    return select(Case).where(Case.status == CLOSED, Case.closed_on >= period.start,
                              Case.closed_on < period.end)


def _settled(cases) -> list[Case]:
    broken = not_kept(cases)
    return [c for c in cases if c.outcome in SETTLED_OUTCOMES and c.id not in broken]


def received(period: Period) -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.opened_on >= period.start, Case.opened_on < period.end))


def mediation_rate(period: Period) -> float | None:
    """Closed with an agreement or settled, of all closed in the period (调解率), in %."""
    closed = db.session.scalars(_closed(period)).all()
    if not closed:
        return None
    return round(100 * len(_settled(closed)) / len(closed), 1)


def first_level_share(period: Period) -> float | None:
    """Of the cases settled in the period, the share settled at the first level, in %."""
    settled = _settled(db.session.scalars(_closed(period)).all())
    if not settled:
        return None
    return round(100 * sum(c.level == 1 for c in settled) / len(settled), 1)


def median_days_to_close(period: Period) -> float | None:
    days = [(c.closed_on - c.opened_on).days for c in db.session.scalars(_closed(period))]
    return float(median(days)) if days else None


def turned_criminal(period: Period) -> int:
    """民转刑: civil disputes closed as criminal cases in the period (the aim is 0)."""
    return sum(c.outcome == CRIMINAL for c in db.session.scalars(_closed(period)))


def grudges_settled(period: Period) -> int:
    """十年以上积怨: disputes that began ten or more years before they were settled."""
    return sum(
        1 for c in _settled(db.session.scalars(_closed(period)).all())
        if c.dispute_began_on is not None
        and (c.closed_on.year - c.dispute_began_on.year
             - ((c.closed_on.month, c.closed_on.day)
                < (c.dispute_began_on.month, c.dispute_began_on.day))) >= 10
    )


METRICS = (
    Metric("mediation.received", _l("Cases received"), _l("cases"), received),
    Metric("mediation.rate", _l("Mediation rate"), "%", mediation_rate,
           _l("Closed with an agreement or settled, of all cases closed in the period.")),
    Metric("mediation.first_level", _l("Settled at the first level"), "%", first_level_share,
           _l("Of the cases settled in the period, the share settled at the first level.")),
    Metric("mediation.median_days", _l("Median days to close"), _l("days"),
           median_days_to_close),
    Metric("mediation.criminal", _l("Turned criminal"), _l("cases"), turned_criminal,
           _l("Civil disputes that became criminal cases (民转刑); the aim is none.")),
    Metric("mediation.grudges", _l("Long-standing grudges settled"), _l("cases"),
           grudges_settled, _l("Disputes ten or more years old, settled in the period.")),
)
