"""Sessions that really end: each sign-in is a row, and the browser's cookie carries only
a random token for it (its digest is stored). Signing out ends the row, so a copy of the
cookie taken before opens nothing after.

Ending *every* session of an account is not done here, row by row: a password change
bumps the account's ``session_version`` (in every cookie's user id), and a deactivated
account is refused by its own flag, both checked on each request.
"""

import hashlib
import secrets
from datetime import datetime

from flask import request, session
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from tenants.models import utcnow

_KEY = "_fq_session"  # in Flask's signed cookie


class UserSession(db.Model):
    __tablename__ = "user_session"
    __audit__ = False  # sign-ins and sign-outs are audited as such

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user_id: int) -> None:
    """A new session for ``user_id`` in this browser. Everything the cookie held before
    (a CSRF token made before signing in among it) is dropped."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user_id, digest=_digest(token),
                               user_agent=(request.user_agent.string or "")[:200] or None))
    session.clear()
    session[_KEY] = token


def current_is_live(user_id: int) -> bool:
    """Whether this browser's session of ``user_id`` has not been ended."""
    token = session.get(_KEY)
    if not isinstance(token, str):
        return False
    return db.session.scalar(select(UserSession.id).where(
        UserSession.digest == _digest(token), UserSession.user_id == user_id,
        UserSession.ended_at.is_(None))) is not None


def end_current() -> None:
    token = session.pop(_KEY, None)
    if isinstance(token, str):
        db.session.execute(update(UserSession).where(
            UserSession.digest == _digest(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow()))
