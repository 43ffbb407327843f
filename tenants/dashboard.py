"""The county dashboard: each station's figures for a period, from the metrics its modules
declare, side by side so county leadership can compare stations."""

from dataclasses import dataclass
from itertools import groupby

from flask import g, render_template, request
from sqlalchemy import select

from app.access import require
from app.extensions import db
from app.modules import station_modules
from app.periods import Period
from app.permissions import COUNTY_VIEW
from app.plugin_contract import Metric
from app.plugin_host import host
from tenants.console import bp
from tenants.context import station_context
from tenants.models import Station


@dataclass(frozen=True)
class Column:
    module: str
    metric: Metric


@bp.get("/dashboard")
@require(COUNTY_VIEW)
def dashboard():
    # Early in a month the current one is nearly empty: compare the last full month.
    period = Period.parse(request.args.get("period"), default=Period.last_full_month())
    columns = [Column(p.name, m) for p in host().plugins.values() for m in p.metrics]
    # The header's module cells, in the columns' own order (not sorted by name, which
    # differs between languages and would put headings over the wrong figures).
    groups = [(name, len(list(cells))) for name, cells in groupby(columns, lambda c: c.module)]
    stations = db.session.scalars(
        select(Station).where(Station.county_id == g.county.id, Station.active.is_(True))
        .order_by(Station.name)
    ).all()
    rows = []
    for station in stations:
        with station_context(station):
            enabled = {k for k, r in station_modules(station).items() if r.enabled}
            values = {
                m.key: m.compute(period)
                for p in host().plugins.values() if p.key in enabled for m in p.metrics
            }
        rows.append((station, values))
    return render_template("county/dashboard.html", period=period, columns=columns,
                           groups=groups, rows=rows)
