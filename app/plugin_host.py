"""The plugin host: finds the installed modules, checks them, and plugs them into the app.

Discovery reads the entry-point group ``fengqiao.plugins`` (plus ``EXTRA_PLUGINS`` from the
configuration, ``"package.module:plugin"`` strings, for modules not packaged yet). A module
that fails to import or declares itself wrongly is logged, listed by
``fengqiao plugins list`` with the reason, and skipped; the app starts without it.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from flask import Flask, abort, current_app, g, request
from marshmallow import Schema, ValidationError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.access import can
from app.audit import labels as audit_labels
from app.extensions import db
from app.permissions import ROLES, grant
from app.plugin_contract import KEY_RE, Plugin
from app.station_plugin import StationPlugin
from tenants.context import current_scope, current_station_id
from tenants.scoping import TenantScoped

GROUP = "fengqiao.plugins"
# The core's own namespaces (URLs, permissions, audit actions): no module may take them.
RESERVED_KEYS = frozenset({
    "admin", "api", "app", "audit", "auth", "core", "county", "ground", "module", "modules",
    "pii",
    "plugin", "plugins", "s", "static", "station", "tenants", "user", "users", "web",
})
log = logging.getLogger("fengqiao.plugins")


@dataclass(frozen=True)
class Problem:
    """A module that could not be loaded, and why."""

    name: str
    reason: str


class PluginHost:
    def __init__(self) -> None:
        self.plugins: dict[str, Plugin] = {}  # in dependency order
        self.problems: list[Problem] = []
        self._by_blueprint: dict[str, str] = {}

    # -- loading ---------------------------------------------------------------------------

    def load(self, app: Flask) -> None:
        found: dict[str, Plugin] = {}
        for name, ref in _references(app):
            try:
                plugin = _import(ref)
                plugin.package = ref.partition(":")[0]
                _check(plugin)
            except Exception as exc:  # any failure in someone else's package
                self._skip(name, f"{type(exc).__name__}: {exc}")
                continue
            if plugin.key in found:
                self._skip(name, f"the key {plugin.key!r} is already taken")
                continue
            found[plugin.key] = plugin
        for plugin in _dependency_order(found, self._skip):
            self._install(app, plugin)

    def _skip(self, name: str, reason: str) -> None:
        log.error("plugin %s skipped: %s", name, reason)
        self.problems.append(Problem(name, reason))

    def _install(self, app: Flask, plugin: Plugin) -> None:
        for permission in plugin.permissions:
            grant(permission.key, permission.roles)
        audit_labels.register(plugin)
        for metric in plugin.metrics:
            if metric.compute is None:  # by_station alone: computed for the current station
                object.__setattr__(metric, "compute", _station_compute(metric))
        for bp in (plugin.blueprint, plugin.api_blueprint, plugin.public_blueprint):
            if bp is not None:
                app.register_blueprint(bp)
                self._by_blueprint[bp.name] = plugin.key
        self.plugins[plugin.key] = plugin

    def migration_folders(self) -> list[str]:
        folders = []
        for plugin in self.plugins.values():
            folder = _package_dir(plugin) / "migrations"
            if folder.is_dir():
                folders.append(str(folder))
        return folders

    # -- per request -----------------------------------------------------------------------

    def station_rows(self, station=None) -> dict[str, StationPlugin]:
        """The module rows of ``station`` (the current one by default) by key, leaving out
        rows of modules that are no longer installed."""
        query = select(StationPlugin)
        if station is not None:
            query = query.where(StationPlugin.tenant_id == station.id)
        return {r.plugin: r for r in db.session.scalars(query) if r.plugin in self.plugins}

    def states(self) -> dict:
        """The current station's module rows by key (read once per request or job)."""
        station_id = current_station_id()
        cached = g.get("_station_modules")
        if cached is None or cached[0] != station_id:
            g._station_modules = cached = (station_id, self.station_rows())
        return cached[1]

    def forget_states(self) -> None:
        g.pop("_station_modules", None)

    def enabled(self) -> list[Plugin]:
        """The installed modules switched on for the current station, in load order."""
        scope = current_scope()
        if scope is None or not scope.is_station:
            return []
        states = self.states()
        return [p for k, p in self.plugins.items() if k in states and states[k].enabled]

    def is_enabled(self, key: str) -> bool:
        return any(p.key == key for p in self.enabled())

    def settings_for(self, key: str) -> dict:
        plugin = self.plugins[key]
        row = self.states().get(key)
        return effective_settings(plugin, row.settings if row else None)

    def metric(self, key: str):
        """The installed module declaring metric ``key`` and the metric: ``(plugin,
        metric)``, or None when no module declares it."""
        plugin = self.plugins.get(key.partition(".")[0])
        found = next((m for m in plugin.metrics if m.key == key), None) if plugin else None
        return None if found is None else (plugin, found)

    def handoff_targets(self, exclude_plugin: str | None = None) -> list:
        return [
            target for plugin in self.enabled() if plugin.key != exclude_plugin
            for target in plugin.handoff_targets if can(target.permission)
        ]

    def gate(self) -> None:
        """404 for a module's pages when the station has not switched it on."""
        key = self._by_blueprint.get(request.blueprint or "")
        if key is not None and not self.is_enabled(key):
            abort(404)


def _station_compute(metric):
    def compute(period):
        return metric.for_station(period, host().settings_for(metric.module))

    return compute


