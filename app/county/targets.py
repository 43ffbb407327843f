"""The county's targets per metric (e.g. 调解率 ≥ 98 %, 民转刑 = 0), set by county IT on
``/county/<county>/targets``; the county's pages mark each station's figure that misses
its target. A target holds to a station's own figure, as counted (not per resident)."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from sqlalchemy import select

from app.access import require
from app.county.models import AT_LEAST, AT_MOST, EXACTLY, OPERATORS, Target
from app.extensions import db
from app.forms import Form, Text, length, load, one_of
from app.permissions import COUNTY_TARGETS
from app.plugin_contract import RATE
from app.plugin_host import host
from tenants.console import bp
from tenants.models import County

RULES = {AT_LEAST: "≥", AT_MOST: "≤", EXACTLY: "="}


class TargetForm(Form):
    operator = fields.String(required=True, validate=one_of(OPERATORS))
    value = fields.Float(required=True, allow_nan=False, validate=validate.Range(
        min=0, max=1_000_000_000, error=_l("Enter a number from {min} to {max}.")))
    note = Text(load_default=None, validate=length(200, 0))


def targets_of(county: County) -> dict[str, Target]:
    """The county's targets by metric key."""
    return {t.metric: t for t in db.session.scalars(
        select(Target).where(Target.county_id == county.id))}


def _page(errors=None, failed=None, form=None):
    sections = [(p, p.metrics) for p in host().plugins.values() if p.metrics]
    return render_template("county/targets.html", sections=sections, rules=RULES,
                           targets=targets_of(g.county), errors=errors or {}, failed=failed,
                           form=form)


@bp.get("/targets")
@require(COUNTY_TARGETS)
def targets():
    return _page()


@bp.post("/targets/<metric_key>")
@require(COUNTY_TARGETS)
def target_set(metric_key: str):
    found = host().metric(metric_key)
    if found is None:
        abort(404)
    metric = found[1]
    current = targets_of(g.county).get(metric_key)
    if request.form.get("action") == "clear":
        if current is not None:
            db.session.delete(current)
            db.session.commit()
            flash(_("The target of %(metric)s is cleared.", metric=metric.label), "success")
        return redirect(url_for("county.targets", _anchor=f"t-{metric_key}"))
    data, errors = load(TargetForm(), request.form)
    if not errors and metric.kind == RATE and data["value"] > 100:
        errors = {"value": _("A rate's target is a percentage from 0 to 100.")}
    if errors:
        return _page(errors, metric_key, request.form), 400
    target = current or Target(county_id=g.county.id, metric=metric_key)
    target.operator, target.value, target.note = data["operator"], data["value"], data["note"]
    if current is None:
        db.session.add(target)
    db.session.commit()
    flash(_("The target of %(metric)s is set.", metric=metric.label), "success")
    return redirect(url_for("county.targets", _anchor=f"t-{metric_key}"))
