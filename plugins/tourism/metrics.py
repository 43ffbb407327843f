"""Figures for the county dashboard, for one period and every station at once: each read
grouped by station (help given and disputes settled from one count)."""

from collections import defaultdict

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import and_, case, func, select

from app.plugin_api import HIGHER, LOWER, RATE, Metric, Period, counted, db

from .models import RETURNED, Assignment, FoundItem, HelpGiven, PeakDay, RosterCell, VisitorCount
from .staffing import minimum, season


def _per_station(stations, rows, empty=0) -> dict:
    out = dict.fromkeys(stations, empty)
    out.update(rows)
    return out


def visitors(period: Period, stations) -> dict[int, int]:
    return _per_station(stations, db.session.execute(
        select(VisitorCount.tenant_id, func.coalesce(func.sum(VisitorCount.visitors), 0))
        .where(VisitorCount.tenant_id.in_(list(stations)),
               VisitorCount.day >= period.start, VisitorCount.day < period.end)
        .group_by(VisitorCount.tenant_id)
    ).all())


def help_counts(period: Period, stations) -> dict[int, tuple[int, int]]:
    """Each station's help given in the period, and how much of it settled a dispute."""
    return _per_station(stations, (
        (station_id, (given, disputes)) for station_id, given, disputes in db.session.execute(
            select(HelpGiven.tenant_id, func.count(),
                   func.count(case((HelpGiven.kind.like("%纠纷%"), 1))))
            .where(HelpGiven.tenant_id.in_(list(stations)),
                   HelpGiven.day >= period.start, HelpGiven.day < period.end)
            .group_by(HelpGiven.tenant_id))
    ), (0, 0))


def help_given(counts: tuple[int, int]) -> int:
    return counts[0]


def disputes_settled(counts: tuple[int, int]) -> int:
    """Help of the kinds that name a dispute (调解纠纷), as the county counts them."""
    return counts[1]


def items_returned(period: Period, stations) -> dict[int, int]:
    return counted(FoundItem, stations, FoundItem.returned_on, period,
                   FoundItem.status == RETURNED)


def found_by_status(period: Period, stations) -> dict[int, dict[str, int]]:
    """Each station's items found in the period, counted by their status now."""
    return counted(FoundItem, stations, FoundItem.found_on, period, by=FoundItem.status)


def returned_of_found(found: dict[str, int]) -> tuple[int, int]:
    """Of the items found in the period, those returned to their owners so far."""
    return found.get(RETURNED, 0), sum(found.values())


def understaffed_shifts(period: Period, stations) -> dict[int, int]:
    """Of the days in the period that have a roster, the post-shifts below their minimum:
    what the roster (:func:`.staffing.roster`) shows as short, each station by its own
    posts, shifts and seasons, from one count of the people in each of its cells."""
    ids = list(stations)
    staffed: dict[int, dict] = defaultdict(lambda: defaultdict(dict))
    for station_id, day, shift, post, people in db.session.execute(
        select(RosterCell.tenant_id, RosterCell.day, RosterCell.shift, RosterCell.post,
               func.count(Assignment.id))
        .outerjoin(Assignment, and_(Assignment.cell_id == RosterCell.id,
                                    Assignment.tenant_id == RosterCell.tenant_id))
        .where(RosterCell.tenant_id.in_(ids),
               RosterCell.day >= period.start, RosterCell.day < period.end)
        .group_by(RosterCell.tenant_id, RosterCell.day, RosterCell.shift, RosterCell.post)
    ):
        staffed[station_id][day][(shift, post)] = people
    peaks = {}
    if staffed:
        peaks = {(p.tenant_id, p.day): p for p in db.session.scalars(select(PeakDay).where(
            PeakDay.tenant_id.in_(list(staffed)),
            PeakDay.day >= period.start, PeakDay.day < period.end))}
    out = dict.fromkeys(stations, 0)
    for station_id, days in staffed.items():
        config = stations[station_id]
        out[station_id] = sum(_short(day, config, peaks.get((station_id, day)), people)
                              for day, people in days.items())
    return out


def _short(day, config: dict, peak: PeakDay | None, staffed: dict) -> int:
    """The day's cells (every post in every shift of the settings) with fewer people on
    duty (``staffed``: (shift, post) -> people) than their minimum."""
    day_season = season(day, config, peak)
    short = {}
    left = dict(staffed)
    for shift in config["shifts"]:
        for post in config["posts"]:
            people = left.pop((shift["name"], post["name"]), 0)
            short[(shift["name"], post["name"])] = people < minimum(post, shift, day_season,
                                                                    peak)
    return sum(short.values())


METRICS = (
    Metric("tourism.visitors", _l("Visitors received"), lazy_pgettext("visits", "people"),
           by_station=visitors,  # the season's, not the station's doing
           description=_l("Visitors counted at the warm-service lounge.")),
    Metric("tourism.help", _l("Help given"), _l("times"),
           by_station=help_counts, figure=help_given, better=HIGHER,
           description=_l("Directions, first aid, lost children, charging, umbrellas, "
                          "disputes, anti-fraud advice: every kind of help recorded.")),
    Metric("tourism.disputes", _l("Disputes settled"), _l("disputes"),
           by_station=help_counts, figure=disputes_settled, better=HIGHER,
           description=_l("Help recorded as a dispute settled on the spot.")),
    Metric("tourism.returned", _l("Lost items returned"), _l("items"),
           by_station=items_returned, better=HIGHER),
    Metric("tourism.returned_share", _l("Share of found items returned"), "%",
           by_station=found_by_status, kind=RATE, parts=returned_of_found, better=HIGHER,
           description=_l("Of the items found in the period, the share returned to their "
                          "owners so far.")),
    Metric("tourism.understaffed", _l("Under-staffed shifts"), _l("shifts"),
           by_station=understaffed_shifts, better=LOWER,
           description=_l("Of the days with a roster, the post-shifts with fewer people "
                          "than the season's minimum.")),
)
