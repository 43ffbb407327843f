"""Sign-in throttling per account and per network address.

Failures are counted in a fixed window (:mod:`app.rate_limits`, the platform's one
counter); past the limit the key is refused until the window ends, even with the right
password.
"""

from dataclasses import dataclass

from flask import current_app

from app import rate_limits


@dataclass(frozen=True)
class Lockout:
    minutes: int


def _keys(username: str, address: str | None) -> list[tuple[str, int]]:
    cfg = current_app.config
    keys = [(_account(username), cfg["THROTTLE_ACCOUNT_LIMIT"])]
    if address:
        keys.append((f"signin:address:{address}", cfg["THROTTLE_ADDRESS_LIMIT"]))
    return keys


def _account(username: str) -> str:
    return f"signin:account:{username}"


def _window() -> int:
    return current_app.config["THROTTLE_WINDOW_SECONDS"]


def check(username: str, address: str | None) -> Lockout | None:
    """A lockout if either the account or the address has used up its failures."""
    for key, limit in _keys(username, address):
        failures, left = rate_limits.hits(key, _window())
        if failures >= limit:
            return Lockout(minutes=max(1, -(-int(left.total_seconds()) // 60)))
    return None


def fail(username: str, address: str | None) -> None:
    """Count a failed sign-in, in the transaction that audits it."""
    for key, _limit in _keys(username, address):
        rate_limits.count(key, _window())


def succeed(username: str) -> None:
    # A good sign-in clears the account's count; the address keeps its own.
    rate_limits.forget(_account(username))


__all__ = ["Lockout", "check", "fail", "succeed"]
