"""Words for the module's codes, in the user's language."""

from datetime import date, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Keyed by the codes of models.py (which takes these words for the audit log).
STATUS_LABELS = {"held": _l("Waiting for the text code"), "booked": _l("Booked"),
                 "arrived": _l("Came"), "no_show": _l("Did not come"),
                 "cancelled": _l("Cancelled"), "released": _l("Released")}
STATUS_STYLES = {"held": "info", "booked": "primary", "arrived": "success",
                 "no_show": "warning", "cancelled": "secondary", "released": "dark"}
RELEASE_LABELS = {"expired": _l("The hold ran out"), "tries": _l("Too many wrong codes"),
                  "suspect": _l("Looks fake or malicious"),
                  "duplicate": _l("Booked more than once"),
                  "unconfirmed": _l("Never confirmed"), "other": _l("Other reason")}
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
            "release_labels": RELEASE_LABELS,
            "day_label": day_label, "hhmm": hhmm}
