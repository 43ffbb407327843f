"""The visitor counts fed back into staffing: for a year, the visitors per day by month, by
weekday and by hour against the people on duty then, so the station sees which months,
days and hours need more people next season (警力跟着游客走)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import render_template, request
from sqlalchemy import func, select

from app.plugin_api import db, local_today, require, settings

from .models import Assignment, RosterCell, VisitorCount
from .staffing import span
from .views import KEY, VIEW, bp

STRAINED = 1.25  # visitors per person this far above the year's: needs more people


@dataclass
class Row:
    key: int
    visitors: float  # per day counted
    on_duty: float  # people per day rostered
    flagged: bool = False

    @property
    def ratio(self) -> float | None:
        if not self.visitors:
            return None
        return self.visitors / self.on_duty if self.on_duty else float("inf")


def _flag(rows: list[Row]) -> list[Row]:
    """Mark the rows whose visitors per person on duty are well above the usual."""
    ratios = [r.ratio for r in rows if r.ratio not in (None, float("inf"))]
    usual = sum(ratios) / len(ratios) if ratios else 0
    for r in rows:
        r.flagged = r.ratio is not None and r.ratio > usual * STRAINED
    return rows


def report(year: int, shifts: list[dict]) -> dict[str, list[Row]]:
    first, last = date(year, 1, 1), date(year + 1, 1, 1)
    counts = db.session.execute(
        select(VisitorCount.day, VisitorCount.hour, VisitorCount.visitors)
        .where(VisitorCount.day >= first, VisitorCount.day < last)).all()
    duty = db.session.execute(
        select(RosterCell.day, RosterCell.shift, func.count(Assignment.id))
        .join(Assignment, (Assignment.cell_id == RosterCell.id)
              & (Assignment.tenant_id == RosterCell.tenant_id))
        .where(RosterCell.day >= first, RosterCell.day < last)
        .group_by(RosterCell.day, RosterCell.shift)).all()
    hours_of = {}  # the clock hours each shift covers
    for s in shifts:
        start, end = span(s["hours"])
        hours_of[s["name"]] = {(m // 60) % 24 for m in range(start, end, 60)}

    per_day = defaultdict(int)
    per_hour_visitors = defaultdict(int)
    for day, hour, n in counts:
        per_day[day] += n
        per_hour_visitors[hour] += n
    people_day = defaultdict(int)
    people_hour = defaultdict(int)
    for day, shift, n in duty:
        people_day[day] += n
        for hour in hours_of.get(shift, ()):
            people_hour[hour] += n

    def by(group):
        visitors, counted, on_duty, rostered = (defaultdict(float) for _ in range(4))
        for day, n in per_day.items():
            visitors[group(day)] += n
            counted[group(day)] += 1
        for day, n in people_day.items():
            on_duty[group(day)] += n
            rostered[group(day)] += 1
        return _flag([Row(k, visitors[k] / counted[k],
                          on_duty[k] / rostered[k] if rostered[k] else 0)
                      for k in sorted(visitors)])

    days_counted = len(per_day) or 1
    days_rostered = len(people_day) or 1
    hours = _flag([Row(h, per_hour_visitors[h] / days_counted,
                       people_hour[h] / days_rostered) for h in sorted(per_hour_visitors)])
    return {"months": by(lambda d: d.month), "weekdays": by(lambda d: d.weekday()),
            "hours": hours}


@bp.get("/seasons")
@require(VIEW)
def seasons():
    today = local_today()
    year = request.args.get("year", type=int) or today.year
    if not 2000 <= year <= 2100:
        year = today.year
    return render_template("tourism/seasons.html", year=year, inf=float("inf"),
                           tables=report(year, settings(KEY)["shifts"]))
