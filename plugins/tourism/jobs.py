"""The module's recurring job: every morning, flag the found items that have waited past
the station's disposal days, once each, so they show in the list to dispose of."""

from datetime import timedelta

from sqlalchemy import select

from app.plugin_api import db, local_today, settings

from .models import FOUND, FoundItem


def flag_unclaimed() -> int:
    """Flag newly unclaimed items in the current station; returns how many. Idempotent: an
    item already flagged is left alone, so a retried run changes nothing more. Items
    matched to a report wait for their owner and are not flagged."""
    limit = local_today() - timedelta(days=settings("tourism")["disposal_days"])
    items = db.session.scalars(select(FoundItem).where(
        FoundItem.status == FOUND, FoundItem.found_on <= limit,
        FoundItem.disposal_due.is_(False))).all()
    for item in items:
        item.disposal_due = True
    db.session.flush()
    return len(items)
