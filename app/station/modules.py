"""The station admin's modules page: switch modules on and off and configure them.

The settings form is drawn from the module's marshmallow schema, so a module declares its
settings once. A change takes effect on the next request; nothing is restarted.
"""

from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields, validate

from app.access import require
from app.extensions import db
from app.forms import Lines, Rows
from app.modules import ModuleError, configure, disable, enable, station_modules
from app.permissions import STATION_MODULES
from app.plugin_contract import Plugin
from app.plugin_host import effective_settings, host
from app.station.blueprint import bp


@dataclass(frozen=True)
class SettingField:
    name: str
    label: str
    help: str
    kind: str  # text, integer, boolean, lines, choice
    value: object
    choices: tuple = ()


def setting_fields(plugin: Plugin, values: dict) -> list[SettingField]:
    if plugin.settings is None:
        return []
    out = []
    for name, f in plugin.settings().fields.items():
        kind, choices = "text", ()
        if isinstance(f, Lines | Rows):
            kind = "lines"
        elif isinstance(f, fields.Boolean):
            kind = "boolean"
        elif isinstance(f, fields.Integer):
            kind = "integer"
        for v in f.validators:
            if isinstance(v, validate.OneOf):
                kind, choices = "choice", tuple(zip(v.choices, v.labels or v.choices, strict=False))
        value = values.get(name)
        if isinstance(f, Rows) and isinstance(value, list | tuple):
            value = f.as_text(value)
        elif kind == "lines" and isinstance(value, list | tuple):
            value = "\n".join(str(v) for v in f._serialize(value, name, values))
        out.append(SettingField(name, str(f.metadata.get("label", name)),
                                str(f.metadata.get("help", "")), kind, value, choices))
    return out


def _plugin(key: str) -> Plugin:
    plugin = host().plugins.get(key)
    if plugin is None:
        abort(404)
    return plugin


@bp.get("/modules")
@require(STATION_MODULES)
def modules():
    rows = station_modules()
    return render_template("station/modules.html", plugins=list(host().plugins.values()),
                           rows=rows, errors={})


@bp.post("/modules/<plugin_key>/enable")
@require(STATION_MODULES)
def module_enable(plugin_key: str):
    return _switch(plugin_key, on=True)


@bp.post("/modules/<plugin_key>/disable")
@require(STATION_MODULES)
def module_disable(plugin_key: str):
    return _switch(plugin_key, on=False)


def _switch(key: str, on: bool):
    plugin = _plugin(key)
    try:
        enable(g.station, key) if on else disable(g.station, key)
    except ModuleError as exc:
        db.session.rollback()
        return render_template("station/modules.html", plugins=list(host().plugins.values()),
                               rows=station_modules(), errors={key: exc.errors["_schema"]}), 400
    db.session.commit()
    host().forget_states()
    message = _("%(module)s is switched on.") if on else _(
        "%(module)s is switched off. Its records are kept and come back when it is switched "
        "on again.")
    flash(message % {"module": plugin.name}, "success")
    return redirect(url_for(".modules"))


@bp.route("/modules/<plugin_key>/settings", methods=["GET", "POST"])
@require(STATION_MODULES)
def module_settings(plugin_key: str):
    plugin = _plugin(plugin_key)
    row = station_modules().get(plugin_key)
    errors, values = {}, effective_settings(plugin, row.settings if row else None)
    if request.method == "POST":
        posted = request.form.to_dict()
        blank = {}
        for f in setting_fields(plugin, {}):
            if f.kind == "boolean":  # an unticked box sends nothing
                posted[f.name] = f.name in request.form
            elif f.kind != "lines" and not str(posted.get(f.name, "")).strip():
                blank[f.name] = _("This field is required.")  # not a silent reset
        # The filled-in fields are checked too, so every mistake shows at once.
        filled = {k: v for k, v in posted.items() if k not in blank}
        try:
            configure(g.station, plugin_key, filled)
            if blank:
                raise ModuleError(blank)
        except ModuleError as exc:
            db.session.rollback()
            errors, values = {**exc.errors, **blank}, posted
        else:
            db.session.commit()
            flash(_("The settings of %(module)s are saved.", module=plugin.name), "success")
            return redirect(url_for(".modules"))
    return render_template(
        "station/module_settings.html", plugin=plugin, fields=setting_fields(plugin, values),
        errors=errors, row=row,
    ), (400 if errors else 200)
