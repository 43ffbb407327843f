"""Filtering cases for the list and the export: status, outcome, level, kind, village,
officer, the period opened or last closed in, and the reminders the daily job prepared
(the home card's way to all of them). The county's figures open the list filtered to the
cases they count."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.plugin_api import Form, Period, Text, fields, length, period_pattern, validate

from .labels import LABELS
from .models import Case, Reminder

# ``?reminder=``: cases with any reminder, or with one of a kind.
REMINDER_FILTERS = ("any", "follow_up", "stuck")


class CaseFilter(Form):
    status = Text(load_default=None, validate=validate.OneOf(
        ("open", "closed"), error=_l("Please choose one of the listed options.")))
    level = fields.Integer(load_default=None, validate=validate.Range(1, 20))
    kind = Text(load_default=None, validate=length(20))
    # One of the station's villages (retired ones too: their cases stay findable); another
    # station's id matches nothing, as every query here is the station's own.
    village_id = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    officer = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    outcome = Text(load_default=None, validate=validate.OneOf(
        tuple(LABELS["outcome"]), error=_l("Please choose one of the listed options.")))
    period = Text(load_default=None, validate=period_pattern())
    closed = Text(load_default=None, validate=period_pattern())
    reminder = Text(load_default=None, validate=validate.OneOf(
        REMINDER_FILTERS, error=_l("Please choose one of the listed options.")))


def filtered(data: dict):
    query = select(Case).order_by(Case.opened_on.desc(), Case.id.desc())
    if data.get("status"):
        query = query.where(Case.status == data["status"])
    if data.get("level"):
        query = query.where(Case.level == data["level"])
    if data.get("kind"):
        query = query.where(Case.kind == data["kind"])
    if data.get("village_id"):
        query = query.where(Case.village_id == data["village_id"])
    if data.get("officer"):
        query = query.where(Case.officer_id == data["officer"])
    if data.get("outcome"):
        query = query.where(Case.outcome == data["outcome"])
    if data.get("period"):
        period = Period.parse(data["period"])
        query = query.where(Case.opened_on >= period.start, Case.opened_on < period.end)
    if data.get("closed"):  # its last close, as the county's figures count it
        period = Period.parse(data["closed"])
        query = query.where(Case.status == "closed", Case.closed_on >= period.start,
                            Case.closed_on < period.end)
    if data.get("reminder"):
        reminded = select(Reminder.case_id)
        if data["reminder"] != "any":
            reminded = reminded.where(Reminder.kind == data["reminder"])
        query = query.where(Case.id.in_(reminded))
    return query
