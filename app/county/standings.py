"""One metric across the county's stations, fairly: every station ranked for the period
with its interval and the cases it stands on, those with too few cases to judge set apart,
those that truly stand out from the county marked, and each one's change against the
previous period and the same period a year before. Counts can be compared per 10,000
residents or per officer (the stations' ground).

Its charts: each station's trend over the last periods (13 months, 8 quarters or 5
years, the county's own figure among them) and, for a rate, the funnel plot of each
station's rate against its number of cases with the county's rate and its 95 % and
99.8 % limits. One read of the metric for all stations at once per period shown (13 for
a month), whatever the number of stations."""

from flask import abort, g, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.access import require
from app.county import figures
from app.county.fairness import (
    MIN_VOLUME,
    PER_RESIDENTS,
    binomial_limits,
    compare,
    county_rate,
)
from app.county.ranking import ranked
from app.county.targets import RULES, targets_of
from app.extensions import db
from app.ground.profile import profiles
from app.modules import switched_on
from app.periods import Period
from app.permissions import COUNTY_VIEW
from app.plugin_contract import COUNT, MEDIAN, RATE, Measure, Metric
from app.plugin_host import host
from tenants.console import bp
from tenants.models import Station

# What a count is compared per: as counted, per 10,000 residents, per officer.
BASES = ("counted", "residents", "officers")
PER_LABELS = {"residents": _l("Per 10,000 residents"), "officers": _l("Per officer")}


@bp.get("/dashboard/<metric_key>")
@require(COUNTY_VIEW)
def standings(metric_key: str):
    found = host().metric(metric_key)
    if found is None:
        abort(404)
    plugin, metric = found
    period, unknown = Period.asked(request.args.get("period"), Period.last_full_month())
    target = targets_of(g.county).get(metric.key)
    # Counts are compared per 10,000 residents unless asked otherwise: a big station's
    # raw count says more of its size than of its work. A target holds to the station's own
    # figure: a metric with one is compared as counted unless asked, as on the month's screen.
    basis = request.args.get("per") if metric.kind == COUNT else "counted"
    basis = basis if basis in BASES else ("counted" if target else "residents")
    stations = {s.id: s for s in db.session.scalars(
        select(Station).where(Station.county_id == g.county.id, Station.active.is_(True)))}
    on = switched_on(list(stations.values())).get(plugin.key, {})
    per, scale, incomplete = denominators(basis, list(on))
    trend = period.trend()
    measured = figures.measured([([metric], on)], trend)
    rows = ranked(metric, measured, period, period.previous(), stations=stations,
                  per=per, scale=scale, target=target)
    placed = {when: compare(metric.kind, metric.better, found[metric.key], per=per,
                            scale=scale) for when, found in measured.items()}
    own = {when: found[metric.key] for when, found in measured.items()}
    chart = {"trend": _trend(trend, placed, own, metric, per, scale, stations),
             "funnel": _funnel(own[period], stations) if metric.kind == RATE else None}
    return render_template(
        "county/standings.html", plugin=plugin, metric=metric, period=period, rows=rows,
        chart=chart, unknown=unknown, target=target, rules=RULES,
        basis=basis, bases=BASES if metric.kind == COUNT else (), min_volume=MIN_VOLUME,
        incomplete=incomplete,
        off=[s for s in sorted(stations.values(), key=lambda s: s.name) if s.id not in on])


def _trend(periods, placed, measured, metric, per, scale, stations) -> dict:
    names = {i: s.name for i, s in stations.items()}
    series = {}
    for when in periods:
        for s in placed[when]:
            series.setdefault(s.station_id, {})[when] = s.value
    return {
        "periods": [p.label for p in periods],
        "names": [p.name for p in periods],
        "stations": [{"name": names[i], "values": [values.get(p) for p in periods]}
                     for i, values in sorted(series.items(), key=lambda kv: names[kv[0]])],
        "county": [county_figure(metric, measured[p], per, scale) for p in periods],
    }


def county_figure(metric: Metric, measures: dict[int, Measure], per, scale):
    """The county's own figure: its pooled rate, its total (per its residents)."""
    if metric.kind == MEDIAN or not measures:
        return None
    if metric.kind == RATE:
        rate = county_rate(measures)
        return None if rate is None else round(100 * rate, 1)
    values = [m.value for m in measures.values() if m.value is not None]
    if per is None:
        return round(sum(values), 1) if values else None
    # Only the stations with a base recorded: the others are not compared either.
    counted = {i: m.value for i, m in measures.items()
               if m.value is not None and (per.get(i) or 0) > 0}
    base = sum(per[i] for i in counted)
    return round(sum(counted.values()) * scale / base, 2) if base else None


def _funnel(measures: dict[int, Measure], stations) -> dict | None:
    """Each station's (cases, rate) and the county's rate with its limits by volume."""
    points = [{"name": stations[i].name, "value": [m.denominator, m.value]}
              for i, m in measures.items() if m.denominator]
    p = county_rate(measures)
    if not points or p is None:
        return None
    n_max = max(m.denominator for m in measures.values() if m.denominator)
    volumes = sorted({max(1, round(n_max * 1.1 * (i / 40) ** 2)) for i in range(1, 41)})
    limits = {}
    for name, tail in (("95", 0.025), ("998", 0.001)):  # the badges' own test
        bounds = [binomial_limits(p, v, tail) for v in volumes]
        pairs = list(zip(volumes, bounds, strict=True))
        limits[f"low{name}"] = [[v, round(100 * low, 2)] for v, (low, _) in pairs]
        limits[f"high{name}"] = [[v, round(100 * high, 2)] for v, (_, high) in pairs]
    return {"points": points, "county": round(100 * p, 1), **limits}


def denominators(basis: str, station_ids: list[int]):
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