def effective_settings(plugin: Plugin, stored: dict | None) -> dict:
    """Stored settings over the defaults; a stored value the schema no longer accepts
    (an older version of the module wrote it) falls back to its default."""
    if plugin.settings is None:
        return {}
    data = dict(stored or {})
    schema = plugin.settings()
    try:
        return schema.load(data)
    except ValidationError as err:
        bad = set(err.messages) if isinstance(err.messages, dict) else set(data)
        return schema.load({k: v for k, v in data.items() if k not in bad})


def _references(app: Flask) -> list[tuple[str, str]]:
    refs = [(ep.name, ep.value) for ep in entry_points(group=GROUP)]
    refs += [(ref.rsplit(":", 1)[0], ref) for ref in app.config.get("EXTRA_PLUGINS") or ()]
    return refs


def _import(ref: str) -> Plugin:
    module, _, attr = ref.partition(":")
    obj = getattr(importlib.import_module(module), attr or "plugin")
    if not isinstance(obj, Plugin):
        raise TypeError(f"{ref} is a {type(obj).__name__}, not an app.plugin_api.Plugin")
    return obj


def _package_dir(plugin: Plugin) -> Path:
    # The folder of the module the entry point names: the plugin's package.
    return Path(importlib.import_module(plugin.package).__file__).parent


def _check(plugin: Plugin) -> None:
    """Refuse a plugin whose declaration breaks the naming and shape rules."""
    key = plugin.key
    problems = []
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(f"key {key!r}: 2 to 31 of a-z, 0-9 and '_', starting with a letter")
    if key in RESERVED_KEYS:
        raise ValueError(f"key {key!r} is reserved for the core")
    if not (plugin.name_zh and plugin.name_en and plugin.version):
        problems.append("names in Chinese and English and a version are required")
    if plugin.blueprint is not None and plugin.blueprint.name != f"plugin_{key}":
        problems.append(f"blueprint {plugin.blueprint.name!r} must be named 'plugin_{key}'")
    if plugin.api_blueprint is not None and plugin.api_blueprint.name != f"plugin_{key}_api":
        problems.append(f"API blueprint {plugin.api_blueprint.name!r} must be 'plugin_{key}_api'")
    if (plugin.public_blueprint is not None
            and plugin.public_blueprint.name != f"plugin_{key}_public"):
        problems.append(f"public blueprint {plugin.public_blueprint.name!r} must be "
                        f"'plugin_{key}_public'")
    for model in plugin.models:
        table = sa_inspect(model).local_table.name
        if not table.startswith(f"{key}_"):
            problems.append(f"table {table!r} must start with '{key}_'")
        if not issubclass(model, TenantScoped):
            problems.append(f"model {model.__name__} must be TenantScoped (station-owned)")
    for kind, items in (("permission", plugin.permissions), ("metric", plugin.metrics),
                        ("job", plugin.jobs), ("handoff target", plugin.handoff_targets),
                        ("village records", plugin.village_records)):
        for item in items:
            if not item.key.startswith(f"{key}."):
                problems.append(f"{kind} {item.key!r} must start with '{key}.'")
    for name in plugin.audit_labels:
        if not (name.startswith(f"{key}.") or name.startswith(f"{key}_")):
            problems.append(f"audit label {name!r} must start with '{key}.' or '{key}_'")
    for permission in plugin.permissions:
        unknown = set(permission.roles) - set(ROLES)
        if unknown:
            problems.append(f"permission {permission.key!r}: unknown roles {sorted(unknown)}")
    for entry in plugin.navigation:
        if not entry.endpoint.startswith(f"plugin_{key}."):
            problems.append(f"navigation entry {entry.endpoint!r} is not one of its own pages")
    if plugin.settings is not None:
        if not (isinstance(plugin.settings, type) and issubclass(plugin.settings, Schema)):
            problems.append("settings must be a marshmallow Schema class")
        else:
            try:
                plugin.settings().load({})
            except ValidationError as err:
                problems.append(f"settings need a default for every field: {err.messages}")
    if plugin.models and not (_package_dir(plugin) / "migrations").is_dir():
        problems.append("a module with models keeps its migrations in <package>/migrations/")
    if problems:
        raise ValueError("; ".join(problems))


def _dependency_order(found: dict[str, Plugin], skip) -> list[Plugin]:
    """Topological order by ``requires``; a module needing a missing (or cyclic) one is
    skipped, and so is everything that needs it."""
    ordered: list[Plugin] = []
    state: dict[str, str] = {}

    def visit(key: str, chain: tuple[str, ...]) -> bool:
        if state.get(key) == "done":
            return True
        if state.get(key) == "failed":
            return False
        if key in chain:
            skip(key, f"requirement cycle: {' -> '.join((*chain, key))}")
            state[key] = "failed"
            return False
        plugin = found[key]
        for required in plugin.requires:
            if required not in found:
                skip(key, f"requires {required!r}, which is not installed")
                state[key] = "failed"
                return False
            if not visit(required, (*chain, key)):
                if state.get(key) != "failed":
                    skip(key, f"requires {required!r}, which could not be loaded")
                    state[key] = "failed"
                return False
        state[key] = "done"
        ordered.append(plugin)
        return True

    for key in sorted(found):
        visit(key, ())
    return ordered


def host() -> PluginHost:
    return current_app.extensions["fengqiao.plugins"]


def init_app(app: Flask) -> None:
    plugins = PluginHost()
    app.extensions["fengqiao.plugins"] = plugins
    plugins.load(app)
    app.before_request(plugins.gate)
