"""Blueprints whose URLs carry a station (``/s/<slug>/...``) or a county (``/county/<slug>/...``).

Resolving the slug, checking the user's access and entering the tenant context happen
once, here, for every such blueprint, the core's and each module's alike. A station the
user may not see is a 404, exactly like one that does not exist.
"""

from flask import Blueprint, abort, g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.access import county_and_role, role_permissions, station_and_role
from app.extensions import db, login_manager
from tenants.context import TenantScope, act_for, acting_for, enter, leave, stop_acting
from tenants.models import Station


def station_blueprint(
    name: str, import_name: str, url_prefix: str = "", api: bool = False, **kwargs
) -> Blueprint:
    """A blueprint mounted under ``/s/<station_slug>`` (``/api/v1/s/<station_slug>`` for an
    API); views run in that station's context."""
    base = "/api/v1/s/<station_slug>" if api else "/s/<station_slug>"
    bp = Blueprint(name, import_name, url_prefix=base + url_prefix, **kwargs)
    bp.url_value_preprocessor(_enter_station)
    bp.url_defaults(_station_default)
    return bp


def public_station_blueprint(
    name: str, import_name: str, url_prefix: str = "", **kwargs
) -> Blueprint:
    """A blueprint mounted under ``/p/<station_slug>``: pages of a station that anyone may
    open without signing in (a booking page for residents). Views run in the station's
    context with no role, so nothing that needs a permission is reachable."""
    bp = Blueprint(name, import_name, url_prefix="/p/<station_slug>" + url_prefix, **kwargs)
    bp.url_value_preprocessor(_enter_public_station)
    bp.url_defaults(_station_default)
    return bp


def county_blueprint(name: str, import_name: str, url_prefix: str = "", **kwargs) -> Blueprint:
    """A blueprint mounted under ``/county/<county_slug>``; views run in the county context."""
    bp = Blueprint(name, import_name, url_prefix="/county/<county_slug>" + url_prefix, **kwargs)
    bp.url_value_preprocessor(_enter_county)
    bp.url_defaults(_county_default)
    return bp


def scoped_or_404(model, object_id: int):
    """The station-owned row ``object_id`` of ``model``, or a 404.

    A plain filtered SELECT (not ``Session.get``), so the tenant filter applies and another
    station's row is simply not found.
    """
    row = db.session.scalar(select(model).where(model.id == object_id))
    if row is None:
        abort(404)
    return row


def _require_sign_in() -> None:
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())


def _enter_station(endpoint, values) -> None:
    slug = values.pop("station_slug", None)
    _require_sign_in()
    # Stations, counties and memberships are everyone's to read. Looked up acting for no
    # one, the query needs no database setting; the page's first statement then sets the
    # whole context (station, county, signed-in user) in one round trip.
    with acting_for(None):
        station, role = station_and_role(current_user, slug)
    if not role:
        abort(404)
    g.station, g.county, g.role = station, station.county, role
    g.permissions = role_permissions(role)
    g.tenant_token = enter(TenantScope(county_id=station.county_id, station_id=station.id))


def _enter_public_station(endpoint, values) -> None:
    slug = values.pop("station_slug", None)
    station = db.session.scalar(
        select(Station).join(Station.county).options(contains_eager(Station.county))
        .where(Station.slug == slug, Station.active))
    if station is None:
        abort(404)
    g.station, g.county, g.role, g.permissions = station, station.county, None, frozenset()
    g.tenant_token = enter(TenantScope(county_id=station.county_id, station_id=station.id))


def _enter_county(endpoint, values) -> None:
    slug = values.pop("county_slug", None)
    _require_sign_in()
    with acting_for(None):  # as for a station
        county, role = county_and_role(current_user, slug)
    if not role:
        abort(404)
    g.county, g.role = county, role
    g.permissions = role_permissions(role)
    g.tenant_token = enter(TenantScope(county_id=county.id))


def _station_default(endpoint, values) -> None:
    if "station_slug" not in values and g.get("station") is not None:
        values["station_slug"] = g.station.slug


def _county_default(endpoint, values) -> None:
    if "county_slug" not in values and g.get("county") is not None:
        values["county_slug"] = g.county.slug


def act_for_request(user_id: int) -> None:
    """The rest of this request acts for account ``user_id`` (the signed-in user, or the
    one signing in): the database then lets it touch that account's own rows."""
    if g.get("acting_token") is not None:  # another account before (an invitation taken
        stop_acting(g.acting_token)       # up while signed in as someone else)
    g.acting_token = act_for(user_id)


def leave_tenant(exc=None) -> None:
    token = g.pop("tenant_token", None)
    if token is not None:
        leave(token)
    acting = g.pop("acting_token", None)
    if acting is not None:
        stop_acting(acting)


def init_app(app) -> None:
    app.teardown_request(leave_tenant)

