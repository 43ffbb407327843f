"""Figures for the county dashboard, each computed for one station and one period."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import func, select

from app.plugin_api import Metric, Period, db, settings

from .models import RETURNED, FoundItem, HelpGiven, RosterCell, VisitorCount
from .staffing import roster


def visitors(period: Period) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(VisitorCount.visitors), 0))
        .where(VisitorCount.day >= period.start, VisitorCount.day < period.end)
    )


def help_given(period: Period) -> int:
    return db.session.scalar(
        select(func.count()).select_from(HelpGiven)
        .where(HelpGiven.day >= period.start, HelpGiven.day < period.end)
    )


def disputes_settled(period: Period) -> int:
    """Help of the kinds that name a dispute (调解纠纷), as the county counts them."""
    return db.session.scalar(
        select(func.count()).select_from(HelpGiven).where(
            HelpGiven.day >= period.start, HelpGiven.day < period.end,
            HelpGiven.kind.like("%纠纷%"))
    )


def items_returned(period: Period) -> int:
    return db.session.scalar(
        select(func.count()).select_from(FoundItem).where(
            FoundItem.status == RETURNED,
            FoundItem.returned_on >= period.start, FoundItem.returned_on < period.end)
    )


def share_returned(period: Period) -> float | None:
    """Of the items found in the period, the share returned to their owners so far (%)."""
    found = dict(db.session.execute(
        select(FoundItem.status, func.count())
        .where(FoundItem.found_on >= period.start, FoundItem.found_on < period.end)
        .group_by(FoundItem.status)
    ).all())
    total = sum(found.values())
    if not total:
        return None
    return round(100 * found.get(RETURNED, 0) / total, 1)


def understaffed_shifts(period: Period) -> int:
    """Of the days in the period that have a roster, the post-shifts below their minimum."""
    rostered = set(db.session.scalars(select(RosterCell.day).where(
        RosterCell.day >= period.start, RosterCell.day < period.end)))
    if not rostered:
        return 0
    days = roster(period.start, (period.end - period.start).days, settings("tourism"))
    return sum(len(d.short_cells()) for d in days if d.day in rostered)


METRICS = (
    Metric("tourism.visitors", _l("Visitors received"), lazy_pgettext("visits", "people"), visitors,
           _l("Visitors counted at the warm-service lounge.")),
    Metric("tourism.help", _l("Help given"), _l("times"), help_given,
           _l("Directions, first aid, lost children, charging, umbrellas, disputes, "
              "anti-fraud advice: every kind of help recorded.")),
    Metric("tourism.disputes", _l("Disputes settled"), _l("disputes"), disputes_settled,
           _l("Help recorded as a dispute settled on the spot.")),
    Metric("tourism.returned", _l("Lost items returned"), _l("items"), items_returned),
    Metric("tourism.returned_share", _l("Share of found items returned"), "%", share_returned,
           _l("Of the items found in the period, the share returned to their owners so far.")),
    Metric("tourism.understaffed", _l("Under-staffed shifts"), _l("shifts"),
           understaffed_shifts,
           _l("Of the days with a roster, the post-shifts with fewer people than the "
              "season's minimum.")),
)
