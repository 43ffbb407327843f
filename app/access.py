"""Who may act where: a user's effective role in a station or county, and permission checks."""

from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.permissions import permissions_for
from app.users import Membership, User
from tenants.models import County, Station

PLATFORM_ADMIN = "platform_admin"


def station_role(user: User, station: Station) -> str | None:
    """The role ``user`` acts with in ``station``: their own membership there, else their
    county role in the station's county, else none."""
    if not user.active:
        return None
    rows = db.session.execute(
        select(Membership.station_id, Membership.role).where(
            Membership.user_id == user.id,
            Membership.active.is_(True),
            (Membership.station_id == station.id) | (Membership.county_id == station.county_id),
        )
    ).all()
    for station_id, role in rows:
        if station_id == station.id:
            return role
    if rows:
        return rows[0].role
    return PLATFORM_ADMIN if user.is_platform_admin else None


def county_role(user: User, county: County) -> str | None:
    if not user.active:
        return None
    role = db.session.scalar(
        select(Membership.role).where(
            Membership.user_id == user.id,
            Membership.county_id == county.id,
            Membership.active.is_(True),
        )
    )
    if role:
        return role
    return PLATFORM_ADMIN if user.is_platform_admin else None


def role_permissions(role: str | None) -> "AllPermissions | frozenset[str]":
    return AllPermissions() if role == PLATFORM_ADMIN else permissions_for(role)


class AllPermissions(frozenset):
    def __contains__(self, item) -> bool:
        return True


def can(permission: str) -> bool:
    """Whether the current user holds ``permission`` where the request is (station/county)."""
    return permission in g.get("permissions", ())


def require(permission: str):
    """View decorator: 403 unless the current user holds ``permission`` here."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
