"""Periods the figures are counted over: a month or a year of the county's days."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.clock import local_today


@dataclass(frozen=True)
class Period:
    """A span of days, ``start`` included and ``end`` excluded."""

    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        days = calendar.monthrange(year, month)[1]
        start = date(year, month, 1)
        return cls(start, start + timedelta(days=days))

    @classmethod
    def current_month(cls, today: date | None = None) -> Period:
        today = today or local_today()
        return cls.month(today.year, today.month)

    @classmethod
    def last_full_month(cls, today: date | None = None) -> Period:
        """The month before this one: early in a month the current one is nearly empty."""
        first = (today or local_today()).replace(day=1)
        previous = first - timedelta(days=1)
        return cls.month(previous.year, previous.month)

    @classmethod
    def parse(cls, text: str | None, today: date | None = None,
              default: Period | None = None) -> Period:
        """``YYYY-MM`` (a month) or ``YYYY`` (a year); ``default`` (the current month
        unless given) otherwise."""
        text = (text or "").strip()
        if re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", text):
            return cls.month(int(text[:4]), int(text[5:]))
        if re.fullmatch(r"20\d\d", text):
            return cls(date(int(text), 1, 1), date(int(text) + 1, 1, 1))
        return default or cls.current_month(today)

    @property
    def label(self) -> str:
        if self.is_year:
            return f"{self.start.year}"
        return self.start.strftime("%Y-%m")

    @property
    def is_year(self) -> bool:
        return self.start.month == 1 and self.start.day == 1 \
            and self.end == date(self.start.year + 1, 1, 1)

    def previous(self) -> Period:
        """The month (or year) before this one."""
        if self.is_year:
            return Period(date(self.start.year - 1, 1, 1), self.start)
        before = self.start - timedelta(days=1)
        return Period.month(before.year, before.month)

    def a_year_before(self) -> Period:
        """The same month (or the year) a year earlier."""
        if self.is_year:
            return self.previous()
        return Period.month(self.start.year - 1, self.start.month)

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end
