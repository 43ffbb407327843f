"""Where password hashes live, and how they are checked without the app reading them.

On PostgreSQL the app's role has no privilege on ``user_password``: it asks the owner's
functions for a hash's salt and parameters, hashes the candidate the same way and asks
whether it matches; a new password is accepted only with a proof (the current password,
or an open invitation link). A raw ``SELECT`` as the app role reads no hash, and cannot
set anyone's password without knowing theirs. SQLite has no roles: the same steps run as
plain statements there, so the app behaves the same on both.
"""

import hmac
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.passwords import candidate, hash_password, needs_rehash, verify_password
from tenants.models import utcnow


class UserPassword(db.Model):
    __tablename__ = "user_password"
    __audit__ = False  # a secret; setting one is audited as its own event

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _call(sql: str, **params):
    return db.session.execute(text(sql), params)


def _settings(user_id: int) -> tuple[str, int] | None:
    if _postgres():
        row = _call("SELECT settings, digest_length FROM fengqiao_password_settings(:u)",
                    u=user_id).first()
        return None if row is None or row.settings is None else (row.settings, row.digest_length)
    stored = db.session.get(UserPassword, user_id)
    if stored is None:
        return None
    settings, _, digest = stored.password_hash.rpartition("$")
    return settings + "$", len(digest)


def _matches(user_id: int, proof: str) -> bool:
    if _postgres():
        return bool(_call("SELECT fengqiao_password_matches(:u, :c)", u=user_id,
                          c=proof).scalar())
    stored = db.session.get(UserPassword, user_id)
    return stored is not None and hmac.compare_digest(stored.password_hash, proof)


def _proof(user_id: int | None, password: str) -> str | None:
    """``password`` hashed with the stored salt and parameters of ``user_id`` (None when
    the account has no password; the same time is spent either way)."""
    settings = _settings(user_id) if user_id is not None else None
    if settings is None:
        verify_password(None, password)
        return None
    return candidate(settings[0], settings[1], password)


def check(user_id: int | None, password: str) -> bool:
    """Whether ``password`` is the password of account ``user_id``; a stored hash with
    old parameters is replaced by a stronger one as its owner signs in."""
    proof = _proof(user_id, password)
    if proof is None or not _matches(user_id, proof):
        return False
    if needs_rehash(proof):
        change(user_id, password, password)
    return True


def set_first(user_id: int, password: str) -> bool:
    """Give account ``user_id`` its first password; False if it has one already."""
    new = hash_password(password)
    if _postgres():
        return bool(_call("SELECT fengqiao_password_first(:u, :h)", u=user_id,
                          h=new).scalar())
    if db.session.get(UserPassword, user_id) is not None:
        return False
    db.session.add(UserPassword(user_id=user_id, password_hash=new))
    db.session.flush()
    return True


def change(user_id: int, current: str, new_password: str) -> bool:
    """Replace the password of ``user_id``, proved by its ``current`` one; every open
    invitation link of the account ends. False if ``current`` is wrong."""
    proof = _proof(user_id, current)
    if proof is None:
        return False
    new = hash_password(new_password)
    if _postgres():
        return bool(_call("SELECT fengqiao_password_change(:u, :c, :h)", u=user_id, c=proof,
                          h=new).scalar())
    if not _matches(user_id, proof):
        return False
    stored = db.session.get(UserPassword, user_id)
    stored.password_hash, stored.changed_at = new, utcnow()
    _end_links(user_id)
    return True


def set_by_invitation(digest: str, new_password: str) -> int | None:
    """Set the password of the account an open invitation (by its ``digest``) is for, and
    end every open link of that account; the account's id, or None for a link that is
    used, expired or unknown."""
    new = hash_password(new_password)
    if _postgres():
        return _call("SELECT fengqiao_password_by_invitation(:d, :h)", d=digest,
                     h=new).scalar()
    links = _invitations()
    user_id = db.session.scalar(select(links.c.user_id).where(
        links.c.token_hash == digest, links.c.used_at.is_(None),
        links.c.expires_at > utcnow()))
    if user_id is None:
        return None
    db.session.execute(delete(UserPassword).where(UserPassword.user_id == user_id))
    db.session.add(UserPassword(user_id=user_id, password_hash=new))
    _end_links(user_id)
    db.session.flush()
    return user_id


def set_as_owner(user_id: int, password: str) -> None:
    """Set a password with no proof: the database owner's act (``fengqiao user
    set-password``, run by county IT with the owner's URL). The app's role is refused."""
    new = hash_password(password)
    stored = db.session.get(UserPassword, user_id)
    if stored is None:
        db.session.add(UserPassword(user_id=user_id, password_hash=new))
    else:
        stored.password_hash, stored.changed_at = new, utcnow()
    _end_links(user_id)
    db.session.flush()


def has_password(user_id: int) -> bool:
    return _settings(user_id) is not None


def _invitations():
    # The table, not the model: accounts use this store, the store does not use them.
    return db.metadata.tables["invitation"]


def _end_links(user_id: int) -> None:
    """Every open invitation link of ``user_id`` ends (as the PostgreSQL functions do)."""
    links = _invitations()
    db.session.execute(update(links).where(links.c.user_id == user_id,
                                           links.c.used_at.is_(None)).values(used_at=utcnow()))
