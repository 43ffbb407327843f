"""One schema per resource, for the HTML forms and the JSON API alike, and the module's
settings."""

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import validates, validates_schema

from app.plugin_api import (
    Form,
    Text,
    ValidationError,
    VillageField,
    fields,
    length,
    local_today,
    one_of,
    period_pattern,
    validate,
)

from .models import CHANNELS, REASONS, RECEIVERS

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_recent = validate.Range(
    FIRST_DAY, LAST_DAY, error=_l("Please enter a date between 2000 and 2100.")
)
_phone = validate.Regexp(r"^[0-9+\- ]{5,20}$", error=_l("Please enter a phone number."))


class Settings(Form):
    round_trip_hours = fields.Float(
        load_default=3.0,
        validate=validate.Range(0.5, 24, error=_l("Enter a number of hours from 0.5 to 24.")),
        metadata={"label": _l("Hours a resident's round trip to the station takes"),
                  "help": _l("Bus, waiting and the way back, e.g. 3. Each trip the backpack "
                             "saves counts this many hours in the figures.")},
    )
    reminder = fields.Boolean(
        load_default=True,
        metadata={"label": _l("Text residents the day before a visit"),
                  "help": _l("At 17:00: the date, the officer and what to have ready.")},
    )


def _not_future(value):
    if value > local_today():
        # A message, not a lazy string: a field's validators extend a list with it.
        raise ValidationError(gettext("This date is still to come."))


class RequestForm(Form):
    """A request taken by phone, WeChat, a grid worker, a relative or on an officer's visit."""

    def __init__(self, services=(), **kwargs):
        super().__init__(**kwargs)
        self.services = set(services)

    resident_name = Text(required=True, validate=length(64))
    resident_phone = Text(required=True, validate=_phone)
    resident_id_number = Text(
        load_default=None,
        validate=validate.Regexp(r"^\d{17}[\dXx]$",
                                 error=_l("An ID number has 18 characters: 17 digits, then a "
                                          "digit or X.")),
    )
    village_id = VillageField(required=True)
    address = Text(required=True, validate=length(200))
    reason = Text(required=True, validate=one_of(REASONS))
    reason_note = Text(load_default=None, validate=length(300))
    service = Text(required=True)
    channel = Text(required=True, validate=one_of(CHANNELS))
    requested_on = fields.Date(load_default=None, validate=[_recent, _not_future])

    @validates("service")
    def _service(self, value, **kwargs):
        if value not in self.services:
            raise ValidationError(_l("Please choose one of the home services."))

    @validates_schema(skip_on_field_errors=False)
    def _say_why(self, data, **kwargs):
        if data.get("reason") == "other" and not data.get("reason_note"):
            raise ValidationError(_l("Say why the resident cannot come."), "reason_note")


class ScheduleForm(Form):
    def __init__(self, member_ids=(), **kwargs):
        super().__init__(**kwargs)
        self.member_ids = set(member_ids)

    visit_date = fields.Date(required=True, validate=_recent)
    officer_id = fields.Integer(required=True)

    @validates("visit_date")
    def _ahead(self, value, **kwargs):
        if value < local_today():
            raise ValidationError(_l("A visit is planned for today or a later day."))

    @validates("officer_id")
    def _member(self, value, **kwargs):
        if value not in self.member_ids:
            raise ValidationError(_l("Please choose one of the station's people."))


class VisitForm(Form):
    visited_on = fields.Date(required=True, validate=[_recent, _not_future])
    what_done = Text(required=True, validate=length(2000))
    photos_taken = fields.Boolean(load_default=False)
    documents_collected = Text(load_default=None, validate=length(500))
    needs_delivery = fields.Boolean(load_default=False)
    follow_up = fields.Boolean(load_default=False)
    follow_up_note = Text(load_default=None, validate=length(2000))

    @validates_schema(skip_on_field_errors=False)
    def _what_follows(self, data, **kwargs):
        if data.get("follow_up") and not data.get("follow_up_note"):
            raise ValidationError(_l("Say what the follow-up is."), "follow_up_note")


class DeliveryForm(Form):
    delivered_on = fields.Date(required=True, validate=[_recent, _not_future])
    received_by = Text(required=True, validate=one_of(RECEIVERS))
    received_by_name = Text(load_default=None, validate=length(64))

    @validates_schema(skip_on_field_errors=False)
    def _relative_named(self, data, **kwargs):
        if data.get("received_by") == "relative" and not data.get("received_by_name"):
            raise ValidationError(_l("Name the relative who received it."), "received_by_name")


class FollowUpForm(Form):
    note = Text(required=True, validate=length(2000))


class CannotForm(Form):
    reason = Text(required=True, validate=length(2000))


class RequestFilter(Form):
    """The requests list's periods: finished (done or not possible) in one, certificate
    delivered in one (the county's figures open the list filtered so)."""

    finished = Text(load_default=None, validate=period_pattern())
    delivered = Text(load_default=None, validate=period_pattern())
