"""The county's screen for the month (月晾晒): for each module's metrics, every station
ranked for the period, with its change against another period (the one before unless
chosen) and against the same period a year before, its figure marked where it misses the
county's target. Counts are compared per 10,000 residents unless asked otherwise.

A card per metric, a ranked list in it: it reads on a phone as on a meeting-room screen.
One read of the stored figures for the three periods, whatever the number of stations
(the month under way is computed from the records, one grouped read per metric's read)."""

from dataclasses import dataclass

from flask import g, render_template, request
from sqlalchemy import select

from app.access import require
from app.county import figures
from app.county.models import Target
from app.county.ranking import Row, ranked
from app.county.standings import BASES, county_figure, denominators
from app.county.targets import RULES, targets_of
from app.extensions import db
from app.modules import switched_on
from app.periods import Period
from app.permissions import COUNTY_VIEW
from app.plugin_contract import COUNT, Metric, Plugin
from app.plugin_host import host
from tenants.console import bp
from tenants.models import Station

SHOWN = 5  # rows of a card before "the other stations"
# A county of more stations than this lists the first and the last of each metric here,
# every station on the metric's own page.
LISTED, HEAD, TAIL = 40, 10, 5


@dataclass(frozen=True)
class Board:
    metric: Metric
    rows: list[Row]
    county: float | int | None  # the county's own figure, as compared
    target: Target | None
    per: str  # what the figures are compared per (standings.BASES)

    @property
    def off_target(self) -> int:
        return sum(r.off_target for r in self.rows)

    @property
    def listed(self) -> list[Row]:
        """The rows the card lists: all of them, or in a big county the first and last."""
        return self.rows if len(self.rows) <= LISTED else self.rows[:HEAD] + self.rows[-TAIL:]

    @property
    def hidden(self) -> int:
        """How many rows the card leaves to the metric's own page."""
        return len(self.rows) - len(self.listed)


@dataclass(frozen=True)
class Section:
    plugin: Plugin
    boards: list[Board]
    off: list[Station]  # stations that have the module off


@dataclass(frozen=True)
class Month:
    """The screen's content: what it compares, and a section per module."""

    period: Period
    against: Period
    basis: str
    sections: list[Section]
    incomplete: set[int]  # stations whose residents are only partly recorded


def month(county, period: Period, against: Period, basis: str) -> Month:
    """Every metric's stations ranked for ``period`` in ``county`` (its context entered),
    changes against ``against`` and a year before, counts compared per ``basis``."""
    stations = {s.id: s for s in db.session.scalars(
        select(Station).where(Station.county_id == county.id, Station.active.is_(True))
        .order_by(Station.name))}
    on = switched_on(list(stations.values()))
    plugins = [p for p in host().plugins.values() if p.metrics]
    measured = figures.measured([(p.metrics, on.get(p.key, {})) for p in plugins],
                                list(dict.fromkeys([period, against, period.a_year_before()])))
    per, scale, incomplete = denominators(basis, list(stations))
    targets = targets_of(county)
    sections = []
    for plugin in plugins:
        here = on.get(plugin.key, {})
        boards = []
        for metric in plugin.metrics:
            # A target holds to the station's own figure: a metric with one is compared
            # as counted, so the figure shown is the one held to it.
            counted = metric.kind != COUNT or per is None or metric.key in targets
            shown = dict(per=None, scale=1) if counted else dict(per=per, scale=scale)
            rows = ranked(metric, measured, period, against, stations=stations,
                          target=targets.get(metric.key), **shown)
            boards.append(Board(metric, rows, county_figure(
                metric, measured[period][metric.key], shown["per"], shown["scale"]),
                targets.get(metric.key), "counted" if counted else basis))
        sections.append(Section(plugin, boards, [s for s in stations.values() if s.id not in here]))
    return Month(period, against, basis, sections, incomplete)


def asked() -> tuple[Period, Period, str, str | None, str | None]:
    """What the request asks to compare: the period (the last full month unless named),
    the period against (the one before unless named), the basis of counts, and the texts
    that named no period."""
    # Early in a month the current one is nearly empty: compare the last full month.
    period, unknown = Period.asked(request.args.get("period"), Period.last_full_month())
    against, unknown_against = Period.asked(request.args.get("against"), period.previous())
    basis = request.args.get("per")
    return period, against, basis if basis in BASES else "residents", unknown, unknown_against


@bp.get("/dashboard")
@require(COUNTY_VIEW)
def dashboard():
    period, against, basis, unknown, unknown_against = asked()
    found = month(g.county, period, against, basis)
    return render_template(
        "county/dashboard.html", period=period, against=against, sections=found.sections,
        unknown=unknown, unknown_against=unknown_against, basis=basis, bases=BASES,
        rules=RULES, shown=SHOWN, head=HEAD, incomplete=found.incomplete)
