"""Words for the module's codes, in the user's language."""

from datetime import date, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import ARRIVED, BOOKED, CANCELLED, NO_SHOW, ONLINE, PHONE, WALK_IN, WECHAT

STATUS_LABELS = {BOOKED: _l("Booked"), ARRIVED: _l("Came"), NO_SHOW: _l("Did not come"),
                 CANCELLED: _l("Cancelled")}
STATUS_STYLES = {BOOKED: "primary", ARRIVED: "success", NO_SHOW: "warning",
                 CANCELLED: "secondary"}
CHANNEL_LABELS = {ONLINE: _l("Online"), PHONE: _l("By phone"), WECHAT: _l("By WeChat"),
                  WALK_IN: _l("At the counter")}
MODE_LABELS = {"appointment": _l("By appointment"), "window": _l("At the window"),
               "home": _l("At home")}
WEEKDAY_LABELS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
WEEKDAY_NAMES = {"monday": _l("Monday"), "tuesday": _l("Tuesday"),
                 "wednesday": _l("Wednesday"), "thursday": _l("Thursday"),
                 "friday": _l("Friday"), "saturday": _l("Saturday"), "sunday": _l("Sunday")}


def day_label(day: date) -> str:
    """A day as people say it: 6月3日 周二."""
    return _("%(month)d/%(day)d %(weekday)s", month=day.month, day=day.day,
             weekday=WEEKDAY_LABELS[day.weekday()])


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def template_helpers() -> dict:
    """What the module's templates, staff and public, use to show its codes."""
    return {"status_labels": STATUS_LABELS, "status_styles": STATUS_STYLES,
            "channel_labels": CHANNEL_LABELS, "mode_labels": MODE_LABELS,
            "day_label": day_label, "hhmm": hhmm}
