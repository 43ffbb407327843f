"""Reading the audit log: filters (who, when, action, object) and paging, shared by the
station's and the county's viewers.

The log only grows (a county's holds millions of rows), so a view never counts it: it
pages by position, newest first (app.paging.window): each page a short read down the
``(station_id, created_at)`` or ``(county_id, created_at)`` index, whatever the log's
length."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import validates_schema
from sqlalchemy import Select, or_

from app.audit import labels
from app.audit.models import AuditEvent
from app.forms import Form, Text, ValidationError, fields, length, load, validate
from app.paging import Window, window

ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "auth.sign_in": _l("Signed in"),
    "auth.sign_out": _l("Signed out"),
    "auth.sign_in_failed": _l("Failed sign-in"),
    "auth.sign_in_refused": _l("Sign-in refused (throttled)"),
    "auth.invitation_accepted": _l("Set their password from an invitation link"),
    "pii.reveal": _l("Viewed personal data unmasked"),
    "station.open": _l("Station opened"),
    "module.handoff": _l("Handed to another module (with personal data)"),
}


_sensible_date = validate.Range(
    date(2000, 1, 1), date(2100, 12, 31), error=_l("Please enter a date between 2000 and 2100.")
)


class AuditFilter(Form):
    actor = Text(load_default=None, validate=length(64, 0))
    action = Text(load_default=None, validate=length(64, 0))
    object_type = Text(load_default=None, validate=length(64, 0))
    object_id = Text(load_default=None, validate=length(64, 0))
    station = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    date_from = fields.Date(load_default=None, validate=_sensible_date)
    date_to = fields.Date(load_default=None, validate=_sensible_date)

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_l("The start date is after the end date."), "date_to")


def _blank_to_none(args) -> dict:
    return {k: v for k, v in args.to_dict(flat=True).items() if v.strip() != ""}


def filtered(base: Select, data: dict, tz_offset: timedelta) -> Select:
    stmt = base
    if data.get("actor"):
        stmt = stmt.where(AuditEvent.actor_name.contains(data["actor"]))
    if data.get("action"):
        stmt = stmt.where(
            or_(AuditEvent.action == data["action"], AuditEvent.action.startswith(data["action"]))
        )
    if data.get("object_type"):
        stmt = stmt.where(AuditEvent.object_type == data["object_type"])
    if data.get("object_id"):
        stmt = stmt.where(AuditEvent.object_id == data["object_id"])
    if data.get("station"):
        stmt = stmt.where(AuditEvent.station_id == data["station"])
    # Dates are the user's local days; rows are stored in UTC.
    if data.get("date_from"):
        stmt = stmt.where(
            AuditEvent.created_at >= datetime.combine(data["date_from"], time.min) - tz_offset
        )
    if data.get("date_to"):
        end = datetime.combine(data["date_to"] + timedelta(days=1), time.min) - tz_offset
        stmt = stmt.where(AuditEvent.created_at < end)
    return stmt


def page_of(base: Select, args) -> dict:
    """Validate the query-string filters and return one page of events, newest first,
    each with its changes in words, and the words of the actions and kinds of object on
    the page (once each, not once a row)."""
    data, errors = load(AuditFilter(), _blank_to_none(args))
    if errors:
        return {"page": Window([], current_app.config["PAGE_SIZE"], False, False),
                "errors": errors, "changes": {}, "object_types": object_types(),
                "actions": {}, "objects": {}}
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    stmt = filtered(base, data, zone.utcoffset(datetime.now()))
    page = window(stmt, (AuditEvent.created_at, AuditEvent.id))
    names = labels.names_of(page.items)
    return {"page": page, "errors": {}, "object_types": object_types(),
            "changes": {e.id: labels.describe(e, names) for e in page.items},
            "actions": {a: action_label(a) for a in {e.action for e in page.items}},
            "objects": {t: labels.object_label(t)
                        for t in {e.object_type for e in page.items}}}


def object_types() -> list[tuple[str, str]]:
    """The kinds of object the log may name, for the filter: every audited table and the
    modules' own kinds."""
    from app.extensions import db

    tables = [m.local_table.name for m in db.Model.registry.mappers
              if getattr(m.class_, "__audit__", True)]
    return labels.object_choices(tables + labels.extra_object_types())


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else (labels.extra_label(action) or action)
