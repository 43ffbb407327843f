"""One schema per resource, for the HTML forms and the JSON API alike, and the module's
settings: the posts with their minimum staffing per season, the shifts, the seasons, the
kinds of help and of lost things."""

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from marshmallow import validates, validates_schema

from app.plugin_api import (
    Form,
    Lines,
    Rows,
    Text,
    ValidationError,
    fields,
    length,
    local_now,
    local_today,
    one_of,
    validate,
)

from .models import ID_TYPES

SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
PHONE = re.compile(r"^1[3-9]\d{9}$")
RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")

DEFAULT_POSTS = [
    {"name": "游客中心岗", "place": "青木川古镇游客中心", "hours": "08:00-20:00",
     "min_offpeak": 1, "min_normal": 2, "min_peak": 3},
    {"name": "古镇老街岗", "place": "回龙场老街", "hours": "08:00-22:00",
     "min_offpeak": 1, "min_normal": 2, "min_peak": 4},
    {"name": "魏氏庄园岗", "place": "魏氏庄园门口", "hours": "08:30-18:00",
     "min_offpeak": 1, "min_normal": 1, "min_peak": 2},
]
DEFAULT_SHIFTS = [{"name": "早班", "hours": "08:00-14:00"},
                  {"name": "晚班", "hours": "14:00-20:00"}]
DEFAULT_HELP_KINDS = ["指路咨询", "急救", "寻找走失儿童", "手机充电", "借用雨伞",
                      "调解纠纷", "反诈提醒", "其他求助"]
DEFAULT_ITEM_KINDS = ["证件", "手机", "钱包", "背包", "钥匙", "相机", "其他"]

_recent = validate.Range(
    date(2000, 1, 1), date(2100, 12, 31), error=_l("Please enter a date between 2000 and 2100.")
)


# Field validators raise plain strings: marshmallow spreads a lazy string's characters.
def _span(value):
    if not SPAN.match(value.replace(" ", "")):
        raise ValidationError(_("Write the hours as HH:MM-HH:MM, e.g. 08:00-20:00."))


def _staff(label):
    return fields.Integer(
        required=True, metadata={"label": label},
        validate=validate.Range(0, 50, error=_l("Enter a number of people from 0 to 50.")),
    )


