"""Rate limits for pages anyone may use (a public booking or lost-and-found page).

Attempts are counted per bucket in a fixed window, in the database, so every web worker
sees the same counts without Redis. The count is committed at once: an attempt that is
then refused for bad input, or a wrong booking code, still counts, which is what stops
someone from trying codes one after another.
"""

from datetime import datetime, timedelta

from flask import request
from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from tenants.context import current_station_id
from tenants.models import utcnow

_KEEP = timedelta(days=2)  # longer than any window a page uses


class RateLimit(db.Model):
    __tablename__ = "rate_limit"
    __audit__ = False  # a counter, not a change anyone made

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def rate_limit(bucket: str, *, limit: int, per_seconds: int) -> bool:
    """Count one attempt in ``bucket`` for the current station; True when it is over
    ``limit`` in the last ``per_seconds`` (then it is refused, and not counted).

    Commits the session: call it first in a view, before changing anything.
    """
    key = f"{current_station_id()}:{bucket}"[:200]
    try:
        return _hit(key, limit, per_seconds)
    except IntegrityError:
        # Two first attempts raced to create the row: count this one on the winner's.
        db.session.rollback()
        return _hit(key, limit, per_seconds)


def _hit(key: str, limit: int, per_seconds: int) -> bool:
    now = utcnow()
    row = db.session.get(RateLimit, key, with_for_update=True)
    if row is None:
        # New buckets come with every new phone or address: old ones go as they come.
        db.session.execute(delete(RateLimit).where(RateLimit.window_start < now - _KEEP))
        db.session.add(RateLimit(key=key, hits=1, window_start=now))
        over = False
    elif row.window_start + timedelta(seconds=per_seconds) <= now:
        row.hits, row.window_start, over = 1, now, False
    else:
        over = row.hits >= limit
        if not over:
            row.hits += 1
    db.session.commit()
    return over


def client_address() -> str:
    """The caller's network address (the proxy's client, behind trusted proxies)."""
    return request.remote_addr or "unknown"


__all__ = ["RateLimit", "client_address", "rate_limit"]
