"""Global user accounts and their memberships in stations and counties.

Memberships are not station-owned rows: they decide *whether* a request may enter a
station's context at all, so they are read before any tenant context exists.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import password_store
from app.extensions import db
from app.permissions import COUNTY_ROLES, STATION_ROLES
from tenants.context import presenting
from tenants.models import County, Station, utcnow

ROLE_LABELS = {
    "station_admin": _l("Station admin"),
    "officer": _l("Officer"),
    "auxiliary": _l("Auxiliary officer"),
    "county_admin": _l("County IT admin"),
    "county_viewer": _l("County leadership"),
}


def role_label(role: str | None) -> str:
    """A role's name in the user's language (the key itself for an unknown role)."""
    return str(ROLE_LABELS.get(role, role or ""))


def role_from_word(word: str) -> str | None:
    """The role a person means by ``word``: its key (``officer``) or its name in Chinese or
    English (民警, Officer), as a settings form or a manifest spells it; None if none."""
    wanted = (word or "").strip().casefold()
    if wanted in ROLE_LABELS:
        return wanted
    for language in ("zh", "en"):
        with force_locale(language):
            for role, label in ROLE_LABELS.items():
                if str(label).casefold() == wanted:
                    return role
    return None


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __label__ = _l("User account")
    __labels__ = {"username": _l("Username"), "password_set_at": _l("Password set"),
                  "is_platform_admin": _l("Platform admin"), "locale": _l("Language"),
                  "session_version": _l("Sessions"), "last_sign_in_at": _l("Last sign-in")}
    __pii__ = {"full_name": "name", "phone": "phone"}
    __audit_ignore__ = {"session_version", "last_sign_in_at"}  # sign-ins have their own events

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    # When the password was last set (None: invited, not yet signed up). The hash itself
    # is in ``user_password``, which the app's database role cannot read.
    password_set_at: Mapped[datetime | None]
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Bumped on a password change: every other session of the user ends (a deactivated
    # account's sessions end by its own flag, checked on every request).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_first_password(self, password: str) -> None:
        """The password of a new account (made with one by the CLI or the demo)."""
        self._password_set()  # written with the new account's row, in its own flush
        db.session.flush()  # the account needs its id
        if not password_store.set_first(self.id, password):
            raise ValueError(f"{self.username} has a password already")

    def check_password(self, password: str) -> bool:
        return password_store.check(self.id, password)

    def change_password(self, current: str, new: str) -> bool:
        """A new password, proved by the current one; False if ``current`` is wrong."""
        if not password_store.change(self.id, current, new):
            return False
        self._password_set()
        return True

    def set_password_as_owner(self, password: str) -> None:
        """A new password with no proof: only the database owner may (the CLI)."""
        db.session.flush()
        password_store.set_as_owner(self.id, password)
        self._password_set()

    @classmethod
    def accept_invitation(cls, token: str, password: str) -> "User | None":
        """Set the password through invitation link ``token``; the account, or None."""
        user_id = password_store.set_by_invitation(_digest(token), password)
        user = db.session.get(cls, user_id) if user_id is not None else None
        if user is not None:
            user._password_set()
        return user

    def _password_set(self) -> None:
        # Every other session ends; the change is audited through this row.
        self.password_set_at = utcnow()
        self.session_version = (self.session_version or 0) + 1

    def active_memberships(self) -> list["Membership"]:
        return [m for m in self.memberships if m.active and _target_active(m)]

    def __repr__(self) -> str:
        return f"<User {self.username}>"


def _target_active(m: "Membership") -> bool:
    return m.station is None or m.station.active


class Membership(db.Model):
    """A user's role in one station or in one county (exactly one of the two)."""

    __tablename__ = "membership"
    __label__ = _l("Membership")
    __labels__ = {"role": _l("Role")}
    __value_labels__ = {"role": ROLE_LABELS}
    __table_args__ = (
        CheckConstraint(
            "(station_id IS NULL) <> (county_id IS NULL)", name="station_xor_county"
        ),
        CheckConstraint(
            "(station_id IS NULL OR role IN ({})) AND (county_id IS NULL OR role IN ({}))".format(
                ", ".join(f"'{r}'" for r in STATION_ROLES),
                ", ".join(f"'{r}'" for r in COUNTY_ROLES),
            ),
            name="role_fits_scope",
        ),
        UniqueConstraint("user_id", "station_id"),
        UniqueConstraint("user_id", "county_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    station: Mapped[Station | None] = relationship()
    county: Mapped[County | None] = relationship()

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.role, self.role))

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.station_id, self.county_id


class Invitation(db.Model):
    """A one-time link that lets a new user set their own password."""

    __tablename__ = "invitation"
    __label__ = _l("Invitation")
    __labels__ = {"token_hash": _l("Link"), "expires_at": _l("Expires at"),
                  "used_at": _l("Used at")}
    __audit_redact__ = {"token_hash"}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User, ttl_hours: int) -> tuple["Invitation", str]:
        """Create an invitation; return it and the token, which is never stored."""
        db.session.flush()  # the membership first: the invitation's policy looks for it
        cls.revoke_open(user)
        token = secrets.token_urlsafe(32)
        invitation = cls(
            user=user,
            token_hash=_digest(token),
            expires_at=utcnow() + timedelta(hours=ttl_hours),
        )
        db.session.add(invitation)
        return invitation, token

    @classmethod
    def revoke_open(cls, user: User) -> None:
        """End every unused link of ``user``: only the newest may ever set the password."""
        if user.id is None:
            return
        for invitation in db.session.scalars(
            select(cls).where(cls.user_id == user.id, cls.used_at.is_(None))
        ):
            invitation.used_at = utcnow()

    @classmethod
    def find_valid(cls, token: str) -> "Invitation | None":
        """The open invitation of link ``token``; the link's digest is presented to the
        database, whose policy shows no other invitation."""
        digest = _digest(token)
        with presenting(digest):
            invitation = db.session.scalar(select(cls).where(cls.token_hash == digest))
        if invitation is None or invitation.used_at or invitation.expires_at < utcnow():
            return None
        return invitation


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def station_members(station_id: int, roles: tuple[str, ...] | None = None
                    ) -> list[tuple[int, str]]:
    """``(user_id, name)`` of a station's active members (whose role there is one of
    ``roles``, when given), by name. County and platform accounts are not members."""
    query = (
        select(User.id, User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.station_id == station_id, Membership.active.is_(True),
               User.active.is_(True))
        .order_by(User.full_name, User.id)
    )
    if roles is not None:
        query = query.where(Membership.role.in_(tuple(roles)))
    return [(uid, name) for uid, name in db.session.execute(query).all()]


def user_names(ids) -> dict[int, str]:
    """Full names of users by id (staff names are not masked inside their own station)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
