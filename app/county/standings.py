"""One metric across the county's stations, fairly: every station ranked for the period
with its interval and the cases it stands on, those with too few cases to judge set apart,
those that truly stand out from the county marked, and each one's change against the
previous period and the same period a year before. Counts can be compared per 10,000
residents or per officer (the stations' ground).

Three reads of the metric for all stations at once (the period, the one before, a year
before), whatever the number of stations."""

from dataclasses import dataclass

from flask import abort, g, render_template, request
from sqlalchemy import select

from app.access import require
from app.county.fairness import MIN_VOLUME, PER_RESIDENTS, Standing, compare
from app.extensions import db
from app.ground.profile import profiles
from app.modules import switched_on
from app.periods import Period
from app.permissions import COUNTY_VIEW
from app.plugin_contract import COUNT, Measure, Metric
from app.plugin_host import host
from tenants.console import bp
from tenants.models import Station

# What a count is compared per: as counted, per 10,000 residents, per officer.
BASES = ("counted", "residents", "officers")


@dataclass(frozen=True)
class Row:
    station: Station
    standing: Standing
    previous: float | int | None  # the figure, as compared, in the period before
    year_before: float | int | None


@bp.get("/dashboard/<metric_key>")
@require(COUNTY_VIEW)
def standings(metric_key: str):
    found = _metric(metric_key)
    if found is None:
        abort(404)
    plugin, metric = found
    period = Period.parse(request.args.get("period"), default=Period.last_full_month())
    # Counts are compared per 10,000 residents unless asked otherwise: a big station's
    # raw count says more of its size than of its work.
    basis = request.args.get("per") if metric.kind == COUNT else "counted"
    basis = basis if basis in BASES else "residents"
    stations = {s.id: s for s in db.session.scalars(
        select(Station).where(Station.county_id == g.county.id, Station.active.is_(True)))}
    on = switched_on(list(stations.values())).get(plugin.key, {})
    per, scale, incomplete = _denominators(basis, list(on))
    placed = {when: compare(metric.kind, metric.better, _measures(metric, when, on),
                            per=per, scale=scale)
              for when in (period, period.previous(), period.a_year_before())}
    # A change only against a figure that could be judged then.
    before = {s.station_id: s.value for s in placed[period.previous()] if s.judged}
    a_year = {s.station_id: s.value for s in placed[period.a_year_before()] if s.judged}
    rows = [Row(stations[s.station_id], s, before.get(s.station_id), a_year.get(s.station_id))
            for s in placed[period]]
    return render_template(
        "county/standings.html", plugin=plugin, metric=metric, period=period, rows=rows,
        basis=basis, bases=BASES if metric.kind == COUNT else (), min_volume=MIN_VOLUME,
        incomplete=incomplete,
        off=[s for s in sorted(stations.values(), key=lambda s: s.name) if s.id not in on])


def _metric(key: str):
    for plugin in host().plugins.values():
        for metric in plugin.metrics:
            if metric.key == key:
                return plugin, metric
    return None


def _measures(metric: Metric, period: Period, on: dict) -> dict[int, Measure]:
    if not on:
        return {}
    if metric.by_station is not None:
        return metric.measures(period, on)
    from app.module_metrics import figures  # a station at a time, in each one's context

    return {station_id: Measure(values[metric.key])
            for station_id, values in figures([metric], period, on).items()}


def _denominators(basis: str, station_ids: list[int]):
    """What counts are compared per (station id -> residents or officers), per how many
    of them, and the stations whose residents are only partly recorded (villages without
    a population figure); (None, 1, set()) to compare them as counted."""
    if basis == "counted":
        return None, 1, set()
    found = profiles(station_ids)
    if basis == "residents":
        return ({i: p.population for i, p in found.items()}, PER_RESIDENTS,
                {i for i, p in found.items() if p.villages_without_population})
    return {i: p.officers for i, p in found.items()}, 1, set()
