"""The window's opening hours, from the station's settings: which days it is open, and the
time slots of an open day that people can book."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from app.plugin_api import local_today, settings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def clock(total_minutes: int) -> time:
    return time(total_minutes // 60, total_minutes % 60)


@dataclass(frozen=True)
class Hours:
    periods: tuple[tuple[int, int], ...]  # (opens, closes), minutes after midnight
    slot_minutes: int
    capacity: int
    closed_weekdays: frozenset[int]
    closed_dates: frozenset[date]
    days_ahead: int
    online_share: int = 100  # per cent of a service's day open to online booking

    @classmethod
    def of_station(cls) -> "Hours":
        config = settings("appointments")
        return cls(
            periods=tuple((minutes(p[:5]), minutes(p[6:])) for p in config["hours"]),
            slot_minutes=config["slot_minutes"], capacity=config["capacity"],
            closed_weekdays=frozenset(WEEKDAYS.index(d) for d in config["closed_weekdays"]),
            closed_dates=frozenset(date.fromisoformat(d) for d in config["closed_dates"]),
            days_ahead=config["book_days_ahead"], online_share=config["online_share"],
        )

    def is_open(self, day: date) -> bool:
        return day.weekday() not in self.closed_weekdays and day not in self.closed_dates

    def starts(self) -> list[time]:
        """The slots of an open day: whole slots inside each opening period (what is
        left at the end of a period, shorter than a slot, is not offered)."""
        return [clock(start) for opens, closes in self.periods
                for start in range(opens, closes - self.slot_minutes + 1, self.slot_minutes)]

    @property
    def online_places(self) -> int:
        """A service's places a day that residents may take online (rounded down)."""
        return self.capacity * len(self.starts()) * self.online_share // 100

    def ends(self, starts: time) -> time:
        return clock(starts.hour * 60 + starts.minute + self.slot_minutes)

    def bookable_days(self) -> list[date]:
        """The open days from today up to the booking horizon."""
        today = local_today()
        days = (today + timedelta(days=n) for n in range(self.days_ahead + 1))
        return [d for d in days if self.is_open(d)]

