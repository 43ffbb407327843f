"""One metric's stations ranked for a period, each with its change against another period
and against the same period a year before, the records behind its figure, and whether the
figure misses the county's target: what the month screen and a metric's own page list."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask import url_for

from app.county.fairness import Standing, compare, judged_values
from app.county.figures import Measured
from app.county.models import Target
from app.periods import Period
from app.plugin_contract import Figure, Metric
from tenants.models import Station

_SLUG = "station-slug-here"  # slugs are [a-z0-9-]: it stands only where the slug goes


@dataclass(frozen=True)
class Row:
    station: Station
    standing: Standing
    figure: Figure  # the station's own figure, as counted: what a target holds to
    previous: float | int | None  # the figure, as compared, in the period compared against
    year_before: float | int | None
    records: str | None  # the module's list of the records behind the figure
    off_target: bool


def ranked(metric: Metric, measured: Measured, period: Period, against: Period, *,
           stations: Mapping[int, Station], per=None, scale=1,
           target: Target | None = None) -> list[Row]:
    """``metric``'s rows for ``period``, best first (:func:`compare`), from ``measured``
    (which holds ``period``, ``against`` and the period a year before)."""
    def judged(when):
        return judged_values(metric.kind, measured[when][metric.key], per=per, scale=scale)

    # A change only against a figure that could be judged then.
    before, a_year = judged(against), judged(period.a_year_before())
    records = None
    if metric.drill:
        # One link built, each station's slug put in it: thousands of rows, one url_for.
        endpoint, args = metric.drill(period)
        records = url_for(endpoint, station_slug=_SLUG, **args)
    own = measured[period][metric.key]
    rows = []
    for s in compare(metric.kind, metric.better, own, per=per, scale=scale):
        station = stations[s.station_id]
        figure = own[s.station_id].value
        rows.append(Row(
            station, s, figure, before.get(s.station_id), a_year.get(s.station_id),
            records.replace(_SLUG, station.slug, 1) if records else None,
            target is not None and target.met_by(figure) is False))
    return rows
