"""The county's clock: today and now where the county is, not where the server is.

Rows store UTC; due dates, sessions and figures are the county's days, in
``FENGQIAO_TIMEZONE``. A server on UTC would otherwise still be on yesterday until 08:00
in Beijing.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def local_now() -> datetime:
    """The county's wall-clock time (naive), in ``FENGQIAO_TIMEZONE``."""
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return datetime.now(ZoneInfo(zone)).replace(tzinfo=None)


def local_today() -> date:
    """Today where the county is (see :func:`local_now`)."""
    return local_now().date()


def day_arg(text: str | None) -> date | None:
    """The day a URL or form names as ``YYYY-MM-DD``, or None: only years 2000 to 2100, so
    a page can step a day or a week either side of it and still have a date."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else None
