"""Reading the audit log: filters (who, when, action, object) and paging, shared by the
station's and the county's viewers."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import validates_schema
from sqlalchemy import Select, func, or_, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.forms import Form, Text, ValidationError, fields, length, load, validate

ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "auth.sign_in": _l("Signed in"),
    "auth.sign_out": _l("Signed out"),
    "auth.sign_in_failed": _l("Failed sign-in"),
    "auth.sign_in_refused": _l("Sign-in refused (throttled)"),
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
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))

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
    """Validate the query-string filters and return one page of events, newest first."""
    data, errors = load(AuditFilter(), _blank_to_none(args))
    if errors:
        return {"events": [], "errors": errors, "page": 1, "pages": 0, "total": 0}
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    stmt = filtered(base, data, zone.utcoffset(datetime.now()))
    size = current_app.config["AUDIT_PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    events = db.session.scalars(
        stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(size)
        .offset((data["page"] - 1) * size)
    ).all()
    return {
        "events": events,
        "errors": {},
        "page": data["page"],
        "pages": max(1, -(-total // size)),
        "total": total,
    }


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
