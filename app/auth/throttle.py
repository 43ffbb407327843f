"""Sign-in throttling per account and per network address.

Failures are counted in a fixed window; past the limit the key is refused until the window
ends, even with the right password. Counts live in the database, so every web worker sees
the same numbers without Redis.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, delete
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from tenants.models import utcnow


class SignInThrottle(db.Model):
    __tablename__ = "sign_in_throttle"
    __audit__ = False  # failed sign-ins are audited as such; this is only their counter

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Lockout:
    minutes: int


def _keys(username: str, address: str | None) -> list[tuple[str, int]]:
    cfg = current_app.config
    keys = [(f"account:{username}", cfg["THROTTLE_ACCOUNT_LIMIT"])]
    if address:
        keys.append((f"address:{address}", cfg["THROTTLE_ADDRESS_LIMIT"]))
    return keys


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["THROTTLE_WINDOW_SECONDS"])


def check(username: str, address: str | None) -> Lockout | None:
    """A lockout if either the account or the address has used up its failures."""
    now = utcnow()
    for key, limit in _keys(username, address):
        row = db.session.get(SignInThrottle, key)
        if row and row.failures >= limit and row.window_start + _window() > now:
            remaining = row.window_start + _window() - now
            return Lockout(minutes=max(1, -(-int(remaining.total_seconds()) // 60)))
    return None


def fail(username: str, address: str | None) -> None:
    now = utcnow()
    for key, _limit in _keys(username, address):
        row = db.session.get(SignInThrottle, key, with_for_update=True)
        if row is None:
            db.session.add(SignInThrottle(key=key, failures=1, window_start=now))
        elif row.window_start + _window() <= now:
            row.failures, row.window_start = 1, now
        else:
            row.failures += 1


def succeed(username: str) -> None:
    # A good sign-in clears the account's count; the address keeps its own.
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == f"account:{username}"))



__all__ = ["Lockout", "SignInThrottle", "check", "fail", "succeed"]
