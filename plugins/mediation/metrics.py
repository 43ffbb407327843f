"""The county's yardsticks (seeds 000-004): cases received, mediation rate, share settled at
the first level, median days to close, cases turned criminal, long-standing grudges settled.

A case counts once, by its final outcome, in the period of its last close: one mediated
again after its agreement was not kept is open until it closes again; one closed with an
agreement found not kept is closed but not settled.

Computed for every station at once: the cases received counted per station, the five
others from one read of the cases closed in the period (and which agreements were not
kept), split by station."""

from dataclasses import dataclass
from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.plugin_api import HIGHER, LOWER, MEDIAN, RATE, Metric, Period, counted, db

from .models import CLOSED, CRIMINAL, SETTLED_OUTCOMES, Case, not_kept

LIST = "plugin_mediation.index"


def opened_in(period: Period) -> tuple[str, dict]:
    return LIST, {"period": period.label}


def closed_in(period: Period) -> tuple[str, dict]:
    return LIST, {"closed": period.label}


def turned_criminal_in(period: Period) -> tuple[str, dict]:
    return LIST, {"closed": period.label, "outcome": CRIMINAL}


def received_by_station(period: Period, stations) -> dict[int, int]:
    return counted(Case, stations, Case.opened_on, period)


@dataclass
class Closed:
    """One station's cases closed in the period, and those of them settled."""

    cases: list
    settled: list


def closed_cases(period: Period, stations) -> dict[int, Closed]:
    """Each station's cases closed in the period (their last close)."""
    cases = db.session.execute(
        select(Case.id, Case.tenant_id, Case.status, Case.outcome, Case.level, Case.opened_on,
               Case.closed_on, Case.dispute_began_on)
        .where(Case.tenant_id.in_(list(stations)), Case.status == CLOSED,
               Case.closed_on >= period.start, Case.closed_on < period.end)
        .order_by(Case.id)
    ).all()
    broken = not_kept(cases)  # one read for every station's agreements
    out = {station_id: Closed([], []) for station_id in stations}
    for case in cases:
        out[case.tenant_id].cases.append(case)
        if case.outcome in SETTLED_OUTCOMES and case.id not in broken:
            out[case.tenant_id].settled.append(case)
    return out


def settled_of_closed(c: Closed) -> tuple[int, int]:
    """Closed with an agreement or settled, of all closed in the period (调解率)."""
    return len(c.settled), len(c.cases)


def first_level_of_settled(c: Closed) -> tuple[int, int]:
    """Of the cases settled in the period, those settled at the first level."""
    return sum(case.level == 1 for case in c.settled), len(c.settled)


def median_days_to_close(c: Closed) -> float | None:
    days = [(case.closed_on - case.opened_on).days for case in c.cases]
    return float(median(days)) if days else None


def closed_count(c: Closed) -> int:
    return len(c.cases)


def turned_criminal(c: Closed) -> int:
    """民转刑: civil disputes closed as criminal cases in the period (the aim is 0)."""
    return sum(case.outcome == CRIMINAL for case in c.cases)


def grudges_settled(c: Closed) -> int:
    """十年以上积怨: disputes that began ten or more years before they were settled."""
    return sum(
        1 for case in c.settled
        if case.dispute_began_on is not None
        and (case.closed_on.year - case.dispute_began_on.year
             - ((case.closed_on.month, case.closed_on.day)
                < (case.dispute_began_on.month, case.dispute_began_on.day))) >= 10
    )


METRICS = (
    Metric("mediation.received", _l("Cases received"), _l("cases"),
           by_station=received_by_station, drill=opened_in),  # neither way is better
    Metric("mediation.rate", _l("Mediation rate"), "%",
           by_station=closed_cases, kind=RATE, parts=settled_of_closed, better=HIGHER,
           drill=closed_in,
           description=_l("Closed with an agreement or settled, of all cases closed in the "
                          "period.")),
    Metric("mediation.first_level", _l("Settled at the first level"), "%",
           by_station=closed_cases, kind=RATE, parts=first_level_of_settled,
           better=HIGHER,
           description=_l("Of the cases settled in the period, the share settled at the "
                          "first level.")),
    Metric("mediation.median_days", _l("Median days to close"), _l("days"),
           by_station=closed_cases, figure=median_days_to_close, kind=MEDIAN,
           volume=closed_count, better=LOWER, drill=closed_in),
    Metric("mediation.criminal", _l("Turned criminal"), _l("cases"),
           by_station=closed_cases, figure=turned_criminal, better=LOWER,
           drill=turned_criminal_in,
           description=_l("Civil disputes that became criminal cases (民转刑); the aim is "
                          "none.")),
    Metric("mediation.grudges", _l("Long-standing grudges settled"), _l("cases"),
           by_station=closed_cases, figure=grudges_settled, better=HIGHER,
           description=_l("Disputes ten or more years old, settled in the period.")),
)
