"""Periods the figures are counted over: a month, a quarter or a year of the county's days."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext

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
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls(start, end)

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
        """``YYYY-MM`` (a month), ``YYYY-Qn`` (a quarter) or ``YYYY`` (a year); ``default``
        (the current month unless given) otherwise."""
        return cls.read(text) or default or cls.current_month(today)

    @classmethod
    def asked(cls, text: str | None, default: Period) -> tuple[Period, str | None]:
        """The period a page was asked for by ``text``, else ``default``; and ``text``
        when it named no period (for the page to say which one it shows instead)."""
        found = cls.read(text)
        return found or default, (text if text and found is None else None)

    @classmethod
    def read(cls, text: str | None) -> Period | None:
        """The period ``text`` names, or None when it names none."""
        text = (text or "").strip()
        if re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", text):
            return cls.month(int(text[:4]), int(text[5:]))
        if re.fullmatch(r"20\d\d-Q[1-4]", text):
            return cls.quarter(int(text[:4]), int(text[6]))
        if re.fullmatch(r"20\d\d", text):
            return cls(date(int(text), 1, 1), date(int(text) + 1, 1, 1))
        return None

    @property
    def label(self) -> str:
        if self.is_year:
            return f"{self.start.year}"
        if self.is_quarter:
            return f"{self.start.year}-Q{(self.start.month + 2) // 3}"
        return self.start.strftime("%Y-%m")

    @property
    def name(self) -> str:
        """The period as people say it, in the request's language."""
        if self.is_year:
            return gettext("%(year)d", year=self.start.year)
        if self.is_quarter:
            return gettext("Q%(quarter)d %(year)d", quarter=(self.start.month + 2) // 3,
                           year=self.start.year)
        return gettext("%(year)d-%(month)02d", year=self.start.year, month=self.start.month)

    @property
    def is_year(self) -> bool:
        return self.start.month == 1 and self.start.day == 1 \
            and self.end == date(self.start.year + 1, 1, 1)

    @property
    def is_quarter(self) -> bool:
        return self.start.day == 1 and self.start.month in (1, 4, 7, 10) \
            and self == Period.quarter(self.start.year, (self.start.month + 2) // 3)

    def previous(self) -> Period:
        """The month, quarter or year before this one."""
        if self.is_year:
            return Period(date(self.start.year - 1, 1, 1), self.start)
        before = self.start - timedelta(days=1)
        if self.is_quarter:
            return Period.quarter(before.year, (before.month + 2) // 3)
        return Period.month(before.year, before.month)

    def trend(self) -> list[Period]:
        """The periods a trend ending with this one shows, oldest first: 13 months (back to
        the same month a year before), 8 quarters or 5 years."""
        count = 5 if self.is_year else (8 if self.is_quarter else 13)
        out = [self]
        while len(out) < count:
            out.append(out[-1].previous())
        return out[::-1]

    def a_year_before(self) -> Period:
        """The same month or quarter a year earlier (for a year, the one before)."""
        if self.is_year:
            return self.previous()
        if self.is_quarter:
            return Period.quarter(self.start.year - 1, (self.start.month + 2) // 3)
        return Period.month(self.start.year - 1, self.start.month)

    def choices(self, today: date | None = None) -> list[tuple[str, list[Period]]]:
        """The periods to choose from, newest first, with this one among them: the last
        24 months, 8 quarters and 3 years."""
        month = Period.current_month(today)
        months = [month]
        while len(months) < 24:
            months.append(months[-1].previous())
        quarter = Period.quarter(month.start.year, (month.start.month + 2) // 3)
        quarters = [quarter]
        while len(quarters) < 8:
            quarters.append(quarters[-1].previous())
        years = [Period(date(month.start.year - n, 1, 1), date(month.start.year - n + 1, 1, 1))
                 for n in range(3)]
        groups = [(gettext("Months"), months), (gettext("Quarters"), quarters),
                  (gettext("Years"), years)]
        if all(self not in periods for _, periods in groups):
            groups.insert(0, (gettext("Chosen"), [self]))
        return groups

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end
