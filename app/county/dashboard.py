"""The county dashboard: each station's figures for a period, from the metrics its modules
declare, side by side so county leadership can compare stations.

The figures are computed for all the county's stations at once, in the county's context:
one read of the stations' module switches, and for each module its metrics' grouped reads
(:func:`app.module_metrics.figures`), as many statements for 40 stations as for two."""

from dataclasses import dataclass
from itertools import groupby

from flask import g, render_template, request
from sqlalchemy import select

from app.access import require
from app.extensions import db
from app.module_metrics import figures
from app.modules import switched_on
from app.periods import Period
from app.permissions import COUNTY_VIEW
from app.plugin_contract import Metric
from app.plugin_host import host
from tenants.console import bp
from tenants.models import Station


@dataclass(frozen=True)
class Column:
    module: str
    metric: Metric


@bp.get("/dashboard")
@require(COUNTY_VIEW)
def dashboard():
    # Early in a month the current one is nearly empty: compare the last full month.
    period, unknown = Period.asked(request.args.get("period"), Period.last_full_month())
    columns = [Column(p.name, m) for p in host().plugins.values() for m in p.metrics]
    # The header's module cells, in the columns' own order (not sorted by name, which
    # differs between languages and would put headings over the wrong figures).
    groups = [(name, len(list(cells))) for name, cells in groupby(columns, lambda c: c.module)]
    stations = db.session.scalars(
        select(Station).where(Station.county_id == g.county.id, Station.active.is_(True))
        .order_by(Station.name)
    ).all()
    values: dict[int, dict] = {station.id: {} for station in stations}
    on = switched_on(stations)  # only the stations that have a module on show its figures
    for plugin in host().plugins.values():
        if plugin.metrics and plugin.key in on:
            for station_id, figured in figures(plugin.metrics, period, on[plugin.key]).items():
                values[station_id].update(figured)
    rows = [(station, values[station.id]) for station in stations]
    return render_template("county/dashboard.html", period=period, columns=columns,
                           groups=groups, rows=rows, unknown=unknown)
