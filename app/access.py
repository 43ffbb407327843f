"""Who may act where: a user's effective role in a station or county, and permission checks."""

from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.permissions import permissions_for
from app.users import Membership, User
from tenants.models import County, Station

PLATFORM_ADMIN = "platform_admin"


def _membership_role(place):
    # One row at most: a user has one membership per station and one per county.
    return select(Membership.role).where(
        Membership.user_id == bindparam("user_id"), Membership.active.is_(True), place
    ).scalar_subquery()


# Built once (every request to a station's or county's pages starts with one of them):
# building a statement costs more than running it.
_STATION_AND_ROLE = (
    select(Station, _membership_role(Membership.station_id == Station.id),
           _membership_role(Membership.county_id == Station.county_id))
    .join(Station.county)
    .options(contains_eager(Station.county))
    .where(Station.slug == bindparam("slug"), Station.active)
)
_COUNTY_AND_ROLE = (
    select(County, _membership_role(Membership.county_id == County.id))
    .where(County.slug == bindparam("slug"))
)


def station_and_role(user: User, slug: str | None) -> tuple[Station | None, str | None]:
    """The active station ``slug`` (its county loaded with it) and the role ``user`` acts
    with there: their own membership there, else their county role in the station's
    county, else none. One query."""
    row = db.session.execute(_STATION_AND_ROLE, {"user_id": user.id, "slug": slug}).first()
    if row is None:
        return None, None
    station, own, of_county = row
    return station, _role(user, own or of_county)


def county_and_role(user: User, slug: str | None) -> tuple[County | None, str | None]:
    """County ``slug`` and the role ``user`` acts with there, in one query."""
    row = db.session.execute(_COUNTY_AND_ROLE, {"user_id": user.id, "slug": slug}).first()
    if row is None:
        return None, None
    county, role = row
    return county, _role(user, role)


def _role(user: User, membership_role: str | None) -> str | None:
    if not user.active:
        return None
    if membership_role:
        return membership_role
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