class Months(Lines):
    """Months of the year, one per line or several on a line (``7,8,10``, Chinese commas
    too); kept as a sorted list of month numbers as text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = re.split(r"[\s,，、]+", value)
        items = super()._deserialize(value, attr, data, **kwargs)
        if not all(m.isdigit() and 1 <= int(m) <= 12 for m in items):
            raise ValidationError(_("List months as numbers from 1 to 12, e.g. 7,8,10."))
        return [str(m) for m in sorted({int(m) for m in items})]


def months(values) -> set[int]:
    return {int(m) for m in values or ()}


class Settings(Form):
    posts = Rows(
        [("name", Text(required=True, validate=length(40), metadata={"label": _l("Post")})),
         ("place", Text(required=True, validate=length(100),
                        metadata={"label": lazy_pgettext("post", "Place")})),
         ("hours", Text(required=True, validate=_span,
                        metadata={"label": lazy_pgettext("a post's opening hours", "Hours")})),
         ("min_offpeak", _staff(_l("Off-peak minimum"))),
         ("min_normal", _staff(_l("Normal minimum"))),
         ("min_peak", _staff(_l("Peak minimum")))],
        load_default=lambda: [dict(p) for p in DEFAULT_POSTS],
        validate=validate.Length(1, 30, error=_l("Give between 1 and 30 posts.")),
        metadata={"label": _l("Posts in the scenic area"),
                  "help": _l("One per line: post | place | hours | people needed off-peak | "
                             "normal | peak, e.g. 古镇老街岗 | 回龙场老街 | 08:00-22:00 | 1 | 2 "
                             "| 4.")},
    )
    shifts = Rows(
        [("name", Text(required=True, validate=length(20), metadata={"label": _l("Shift")})),
         ("hours", Text(required=True, validate=_span,
                        metadata={"label": lazy_pgettext("a shift's hours", "Hours")}))],
        load_default=lambda: [dict(s) for s in DEFAULT_SHIFTS],
        validate=validate.Length(1, 6, error=_l("Give between 1 and 6 shifts.")),
        metadata={"label": _l("Shifts"),
                  "help": _l("One per line: shift | hours, e.g. 早班 | 08:00-14:00.")},
    )
    peak_months = Months(
        maximum_length=2, load_default=lambda: ["5", "7", "8", "10"],
        metadata={"label": _l("Peak months"),
                  "help": _l("Months when the peak minimum applies, e.g. 5,7,8,10.")},
    )
    offpeak_months = Months(
        maximum_length=2, load_default=lambda: ["1", "11", "12"],
        metadata={"label": _l("Off-peak months"),
                  "help": _l("Months when the off-peak minimum applies; the other months "
                             "are normal.")},
    )
    peak_extra = fields.Integer(
        load_default=1,
        validate=validate.Range(0, 20, error=_l("Enter a number of people from 0 to 20.")),
        metadata={"label": _l("Reinforcement on a declared peak day"),
                  "help": _l("A day declared a peak needs the peak minimum plus this many "
                             "people at each post (遇峰增援).")},
    )
    help_kinds = Lines(
        maximum_length=20, load_default=lambda: list(DEFAULT_HELP_KINDS),
        validate=validate.Length(1, 16, error=_l("Give between 1 and 16 kinds.")),
        metadata={"label": _l("Kinds of help"),
                  "help": _l("One per line; the lounge desk gets a button for each.")},
    )
    item_kinds = Lines(
        maximum_length=20, load_default=lambda: list(DEFAULT_ITEM_KINDS),
        validate=validate.Length(1, 16, error=_l("Give between 1 and 16 kinds.")),
        metadata={"label": _l("Kinds of lost things"), "help": _l("One per line.")},
    )
    disposal_days = fields.Integer(
        load_default=90,
        validate=validate.Range(7, 3650, error=_l("Enter a number of days from 7 to 3650.")),
        metadata={"label": _l("Days before an unclaimed item is disposed of"),
                  "help": _l("Found items unclaimed this long are flagged for disposal.")},
    )
    claim_contact = Lines(
        maximum_length=100,
        load_default=lambda: ["请携带本人有效身份证件，到派出所暖心警务会客厅认领。",
                              "会客厅开放时间：每天 08:00-20:00"],
        validate=validate.Length(1, 5, error=_l("Give between 1 and 5 lines.")),
        metadata={"label": _l("How to claim a found item"),
                  "help": _l("Shown on the public lost-and-found page, one line each: where "
                             "to come, opening hours, the station's phone.")},
    )


class _Choices(Form):
    """A form whose choices (kinds) are the current station's settings."""

    def __init__(self, kinds=(), **kwargs):
        super().__init__(**kwargs)
        self.kinds = list(kinds)

    @validates("kind")
    def _kind(self, value, **kwargs):
        if value not in self.kinds:
            raise ValidationError(_l("Please choose one of the listed options."))


def _not_future(value):
    if value > local_today():
        raise ValidationError(_("This date is still to come."))


def _no_numbers(value):
    # A phone or ID number typed into a text anyone can read.
    if re.search(r"\d{5,}", value):
        raise ValidationError(_("Leave out numbers: this text is shown to the public."))


class CellForm(Form):
    """The people on duty in one post and shift: station members and volunteers (the ids
    of community forces; the roster checks they are the station's volunteers)."""

    version = fields.Integer(required=True)
    user_ids = fields.List(fields.Integer(), load_default=list)
    force_ids = fields.List(fields.Integer(), load_default=list)


class PeakForm(Form):
    day = fields.Date(required=True, validate=_recent)
    reason = Text(required=True, validate=length(100))
    extra = fields.Integer(
        load_default=None,
        validate=validate.Range(0, 20, error=_l("Enter a number of people from 0 to 20.")),
    )


