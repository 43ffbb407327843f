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
from sqlalchemy import ForeignKey, String, and_, bindparam, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.users import User
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


# Built once: building a statement costs more than running it.
_SIGNED_IN = (select(User).join(UserSession, and_(
    UserSession.user_id == User.id, UserSession.digest == bindparam("digest"),
    UserSession.ended_at.is_(None))).where(User.id == bindparam("user_id")))


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


def signed_in(user_id: int):
    """Account ``user_id`` if this browser's session of it has not been ended, else None.
    One query on every request, built once."""
    token = session.get(_KEY)
    if not isinstance(token, str):
        return None
    return db.session.scalar(_SIGNED_IN, {"user_id": user_id, "digest": _digest(token)})


def end_current() -> None:
    token = session.pop(_KEY, None)
    if isinstance(token, str):
        db.session.execute(update(UserSession).where(
            UserSession.digest == _digest(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow()))
