"""The plugin contract's façade: everything a station module may declare and use.

A module is a package exposing one :class:`Plugin` object, found through the entry-point
group ``fengqiao.plugins``. It imports from here (and ``tenants`` for its scoped models)
and from nowhere else in the platform, and never from another module: links between
modules go through handoffs (:class:`HandoffTarget`, :func:`hand_off`).

Names follow the key and are checked when the plugin loads: blueprint ``plugin_<key>``
(API: ``plugin_<key>_api``), tables ``<key>_*``, permissions, metrics, jobs and handoff
targets ``<key>.*``. A plugin that breaks a rule is reported and skipped; the app starts.

The declarations themselves live in :mod:`app.plugin_contract`, which the host reads too;
the core never imports this module, so the arrows run one way.

The station's ground (its villages, grids, key places and community forces) is the core's:
a module references it with :func:`village_foreign_key` and its kin, lists it with
:func:`villages`, :func:`grids`, :func:`forces`, offers it in forms with
:class:`VillageField` and the ``*_choices`` functions, declares which of its records stand
in a village (:class:`VillageRecords`), and never keeps a village or a helper of its own.
"""

from __future__ import annotations

from flask import Blueprint, g
from flask_login import current_user

from app import audit
from app.access import can, require
from app.clock import day_arg, local_now, local_today
from app.demo import demo_days, demo_ground, demo_random, demo_scale
from app.exports import append_safe_row, safe_cell
from app.extensions import db
from app.forms import (
    Form,
    Lines,
    Rows,
    Text,
    ValidationError,
    choices,
    fields,
    length,
    load,
    one_of,
    period_pattern,
    validate,
)
from app.ground.fields import ForceField, GridField, PlaceField, VillageField
from app.ground.migrating import add_force as migration_add_force
from app.ground.migrating import rebuilt_keeping_rows as migration_rebuilt_keeping_rows
from app.ground.migrating import text_from_villages as migration_text_from_villages
from app.ground.migrating import villages_first as migration_villages_first
from app.ground.migrating import villages_from_text as migration_villages_from_text
from app.ground.models import FORCE_KINDS, PLACE_KINDS, Force, Grid, KeyPlace, Village
from app.ground.records import counts_per_village
from app.ground.registry import (
    force_choices,
    force_foreign_key,
    force_names,
    forces,
    grid_choices,
    grid_foreign_key,
    grids,
    place_foreign_key,
    places,
    village_choices,
    village_foreign_key,
    village_names,
    village_order,
    villages,
)
from app.handoffs import AlreadyHandedOff
from app.handoffs import hand_off as _hand_off
from app.handoffs import links as _links
from app.jobs import enqueue
from app.module_metrics import counted
from app.outbox import outbox_messages, queue_message
from app.paging import Page, paginate
from app.periods import Period
from app.permissions import COUNTY_ROLES, STATION_PII, STATION_ROLES, STATION_VIEW
from app.pii import mask
from app.plugin_contract import (
    COUNT,
    HIGHER,
    KEY_RE,
    LOWER,
    MEDIAN,
    MONEY,
    RATE,
    Figure,
    Handoff,
    HandoffTarget,
    Job,
    Metric,
    NavEntry,
    Permission,
    Plugin,
    Receipt,
    VillageRecords,
)
from app.plugin_host import host
from app.rate_limits import client_address, rate_limit
from app.reveal import may_reveal, reveal
from app.users import role_from_word, role_label, station_members, user_names
from tenants.context import current_station_id
from tenants.models import Station, utcnow
from tenants.row_security import disable as disable_row_security
from tenants.row_security import enable as enable_row_security
from tenants.row_security import every_station as every_station_rows
from tenants.scoping import TenantScoped, tenant_foreign_key
from tenants.web import public_station_blueprint, station_blueprint
from tenants.web import scoped_or_404 as get_or_404

