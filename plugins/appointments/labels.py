"""Words for the module's codes, in the user's language."""

from datetime import date, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Keyed by the codes of models.py (which takes these words for the audit log).
STATUS_LABELS = {"booked": _l("Booked"), "arrived": _l("Came"), "no_show": _l("Did not come"),
                 "cancelled": _l("Cancelled")}
STATUS_STYLES = {"booked": "primary", "arrived": "success", "no_show": "warning",
                 "cancelled": "secondary"}
CHANNEL_LABELS = {"online": _l("Online"), "phone": _l("By phone"), "wechat": _l("By WeChat"),
                  "walk_in": _l("At the counter")}
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
