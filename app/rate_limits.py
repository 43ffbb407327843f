"""Counting attempts in a fixed window, in the database, so every web worker sees the same
counts without Redis: one mechanism for sign-in throttling and for the pages anyone may
use (a public booking or lost-and-found page).

A bucket's key names what is counted (``signin:account:wang``, ``station:3:phone:138…``);
its row holds the hits since its window started. A window that has run out starts again
at the next hit.
"""

from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from tenants.context import current_station_id
from tenants.models import utcnow

_KEEP = timedelta(days=2)  # old buckets are deleted after this, or the longest window


class RateLimit(db.Model):
    __tablename__ = "rate_limit"
    __audit__ = False  # a counter, not a change anyone made

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The window's length: on PostgreSQL the app's role may restart a window, or delete
    # a counter, only once it has run out (0: a counter from before this was kept).
    window_seconds: Mapped[int] = mapped_column(default=0, server_default="0")


def hits(key: str, per_seconds: int) -> tuple[int, timedelta]:
    """The hits counted in ``key``'s current window and the time left in it (zero hits
    when the window has run out)."""
    row = db.session.get(RateLimit, key)
    now = utcnow()
    if row is None or row.window_start + timedelta(seconds=per_seconds) <= now:
        return 0, timedelta(0)
    return row.hits, row.window_start + timedelta(seconds=per_seconds) - now


def count(key: str, per_seconds: int, limit: int | None = None) -> bool:
    """Count one hit in ``key``, in the caller's transaction; True when ``limit`` was
    already reached in the window (then the hit is refused and not counted)."""
    now = utcnow()
    row = db.session.get(RateLimit, key[:200], with_for_update=True)
    if row is None:
        # New buckets come with every new phone or address: old ones go as they come.
        keep = max(_KEEP, timedelta(seconds=current_app.config["THROTTLE_WINDOW_SECONDS"]))
        db.session.execute(delete(RateLimit).where(RateLimit.window_start < now - keep))
        try:
            with db.session.begin_nested():
                db.session.add(RateLimit(key=key[:200], hits=1, window_start=now,
                                         window_seconds=per_seconds))
        except IntegrityError:
            # Two first hits raced to create the row: count this one on the winner's.
            return count(key, per_seconds, limit)
        return False
    if row.window_start + timedelta(seconds=per_seconds) <= now:
        row.hits, row.window_start, row.window_seconds = 1, now, per_seconds
        return False
    if limit is not None and row.hits >= limit:
        return True
    row.hits += 1
    return False


def forget(key: str) -> None:
    """Start ``key`` afresh (a good sign-in clears its account's failures)."""
    db.session.execute(delete(RateLimit).where(RateLimit.key == key[:200]))


def rate_limit(bucket: str, *, limit: int, per_seconds: int) -> bool:
    """Count one attempt in ``bucket`` for the current station; True when it is over
    ``limit`` in the last ``per_seconds`` (then it is refused, and not counted).

    The count is committed at once: an attempt that is then refused for bad input, or a
    wrong booking code, still counts, which is what stops someone from trying codes one
    after another. Call it first in a view, before changing anything.
    """
    over = count(f"station:{current_station_id()}:{bucket}", per_seconds, limit)
    db.session.commit()
    return over


def client_address() -> str:
    """The caller's network address (the proxy's client, behind trusted proxies)."""
    return request.remote_addr or "unknown"


__all__ = ["RateLimit", "client_address", "count", "forget", "hits", "rate_limit"]
