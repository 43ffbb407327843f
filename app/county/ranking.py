"""One metric's stations ranked for a period, each with its change against another period
and against the same period a year before, the records behind its figure, and whether the
figure misses the county's target: what the month screen and a metric's own page list."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask import url_for

from app.county.fairness import Standing, compare
from app.county.figures import Measured
from app.county.models import Target
from app.periods import Period
from app.plugin_contract import Figure, Metric
from tenants.models import Station


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
    def placed(when):
        return compare(metric.kind, metric.better, measured[when][metric.key],
                       per=per, scale=scale)

    # A change only against a figure that could be judged then.
    before = {s.station_id: s.value for s in placed(against) if s.judged}
    a_year = {s.station_id: s.value for s in placed(period.a_year_before()) if s.judged}
    drill = metric.drill(period) if metric.drill else None
    own = measured[period][metric.key]
    rows = []
    for s in placed(period):
        station = stations[s.station_id]
        figure = own[s.station_id].value
        rows.append(Row(
            station, s, figure, before.get(s.station_id), a_year.get(s.station_id),
            url_for(drill[0], station_slug=station.slug, **drill[1]) if drill else None,
            target is not None and target.met_by(figure) is False))
    return rows