class CountForm(Form):
    add = fields.Integer(required=True, validate=validate.OneOf(
        [1, 5, -1], error=_l("Please choose one of the listed options.")))


class TallyForm(Form):
    """Visitors counted on paper, entered afterwards for a past hour."""

    day = fields.Date(required=True, validate=[_recent, _not_future])
    hour = fields.Integer(required=True, validate=validate.Range(
        0, 23, error=_l("Enter an hour from 0 to 23.")))
    visitors = fields.Integer(required=True, validate=validate.Range(
        1, 5000, error=_l("Enter a number from 1 to 5000.")))

    @validates_schema
    def _past_hour(self, data, **kwargs):
        now = local_now()
        if data.get("day") == now.date() and data.get("hour", 0) > now.hour:
            raise ValidationError(_l("This hour is still to come."), "hour")


class HelpForm(_Choices):
    kind = Text(required=True)
    note = Text(load_default=None, validate=length(200))


class FoundItemForm(_Choices):
    kind = Text(required=True)
    public_description = Text(required=True, validate=[length(100), _no_numbers])
    description = Text(load_default=None, validate=length(2000))
    found_on = fields.Date(required=True, validate=[_recent, _not_future])
    found_place = Text(required=True, validate=length(100))
    has_photo = fields.Boolean(load_default=False)
    kept_at = Text(required=True, validate=length(100))
    finder_name = Text(load_default=None, validate=length(64))
    finder_phone = Text(load_default=None, validate=validate.Regexp(
        r"^[0-9+\- ]{5,20}$", error=_l("Please enter a phone number.")))


class LossReportForm(_Choices):
    """A loss, reported at the desk or by the tourist on the public page."""

    kind = Text(required=True)
    description = Text(required=True, validate=length(1000))
    lost_on = fields.Date(required=True, validate=[_recent, _not_future])
    lost_place = Text(load_default=None, validate=length(100))
    reporter_name = Text(required=True, validate=length(64))
    reporter_phone = Text(required=True, validate=validate.Regexp(
        PHONE, error=_l("Please enter an 11-digit mobile number.")))


class SearchForm(_Choices):
    """The public search: found between two dates, of one kind or any."""

    kind = Text(load_default=None)
    found_from = fields.Date(load_default=None, validate=_recent)
    found_to = fields.Date(load_default=None, validate=_recent)

    @validates("kind")
    def _kind(self, value, **kwargs):
        if value is not None and value not in self.kinds:
            raise ValidationError(_l("Please choose one of the listed options."))

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("found_from") and data.get("found_to") and \
                data["found_from"] > data["found_to"]:
            raise ValidationError(_l("The first date must come before the second."), "found_to")


class HandoverForm(Form):
    receiver_name = Text(required=True, validate=length(64))
    receiver_id_type = Text(required=True, validate=one_of(ID_TYPES))
    receiver_id_number = Text(required=True, validate=validate.Regexp(
        r"^[0-9A-Za-z]{6,30}$", error=_l("Please enter the document's number.")))
    # Boxes the officer ticks; left unticked, the schema check below names what is missing.
    identity_checked = fields.Boolean(load_default=False)
    details_confirmed = fields.Boolean(load_default=False)

    @validates_schema
    def _checked(self, data, **kwargs):
        if data.get("receiver_id_type") == "resident_id" and data.get("receiver_id_number") \
                and not RESIDENT_ID.match(data["receiver_id_number"]):
            raise ValidationError(_l("A resident ID number has 18 characters."),
                                  "receiver_id_number")
        if not data.get("identity_checked"):
            raise ValidationError(_l("Check the document against the person first."),
                                  "identity_checked")
        if not data.get("details_confirmed"):
            raise ValidationError(_l("The owner must describe the item first."),
                                  "details_confirmed")


class DisposalForm(Form):
    note = Text(required=True, validate=length(200))
