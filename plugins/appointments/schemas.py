"""The module's settings (the station's service catalogue and opening hours) and the
booking forms, one schema each for the HTML forms and the JSON API alike."""

import re
import unicodedata
from datetime import date

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import pre_load, validates, validates_schema

from app.plugin_api import (
    Form,
    Lines,
    Rows,
    Text,
    ValidationError,
    fields,
    length,
    one_of,
    validate,
)

from .hours import WEEKDAYS, minutes
from .models import STAFF_CHANNELS, STAFF_REASONS

HOLD_MINUTES = 15  # how long an online booking waits for its text code

WINDOW, APPOINTMENT, HOME = "window", "appointment", "home"
MODES = (WINDOW, APPOINTMENT, HOME)
# Station admins type the catalogue in Chinese: these words are taken for the modes.
MODE_WORDS = {"窗口": WINDOW, "窗口办理": WINDOW, "预约": APPOINTMENT, "预约办理": APPOINTMENT,
              "上门": HOME, "上门服务": HOME}
_MODE_SHOWN = {WINDOW: "窗口", APPOINTMENT: "预约", HOME: "上门"}

_WEEKDAY_WORDS = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name[:3]: i for i, name in enumerate(WEEKDAYS)},
    **{str(i + 1): i for i in range(7)},
    **{prefix + day: i for prefix in ("周", "星期", "礼拜")
       for i, day in enumerate("一二三四五六日")},
    "周天": 6, "星期天": 6, "礼拜天": 6,
}

# The station's catalogue: 6 kinds and 23 services in 双堰 (seed 000); here the common
# ones of a household-registration hall, by appointment, at the window or at home.
DEFAULT_SERVICES = [
    {"name": "居民身份证申领、换领", "mode": APPOINTMENT,
     "documents": "户口簿；换领的带上原身份证；现场采集相片和指纹"},
    {"name": "居民身份证挂失补领", "mode": APPOINTMENT, "documents": "户口簿"},
    {"name": "临时居民身份证", "mode": WINDOW, "documents": "户口簿；近期免冠证件照 1 张"},
    {"name": "户口迁移", "mode": APPOINTMENT,
     "documents": "户口簿；身份证；准予迁入证明或迁移证"},
    {"name": "出生登记", "mode": APPOINTMENT,
     "documents": "出生医学证明；父母双方的身份证、户口簿；结婚证"},
    {"name": "居住证办理", "mode": APPOINTMENT,
     "documents": "身份证；租房合同或房产证明；近期免冠证件照"},
    {"name": "无犯罪记录证明", "mode": WINDOW, "documents": "身份证；用途说明或单位证明函"},
    {"name": "户籍证明", "mode": WINDOW, "documents": "户口簿；身份证"},
    {"name": "行动不便人员身份证信息采集", "mode": HOME,
     "documents": "户口簿；由家属或网格员提前预约上门时间"},
    {"name": "身份证送证上门", "mode": HOME, "documents": "受理回执；代领人身份证"},
]

# [0-9], not \d: \d also matches full-width and other digits, which int() and time()
# read but the database compares as different text.
TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
PERIOD_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$")


def _ascii(value):
    """Full-width digits, letters and colons (as Chinese keyboards type them) as ASCII."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


class Mode(Text):
    """How a service is given; the Chinese words are taken too."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return MODE_WORDS.get(value, value.lower())

    def _serialize(self, value, attr, obj, **kwargs):
        # Shown in the settings form as a Chinese admin types it.
        if value and str(get_locale()) == "zh":
            return _MODE_SHOWN.get(value, value)
        return value


