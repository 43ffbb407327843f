"""One schema per resource, for the HTML forms and the JSON API alike, and the module's
settings."""

from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import validates, validates_schema

from app.plugin_api import (
    Form,
    Lines,
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

from .models import CLOSED, IN_PROGRESS, RESOLVED

DEFAULT_CATEGORIES = ["烦心事", "揪心事", "暖心事"]


class ConcernFilter(Form):
    """The concerns list's periods: raised in one, resolved in one (the county's figures
    open the list filtered so)."""

    raised = Text(load_default=None, validate=period_pattern())
    resolved = Text(load_default=None, validate=period_pattern())

_recent = validate.Range(
    date(2000, 1, 1), date(2100, 12, 31), error=_l("Please enter a date between 2000 and 2100.")
)


class Settings(Form):
    categories = Lines(
        maximum_length=20, load_default=lambda: list(DEFAULT_CATEGORIES),
        validate=validate.Length(1, 10, error=_l("Give between 1 and 10 categories.")),
        metadata={"label": _l("Concern categories"),
                  "help": _l("One per line, e.g. 烦心事, 揪心事, 暖心事.")},
    )
    due_days = fields.Integer(
        load_default=14,
        validate=validate.Range(1, 365, error=_l("Enter a number of days from 1 to 365.")),
        metadata={"label": _l("Days to follow up a concern"),
                  "help": _l("A new concern is due this many days after the session.")},
    )
    flag_overdue = fields.Boolean(
        load_default=True,
        metadata={"label": _l("Flag overdue concerns every morning"),
                  "help": _l("Overdue concerns show first and on the station's home page.")},
    )


class PointForm(Form):
    name = Text(required=True, validate=length(100))
    # Edit it with ``PointForm(keep={"village_id": point.village_id})``: a village retired
    # since stays the point's own, though no new point may stand in it.
    village_id = VillageField(required=True)
    place = Text(load_default=None, validate=length(200))
    notes = Text(load_default=None, validate=length(2000))
    active = fields.Boolean(load_default=True)


class _StationChoices(Form):
    """A form whose choices (members, categories) are the current station's."""

    def __init__(self, members=(), categories=(), **kwargs):
        super().__init__(**kwargs)
        self.member_ids = {m[0] for m in members}
        self.categories = list(categories)

    def _member(self, value):
        if value is not None and value not in self.member_ids:
            raise ValidationError(_l("Please choose one of the station's people."))


class SessionForm(_StationChoices):
    held_on = fields.Date(required=True, validate=_recent)
    starts_at = fields.Time(load_default=None)
    ends_at = fields.Time(load_default=None)
    host_id = fields.Integer(load_default=None)
    attendees = fields.Integer(
        load_default=0,
        validate=validate.Range(0, 10000, error=_l("Enter a number from 0 to 10000.")),
    )
    notable_attendees = Text(load_default=None, validate=length(300))
    summary = Text(load_default=None, validate=length(4000))

    @validates("held_on")
    def _not_future(self, value, **kwargs):
        if value > local_today():
            raise ValidationError(_l("A session cannot be recorded before it is held."))

    @validates("host_id")
    def _host(self, value, **kwargs):
        self._member(value)

    @validates_schema
    def _ends_after_it_starts(self, data, **kwargs):
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if ends is not None and starts is None:
            raise ValidationError(_l("Give the time it started too."), "starts_at")
        if starts is not None and ends is not None and ends <= starts:
            raise ValidationError(_l("A session ends after it starts."), "ends_at")


class ConcernForm(_StationChoices):
    category = Text(required=True)
    title = Text(required=True, validate=length(200))
    details = Text(load_default=None, validate=length(4000))
    raised_by = Text(load_default=None, validate=length(64))
    raised_by_phone = Text(
        load_default=None,
        validate=validate.Regexp(r"^[0-9+\- ]{5,20}$", error=_l("Please enter a phone number.")),
    )
    owner_id = fields.Integer(load_default=None)
    due_on = fields.Date(load_default=None, validate=_recent)

    @validates("category")
    def _category(self, value, **kwargs):
        if value not in self.categories:
            raise ValidationError(_l("Please choose one of the listed options."))

    @validates("owner_id")
    def _owner(self, value, **kwargs):
        self._member(value)


PROGRESS_STATUSES = (IN_PROGRESS, RESOLVED, CLOSED)


class ProgressForm(Form):
    status = Text(required=True, validate=one_of(PROGRESS_STATUSES))
    note = Text(required=True, validate=length(4000))
    result = Text(load_default=None, validate=length(4000))

    @validates_schema
    def _result_when_finished(self, data, **kwargs):
        if data.get("status") in (RESOLVED, CLOSED) and not data.get("result"):
            raise ValidationError(
                _l("Say what the result was when you finish a concern."), "result"
            )
