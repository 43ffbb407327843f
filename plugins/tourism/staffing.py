"""Staffing that follows the visitors (淡旺结合、遇峰增援、警力跟着游客走): how many people each
post needs in a shift of a given day, who is on duty, which cells fall short and who
could be sent there."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.plugin_api import Force, db, force_names, forces, members, user_names

from .labels import DECLARED, NORMAL, OFFPEAK, PEAK
from .models import Assignment, PeakDay, RosterCell
from .schemas import months

DAY = 24 * 60


def span(text: str) -> tuple[int, int]:
    """``"08:00-14:00"`` as minutes since midnight; a span past midnight ends after 1440."""
    start, end = (int(t[:2]) * 60 + int(t[3:5]) for t in text.replace(" ", "").split("-"))
    return start, end if end > start else end + DAY


def overlaps(a: str, b: str) -> bool:
    (a0, a1), (b0, b1) = span(a), span(b)
    return any(a0 < b1 + shift and b0 + shift < a1 for shift in (-DAY, 0, DAY))


def season(day: date, config: dict, peak: PeakDay | None = None) -> str:
    if peak is not None:
        return DECLARED
    if day.month in months(config["peak_months"]):
        return PEAK
    if day.month in months(config["offpeak_months"]):
        return OFFPEAK
    return NORMAL


def minimum(post: dict, shift: dict, day_season: str, peak: PeakDay | None = None) -> int:
    """People the post needs in the shift: none while the post is closed."""
    if not overlaps(post["hours"], shift["hours"]):
        return 0
    if day_season == DECLARED:
        return post["min_peak"] + peak.extra
    return post[{OFFPEAK: "min_offpeak", NORMAL: "min_normal", PEAK: "min_peak"}[day_season]]


@dataclass
class Cell:
    day: date
    shift: str
    post: str
    minimum: int
    version: int = 0
    people: list[str] = field(default_factory=list)
    known: bool = True  # the post and shift still exist in the settings
    on_duty: set[tuple[str, int]] = field(default_factory=set)  # who, by key_of

    @property
    def staffed(self) -> int:
        return len(self.people)

    @property
    def short(self) -> bool:
        return self.staffed < self.minimum


@dataclass
class Day:
    day: date
    season: str
    peak: PeakDay | None
    cells: dict[tuple[str, str], Cell]
    gone: list[Cell]  # rows whose post or shift is no longer in the settings

    def short_cells(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.short]


def volunteer_label(force: Force) -> str:
    """A volunteer as the roster names them: name and team (names of the station's
    community forces are public; their phones are not shown here)."""
    return f"{force.name}·{force.team}" if force.team else force.name


class People:
    """Everyone who can be on duty: the station's members, and its volunteers (community
    forces of kind volunteer on the station's ground), those on the roster first; those
    who left stay known, so past shifts keep their names."""

    def __init__(self):
        self.members = members()
        self.volunteers = sorted(forces(kind="volunteer", active=None),
                                 key=lambda f: not f.active)
        self._users = dict(self.members)
        self._forces = {f.id: volunteer_label(f) for f in self.volunteers}

    def name(self, a: Assignment) -> str:
        if a.user_id is not None:
            if a.user_id not in self._users:
                self._users.update(user_names([a.user_id]))  # someone who has since left
            return self._users.get(a.user_id, "—")
        if a.force_id not in self._forces:
            # No longer a volunteer on the ground (their kind changed): still who stood here.
            self._forces.update(force_names([a.force_id]))
        return self._forces.get(a.force_id, "—")

    def free(self, busy: set[tuple[str, int]]) -> list[str]:
        """Who is not on duty anywhere in a shift: reinforcement to send (遇峰增援)."""
        out = [name for uid, name in self.members if ("user", uid) not in busy]
        out += [volunteer_label(v) for v in self.volunteers
                if v.active and ("force", v.id) not in busy]
        return out


def key_of(a: Assignment) -> tuple[str, int]:
    return ("user", a.user_id) if a.user_id is not None else ("force", a.force_id)


def roster(first: date, days: int, config: dict, people: People | None = None) -> list[Day]:
    """The roster of ``days`` days from ``first``: every post in every shift, with its
    minimum for that day and the people on duty (their names given ``people``; otherwise
    who they are, enough to count them where no station's page is open)."""
    name = people.name if people else key_of
    last = first + timedelta(days=days)
    peaks = {p.day: p for p in db.session.scalars(
        select(PeakDay).where(PeakDay.day >= first, PeakDay.day < last))}
    # Each cell's people in one more query for the whole span, not one per cell.
    stored = db.session.scalars(
        select(RosterCell).where(RosterCell.day >= first, RosterCell.day < last)
        .options(selectinload(RosterCell.assignments))).all()
    by_key = {(c.day, c.shift, c.post): c for c in stored}
    out = []
    for n in range(days):
        day = first + timedelta(days=n)
        peak = peaks.get(day)
        day_season = season(day, config, peak)
        cells = {}
        for shift in config["shifts"]:
            for post in config["posts"]:
                cell = Cell(day, shift["name"], post["name"],
                            minimum(post, shift, day_season, peak))
                row = by_key.pop((day, shift["name"], post["name"]), None)
                if row is not None:
                    cell.version = row.version
                    cell.people = [name(a) for a in row.assignments]
                    cell.on_duty = {key_of(a) for a in row.assignments}
                cells[(shift["name"], post["name"])] = cell
        gone = [Cell(day, row.shift, row.post, 0, row.version,
                     [name(a) for a in row.assignments], known=False,
                     on_duty={key_of(a) for a in row.assignments})
                for (d, _s, _p), row in sorted(by_key.items()) if d == day and row.assignments]
        out.append(Day(day, day_season, peak, cells, gone))
    return out


def busy_in(day: date, shift: str, exclude_post: str | None = None) -> dict:
    """Who is on duty in ``shift`` of ``day``, and at which post."""
    rows = db.session.execute(
        select(Assignment, RosterCell.post).join(RosterCell, db.and_(
            RosterCell.id == Assignment.cell_id, RosterCell.tenant_id == Assignment.tenant_id))
        .where(RosterCell.day == day, RosterCell.shift == shift)
    ).all()
    return {key_of(a): post for a, post in rows if post != exclude_post}


def post_named(config: dict, name: str) -> dict | None:
    return next((p for p in config["posts"] if p["name"] == name), None)


def shift_named(config: dict, name: str) -> dict | None:
    return next((s for s in config["shifts"] if s["name"] == name), None)