class Weekdays(Lines):
    """Days of the week, typed as 周日, 星期六, Sunday, sun or 7; kept as English names."""

    def _deserialize(self, value, attr, data, **kwargs):
        days = super()._deserialize(value, attr, data, **kwargs)
        unknown = [d for d in days if d.lower() not in _WEEKDAY_WORDS]
        if unknown:
            raise ValidationError(_l("Write days of the week, e.g. 周六 or 周日."))
        return sorted({WEEKDAYS[_WEEKDAY_WORDS[d.lower()]] for d in days}, key=WEEKDAYS.index)

    def _serialize(self, value, attr, obj, **kwargs):
        if value and str(get_locale()) == "zh":
            return ["周" + "一二三四五六日"[WEEKDAYS.index(d)] for d in value]
        return value


class Periods(Lines):
    """Opening periods of a day, typed as 08:30-12:00 (full-width or spaced dashes too)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = re.sub(r"\s*[-–—~至到]\s*", "-", _ascii(value))
        periods = super()._deserialize(value, attr, data, **kwargs)
        if any(not PERIOD_RE.match(p) for p in periods):
            raise ValidationError(_l("Write each period as HH:MM-HH:MM, e.g. 08:30-12:00."))
        spans = sorted((minutes(p[:5]), minutes(p[6:])) for p in periods)
        if any(start >= end for start, end in spans) or any(
                a[1] > b[0] for a, b in zip(spans, spans[1:], strict=False)):
            raise ValidationError(_l("Each period must end after it starts, and periods "
                                     "must not overlap."))
        return sorted(periods)


def _dates(values):
    for value in values:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValidationError(_l("Please enter a date as YYYY-MM-DD.")) from None


class Settings(Form):
    services = Rows(
        [("name", Text(required=True, validate=length(40), metadata={"label": _l("Service")})),
         ("mode", Mode(required=True, validate=validate.OneOf(MODES, error=_l(
             "Write appointment, window or home (预约, 窗口 or 上门).")),
                       metadata={"label": _l("How it is given")})),
         ("documents", Text(load_default=None, validate=length(200),
                            metadata={"label": _l("Documents to bring")}))],
        load_default=lambda: [dict(s) for s in DEFAULT_SERVICES],
        validate=validate.Length(1, 60, error=_l("Give between 1 and 60 services.")),
        metadata={"label": _l("Services"),
                  "help": _l("One per line: service | appointment, window or home "
                             "(预约, 窗口 or 上门) | documents to bring. Services by "
                             "appointment can be booked online; home services are offered "
                             "by backpack policing.")},
    )
    hours = Periods(
        maximum_length=20, load_default=lambda: ["08:30-12:00", "14:00-17:30"],
        validate=validate.Length(1, 4, error=_l("Give between 1 and 4 periods.")),
        metadata={"label": _l("Window opening hours"),
                  "help": _l("One period per line, e.g. 08:30-12:00 and 14:00-17:30.")},
    )
    slot_minutes = fields.Integer(
        load_default=30,
        validate=validate.Range(10, 240, error=_l("Enter a number of minutes from 10 to 240.")),
        metadata={"label": _l("Minutes per time slot")},
    )
    capacity = fields.Integer(
        load_default=3,
        validate=validate.Range(1, 100, error=_l("Enter a number from 1 to 100.")),
        metadata={"label": _l("People per time slot and service")},
    )
    online_share = fields.Integer(
        load_default=50,
        validate=validate.Range(0, 100, error=_l(
            "Enter a percentage from 0 to 100, e.g. 50.")),
        metadata={"label": _l("Share of each day's places open to online booking (%)"),
                  "help": _l("Per service and day, rounded down. The rest is kept for "
                             "bookings staff make for callers and at the counter; 0 "
                             "closes online booking.")},
    )
    closed_weekdays = Weekdays(
        maximum_length=10, load_default=lambda: ["sunday"],
        metadata={"label": _l("Days the window is closed"),
                  "help": _l("Days of the week, one per line, e.g. 周日; open every day "
                             "if empty.")},
    )
    closed_dates = Lines(
        maximum_length=10, load_default=list, validate=_dates,
        metadata={"label": _l("Holidays"),
                  "help": _l("Dates the window is closed, one per line as YYYY-MM-DD.")},
    )
    book_days_ahead = fields.Integer(
        load_default=14,
        validate=validate.Range(1, 90, error=_l("Enter a number of days from 1 to 90.")),
        metadata={"label": _l("Days ahead residents may book")},
    )
    reminder = fields.Boolean(
        load_default=True,
        metadata={"label": _l("Remind people the day before"),
                  "help": _l("A text message at 17:00 with the time, the code and the "
                             "documents to bring.")},
    )
    sms_confirm = fields.Boolean(
        load_default=False,
        # The help names HOLD_MINUTES: change both together.
        metadata={"label": _l("Confirm online bookings with a code sent by text"),
                  "help": _l("An online booking holds its place for 15 minutes until the "
                             "resident enters the code texted to the phone on the booking "
                             "page; a hold not confirmed by then is released.")},
    )

    @validates_schema
    def _a_slot_fits(self, data, **kwargs):
        longest = max((minutes(p[6:]) - minutes(p[:5]) for p in data.get("hours", ())),
                      default=0)
        if data.get("slot_minutes", 30) > longest:
            raise ValidationError(_l("A time slot cannot be longer than the opening hours."),
                                  "slot_minutes")


def _digits(value):
    # People type phone numbers with spaces or dashes (138 1234 5678), and in full-width
    # digits: one phone must be one text, or its limits could be dodged.
    return re.sub(r"[\s\-]", "", _ascii(value)) if isinstance(value, str) else value


def clean_code(value: str) -> str:
    """A booking code as typed (spaces, dashes, lower case, full-width) as it is stored."""
    return re.sub(r"[^A-Z0-9]", "", _ascii(value).upper())


_mobile = validate.Regexp(r"^1[3-9][0-9]{9}$",
                          error=_l("Please enter an 11-digit mobile number, e.g. 13812345678."))


class BookingForm(Form):
    """A booking as a resident makes it on the public page."""

    service = Text(required=True)
    day = fields.Date(required=True)
    starts = Text(required=True, validate=validate.Regexp(
        TIME_RE, error=_l("Please choose a time.")))
    name = Text(required=True, validate=length(32))
    phone = Text(required=True, validate=_mobile)

    def __init__(self, services=(), **kwargs):
        super().__init__(**kwargs)
        self.services = set(services)

    @pre_load
    def _clean(self, data, **kwargs):
        data = dict(data)
        if "phone" in data:
            data["phone"] = _digits(data["phone"])
        if isinstance(data.get("starts"), str):
            data["starts"] = _ascii(data["starts"]).strip()
        return data

    @validates("service")
    def _bookable(self, value, **kwargs):
        if value not in self.services:
            raise ValidationError(_l("Please choose one of the services offered by "
                                     "appointment."))


class StaffBookingForm(BookingForm):
    """A booking staff make for a caller (by phone or WeChat, or at the counter)."""

    channel = Text(required=True, validate=one_of(STAFF_CHANNELS))


class CancelForm(Form):
    code = Text(required=True, validate=length(20))
    phone = Text(required=True, validate=_mobile)

    @pre_load
    def _clean(self, data, **kwargs):
        data = dict(data)
        if isinstance(data.get("code"), str):
            data["code"] = clean_code(data["code"])
        if "phone" in data:
            data["phone"] = _digits(data["phone"])
        return data


class CodeForm(Form):
    """The code texted to the phone, to confirm a held booking."""

    code = Text(required=True, validate=validate.Regexp(
        r"^[0-9]{6}$", error=_l("Please enter the 6 digits of the code.")))

    @pre_load
    def _clean(self, data, **kwargs):
        data = dict(data)
        if "code" in data:
            data["code"] = _digits(data["code"])
        return data


class ReleaseForm(Form):
    """Staff giving back the places of bookings that look fake."""

    reason = Text(required=True, validate=one_of(STAFF_REASONS))
    note = Text(load_default=None, validate=length(100))
