"""One station's page of the county's comparison: every figure of every module it runs over
the last 13 months (or 8 quarters, 5 years), each with its change and a line of its own,
beside the county's figure. One read of the stored figures for all of them."""

from flask import abort, g, render_template, request
from sqlalchemy import select

from app.access import require
from app.county import figures
from app.county.standings import county_figure
from app.extensions import db
from app.modules import switched_on
from app.periods import Period
from app.permissions import COUNTY_VIEW
from app.plugin_host import host
from tenants.console import bp
from tenants.models import Station


@bp.get("/stations/<station_slug>/figures")
@require(COUNTY_VIEW)
def station_trends(station_slug: str):
    stations = {s.id: s for s in db.session.scalars(
        select(Station).where(Station.county_id == g.county.id, Station.active.is_(True)))}
    station = next((s for s in stations.values() if s.slug == station_slug), None)
    if station is None:
        abort(404)
    period, unknown = Period.asked(request.args.get("period"), Period.last_full_month())
    periods = period.trend()
    on = switched_on(list(stations.values()))
    plugins = [p for p in host().plugins.values() if p.metrics and station.id in on.get(p.key, {})]
    # The county's figures too: every station of the module, for the county's line.
    measured = figures.measured([(p.metrics, on[p.key]) for p in plugins], periods)
    sections = []
    for plugin in plugins:
        lines = []
        for metric in plugin.metrics:
            values = [measured[p][metric.key][station.id].value for p in periods]
            county = [county_figure(metric, measured[p][metric.key], None, 1) for p in periods]
            lines.append((metric, values, county, sparkline(values)))
        sections.append((plugin, lines))
    return render_template("county/station_trends.html", station=station, period=period,
                           periods=periods, sections=sections, unknown=unknown)


def sparkline(values, width: int = 120, height: int = 28) -> str:
    """An SVG path of ``values`` (None leaves a gap) scaled into ``width`` × ``height``."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1
    step = width / max(1, len(values) - 1)
    path, pen_down = [], False
    for i, v in enumerate(values):
        if v is None:
            pen_down = False
            continue
        x, y = round(i * step, 1), round(height - 2 - (v - low) / span * (height - 4), 1)
        # A point alone still shows: a dot of the round line cap.
        path.append(f"L{x} {y}" if pen_down else f"M{x} {y} l0.1 0")
        pen_down = True
    return " ".join(path)