__all__ = [
    "ALL_ROLES", "COUNT", "COUNTY_ROLES", "FORCE_KINDS", "HIGHER", "KEY_RE", "LOWER", "MEDIAN",
    "MONEY", "PLACE_KINDS", "RATE", "STATION_PII", "STATION_ROLES", "STATION_VIEW",
    "AlreadyHandedOff", "Figure", "Force", "ForceField",
    "Form", "Grid", "GridField", "Handoff", "HandoffTarget", "Job", "KeyPlace", "Lines",
    "Metric", "NavEntry", "Page", "Period", "Permission", "PlaceField", "Plugin", "Receipt",
    "Rows", "Station", "TenantScoped", "Text", "ValidationError", "Village", "VillageField",
    "VillageRecords", "api_blueprint", "append_safe_row", "audit_event", "blueprint", "can",
    "choices", "client_address", "counted", "counts_per_village", "current_role",
    "current_station", "current_user", "day_arg", "db", "demo_days", "demo_ground",
    "demo_random", "demo_scale", "disable_row_security", "enable_row_security", "enqueue",
    "every_station_rows", "fields", "force_choices", "force_foreign_key", "force_names",
    "forces", "get_or_404", "grid_choices", "grid_foreign_key", "grids", "hand_off",
    "handoff_targets", "handoffs_from", "handoffs_to", "length", "load", "local_now",
    "local_today", "mask", "may_reveal", "members", "migration_add_force",
    "migration_rebuilt_keeping_rows", "migration_text_from_villages",
    "migration_villages_first", "migration_villages_from_text", "one_of", "outbox_messages",
    "paginate", "period_pattern", "place_foreign_key", "places", "public_blueprint",
    "queue_message", "rate_limit", "require", "reveal", "role_from_word", "role_label",
    "safe_cell", "settings",
    "tenant_foreign_key", "user_names", "utcnow", "validate", "village_choices",
    "village_foreign_key", "village_names", "village_order", "villages",
]

ALL_ROLES = STATION_ROLES + COUNTY_ROLES


# -- what a plugin uses --------------------------------------------------------------------

def blueprint(key: str, import_name: str, **kwargs) -> Blueprint:
    """The module's pages, under ``/s/<station>/<key>/``, in the station's context."""
    return station_blueprint(
        f"plugin_{key}", import_name, url_prefix=f"/{key}", template_folder="templates", **kwargs
    )


def api_blueprint(key: str, import_name: str, **kwargs) -> Blueprint:
    """The module's JSON API, under ``/api/v1/s/<station>/<key>/``."""
    return station_blueprint(f"plugin_{key}_api", import_name, url_prefix=f"/{key}",
                             api=True, **kwargs)


def public_blueprint(key: str, import_name: str, **kwargs) -> Blueprint:
    """The module's pages open to anyone, without signing in, under
    ``/p/<station>/<key>/`` (a booking page, a lost-and-found search).

    Views run in the station's context with no role: ``can()`` is always False there, and
    the station's rows are all a query can reach. Templates extend ``public_base.html``.
    Such a page must show nothing personal of anyone, and should guard what it accepts
    with :func:`rate_limit`. The module gate applies: off for the station means 404.
    """
    return public_station_blueprint(f"plugin_{key}_public", import_name, url_prefix=f"/{key}",
                                    template_folder="templates", **kwargs)


def current_station() -> Station:
    """The station a request, a job or ``demo_data`` works in."""
    station = g.get("station")
    if station is None or station.id != current_station_id():
        station = db.session.get(Station, current_station_id())
    return station


def current_role() -> str | None:
    """The role the user acts with in the current station (``platform_admin`` included)."""
    return g.get("role")


def settings(key: str) -> dict:
    """The current station's settings for module ``key``, defaults filled in."""
    return host().settings_for(key)


def audit_event(action: str, *, object_type: str, object_id, changes: dict | None = None):
    """Audit an act that is not a model change, in the current station's chain."""
    audit.record(action, station_id=g.station.id, object_type=object_type,
                 object_id=object_id, changes=changes)


def handoff_targets(exclude_plugin: str | None = None) -> list[HandoffTarget]:
    """The handoff targets of the modules this station has on that the user may use."""
    return host().handoff_targets(exclude_plugin)


def hand_off(target_key: str, handoff: Handoff):
    """Hand ``handoff`` to the module owning ``target_key``; returns the recorded link.

    Raises :class:`AlreadyHandedOff` (its ``link`` says where to) when the item went to
    this target before, even a moment ago from another tap: the transaction is then rolled
    back, so nothing the target made of it stays. Raises ``LookupError`` when the target
    is not installed, not on here or not allowed. The caller commits.
    """
    return _hand_off(target_key, handoff)


def handoffs_from(plugin_key: str, object_type: str, object_id: int) -> list:
    """Where this object was handed to (links for its page; ``target_key`` of each says
    which target it went to)."""
    return _links(source=(plugin_key, object_type, object_id))


def handoffs_to(plugin_key: str, object_type: str, object_id: int) -> list:
    """Where this object came from (links for its page)."""
    return _links(target=(plugin_key, object_type, object_id))


def members(station: Station | None = None, *,
            roles: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """``(user_id, name)`` of the station's active members (the current station by
    default), by name, for "owner" or "host" pickers.

    ``roles`` (keyword only: a tuple of role keys, e.g. ``("station_admin", "officer")``)
    keeps only the members whose role *in this station* is one of them, e.g. the picker of
    an officer in charge, who may reveal what the record holds, offers no auxiliary; an
    empty tuple keeps no one. Unset (None): every active member, whatever their role.
    County and platform accounts acting in the station are not members, never listed.
    """
    return station_members((station or g.station).id, roles)
