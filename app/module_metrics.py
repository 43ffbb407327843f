"""A module's figures as JSON, ``/api/v1/s/<station>/<key>/metrics?period=YYYY-MM``: served
once here for every module that declares metrics, so no module keeps a copy. The county
dashboard computes its figures with the same :func:`figures`, for all its stations at once."""

from collections.abc import Iterable, Mapping

from flask import abort, jsonify, request
from flask_login import current_user
from sqlalchemy import func, select

from app.access import can
from app.extensions import db
from app.periods import Period
from app.permissions import STATION_VIEW
from app.plugin_contract import Figure, Metric
from app.plugin_host import host
from tenants.context import TenantScope, current_scope, current_station_id, enter, leave
from tenants.web import station_blueprint

bp = station_blueprint("module_metrics", __name__, api=True)


def figures(metrics: Iterable[Metric], period: Period,
            stations: Mapping[int, dict]) -> dict[int, dict[str, Figure]]:
    """The figures of ``metrics`` (one module's) for each of ``stations`` (station id ->
    the module's settings there): station id -> {metric key: figure}.

    Run in a county context, or in a station's with that station alone. A metric with
    ``by_station`` is computed for all the stations at once, and metrics sharing their
    ``by_station`` read it once; a metric with only ``compute`` is asked in each station's
    own context in turn.
    """
    out: dict[int, dict[str, Figure]] = {station_id: {} for station_id in stations}
    if not stations:
        return out
    read: dict = {}
    for metric in metrics:
        if metric.by_station is None:
            for station_id in stations:
                out[station_id][metric.key] = _in_station(station_id, metric.compute, period)
            continue
        if metric.by_station not in read:
            read[metric.by_station] = metric.by_station(period, stations)
        for station_id, value in metric.figures(period, stations,
                                                read[metric.by_station]).items():
            out[station_id][metric.key] = value
    return out


def counted(model, stations: Iterable[int], day, period: Period, *where, by=None) -> dict:
    """How many rows of ``model`` each of ``stations`` has whose ``day`` (a column) falls
    in ``period`` and that match ``where``, from one grouped query: station id -> count,
    or with ``by`` (a column) station id -> {its value: count}. Every station has an
    entry, 0 (or {}) when it has no such rows. For a metric's ``by_station``."""
    stations = list(stations)
    keys = (model.tenant_id,) if by is None else (model.tenant_id, by)
    rows = db.session.execute(
        select(*keys, func.count())
        .where(model.tenant_id.in_(stations), day >= period.start, day < period.end, *where)
        .group_by(*keys))
    if by is None:
        out: dict = dict.fromkeys(stations, 0)
        out.update(rows.all())  # (station id, count) pairs
        return out
    out = {station_id: {} for station_id in stations}
    for station_id, value, n in rows:
        out[station_id][value] = n
    return out


def _in_station(station_id: int, compute, period: Period) -> Figure:
    token = enter(TenantScope(county_id=current_scope().county_id, station_id=station_id))
    try:
        return compute(period)
    finally:
        leave(token)


@bp.get("/<plugin_key>/metrics")
def metrics(plugin_key: str):
    plugin = host().plugins.get(plugin_key)
    if plugin is None or not plugin.metrics or not host().is_enabled(plugin_key):
        abort(404)  # like any page of a module the station has off
    if not current_user.is_authenticated:
        abort(401)
    if not can(plugin.view_permission or STATION_VIEW):
        abort(403)
    period = Period.parse(request.args.get("period"))
    station_id = current_station_id()
    values = figures(plugin.metrics, period, {station_id: host().settings_for(plugin_key)})
    return jsonify(period={"start": period.start.isoformat(), "end": period.end.isoformat()},
                   metrics=values[station_id])
