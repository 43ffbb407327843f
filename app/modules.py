"""A station's modules: which are switched on, and with which settings.

One row per station and module in ``station_plugin``. Switching off only hides a module:
its data stays, and switching it on again brings everything back. The same functions serve
the station's modules page, county onboarding and the manifest, so a rule (requirements,
settings) is checked once, the same way everywhere. Every change is a model change, so
the audit log records it.
"""

import json

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.forms import load
from app.plugin_contract import Plugin
from app.plugin_host import effective_settings, host
from app.station_plugin import StationPlugin
from tenants.models import Station

__all__ = ["ModuleError", "StationPlugin", "configure", "disable", "enable", "module_names",
           "station_modules", "switched_on", "validate_settings"]


class ModuleError(ValueError):
    """A change refused, with a message per field (``_schema`` for the module as a whole)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def station_modules(station: Station | None = None) -> dict[str, StationPlugin]:
    """The module rows of ``station`` (the current station by default), by key.

    Rows of modules that are no longer installed are left out, never an error.
    """
    return host().station_rows(station)


def switched_on(stations) -> dict[str, dict[int, dict]]:
    """Which of ``stations`` have each installed module on, and with which settings
    (defaults filled in): module key -> {station id: settings}, for a county context, in
    one query however many stations. A module no station has on is left out."""
    ids = [s.id for s in stations]
    if not ids:
        return {}
    on: dict[str, dict[int, dict]] = {}
    plugins = host().plugins
    rows = db.session.execute(select(
        StationPlugin.plugin, StationPlugin.tenant_id, StationPlugin.settings).where(
        StationPlugin.tenant_id.in_(ids), StationPlugin.enabled.is_(True)))
    # Stations of a county mostly keep the same settings: each distinct one read once (the
    # same dict then serves them all; it is read, never changed).
    read: dict[tuple[str, str], dict] = {}
    for row in rows:
        if row.plugin in plugins:
            key = (row.plugin, json.dumps(row.settings, sort_keys=True, default=str))
            if key not in read:
                read[key] = effective_settings(plugins[row.plugin], row.settings)
            on.setdefault(row.plugin, {})[row.tenant_id] = read[key]
    return on


def _plugin(key: str) -> Plugin:
    plugin = host().plugins.get(key)
    if plugin is None:
        raise ModuleError({"_schema": _("There is no installed module %(key)s.", key=key)})
    return plugin


def module_names(keys) -> str:
    """Modules by their names in the user's language: 预约办事、背包警务."""
    plugins = host().plugins
    separator = "、" if str(get_locale()) == "zh" else ", "
    return separator.join(plugins[k].name if k in plugins else k for k in keys)


def validate_settings(plugin: Plugin, data) -> dict:
    """The settings ``data`` as the module's schema loads them, or :class:`ModuleError`."""
    if plugin.settings is None:
        return {}
    clean, errors = load(plugin.settings(), data)
    if errors:
        raise ModuleError(errors)
    return clean


def enable(station: Station, key: str, settings=None,
           rows: dict[str, StationPlugin] | None = None) -> StationPlugin:
    """Switch module ``key`` on for ``station`` (with ``settings`` if given)."""
    plugin = _plugin(key)
    rows = station_modules(station) if rows is None else rows
    missing = [r for r in plugin.requires if not (r in rows and rows[r].enabled)]
    if missing:
        raise ModuleError({"_schema": _(
            "Switch on %(names)s first: %(module)s needs it.",
            names=module_names(missing), module=plugin.name,
        )})
    row = rows.get(key)
    if row is None:
        row = StationPlugin(tenant_id=station.id, plugin=key, enabled=True)
        db.session.add(row)
        rows[key] = row
    row.enabled = True
    if settings is not None:
        row.settings = validate_settings(plugin, settings)
    elif row.settings is None:
        row.settings = plugin.default_settings()
    return row


def disable(station: Station, key: str,
            rows: dict[str, StationPlugin] | None = None) -> StationPlugin | None:
    """Switch module ``key`` off for ``station``; its data is kept."""
    plugin = _plugin(key)
    rows = station_modules(station) if rows is None else rows
    needed_by = [
        k for k, r in rows.items()
        if r.enabled and k != key and key in host().plugins[k].requires
    ]
    if needed_by:
        raise ModuleError({"_schema": _(
            "Switch off %(names)s first: it needs %(module)s.",
            names=module_names(needed_by), module=plugin.name,
        )})
    row = rows.get(key)
    if row is not None:
        row.enabled = False
    return row


def configure(station: Station, key: str, data) -> StationPlugin:
    """Save new settings for module ``key`` (switched on or not)."""
    plugin = _plugin(key)
    clean = validate_settings(plugin, data)
    rows = station_modules(station)
    row = rows.get(key)
    if row is None:
        row = StationPlugin(tenant_id=station.id, plugin=key, enabled=False)
        db.session.add(row)
    row.settings = clean
    return row

