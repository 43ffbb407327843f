"""A module's figures as JSON, ``/api/v1/s/<station>/<key>/metrics?period=YYYY-MM``: served
once here for every module that declares metrics, so no module keeps a copy."""

from flask import abort, jsonify, request
from flask_login import current_user

from app.access import can
from app.periods import Period
from app.permissions import STATION_VIEW
from app.plugin_host import host
from tenants.web import station_blueprint

bp = station_blueprint("module_metrics", __name__, api=True)


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
    return jsonify(period={"start": period.start.isoformat(), "end": period.end.isoformat()},
                   metrics={m.key: m.compute(period) for m in plugin.metrics})
