"""Putting a person into a station or county: one path for the web, the CLI and the demo;
and, once they are in, the pages that manage them, shared by a station's People pages
(``app.station.members``) and the county's own people (``tenants.console``)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import click
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.forms import Form, Text, length, one_of, validate
from app.users import Invitation, Membership, User, find_user, normalise_username
from tenants.context import county_context, station_context
from tenants.models import County, Station

USERNAME_RE = r"^[a-z0-9][a-z0-9._-]{2,63}$"
PHONE_RE = r"^(1\d{10}|0\d{2,3}-?\d{7,8})$"


class PersonForm(Form):
    """A new member: the account and the person behind it."""

    username = Text(
        required=True,
        validate=validate.Regexp(
            USERNAME_RE,
            error=_l("3 to 64 characters: lower-case letters, digits, '.', '_' or '-'."),
        ),
    )
    full_name = Text(required=True, validate=length(64))
    phone = Text(
        load_default=None,
        validate=validate.Regexp(
            PHONE_RE, error=_l("Enter an 11-digit mobile number or a landline like 0916-1234567.")
        ),
    )

    def load(self, data, **kwargs):
        if not hasattr(data, "items"):
            return super().load(data, **kwargs)  # refused as the wrong type, with a message
        data = dict(data)
        if isinstance(data.get("username"), str):
            data["username"] = normalise_username(data["username"])
        return super().load(data, **kwargs)


def member_form(roles) -> Form:
    class MemberForm(PersonForm):
        role = Text(required=True, validate=one_of(roles))

    return MemberForm()


@dataclass
class Enrolment:
    membership: Membership
    created_user: bool
    invite_token: str | None  # shown once to whoever enrols, never stored


class AlreadyMember(ValueError):
    pass


class BelongsElsewhere(ValueError):
    """The account works elsewhere: adding or resetting it here is county IT's call."""


class IsStationAdmin(BelongsElsewhere):
    """The account is a station's admin, and a county account cannot also be one."""

    def __init__(self, username: str, stations: list[Station]):
        super().__init__(username)
        self.stations = stations


def only_here(user: User, station: Station) -> bool:
    """Whether every place ``user`` belongs to is ``station`` (so its admin may reset it)."""
    return not user.is_platform_admin and all(m.station_id == station.id for m in user.memberships)


def only_in(user: User, county: County) -> bool:
    """Whether every place ``user`` belongs to is ``county`` or one of its stations (so
    county IT may reset it)."""
    return not user.is_platform_admin and all(
        m.county_id == county.id or (m.station is not None and m.station.county_id == county.id)
        for m in user.memberships
    )


def admin_of(user: User) -> list[Station]:
    """The stations ``user`` is an admin of (a deactivated membership too: it can be
    activated again with its role)."""
    return [m.station for m in user.memberships
            if m.station_id is not None and m.role == "station_admin"]


def may_join(user: User, station: Station | None, county: County | None) -> bool:
    """Whether an existing account may be added to ``station`` or ``county``.

    A station admin must not be able to pull in (and then reset) an account of another
    county, a county account or a platform admin: a county account joins no station, so it
    never becomes a station's admin. The other way round, a station's admin joins no
    county: a county account cannot also be a station's admin.
    """
    if user.is_platform_admin or any(m.county_id is not None for m in user.memberships):
        return False
    if county is not None and admin_of(user):
        return False
    county_id = county.id if county is not None else station.county_id
    return all(m.station.county_id == county_id for m in user.memberships)


def enrol(
    *,
    username: str,
    full_name: str,
    role: str,
    phone: str | None = None,
    station: Station | None = None,
    county: County | None = None,
    password: str | None = None,
) -> Enrolment:
    """Give ``username`` a role in ``station`` or ``county``, creating the account if new.

    A new account without ``password`` gets an invitation link to set its own.
    Raises :class:`AlreadyMember` if the account already belongs there, and
    :class:`BelongsElsewhere` if it is an account of another county, a county or platform
    account (its subclass :class:`IsStationAdmin` when a station's admin is to join the
    county). An existing account keeps its own ``full_name`` and ``phone``.
    """
    user = find_user(username)
    created = user is None
    if created:
        user = User(username=normalise_username(username), full_name=full_name, phone=phone)
        db.session.add(user)
        if password:
            user.set_first_password(password)
    elif any(
        (station is not None and m.station_id == station.id)
        or (county is not None and m.county_id == county.id)
        for m in user.memberships
    ):
        raise AlreadyMember(username)
    elif not may_join(user, station, county):
        stations = admin_of(user) if county is not None else []
        if stations and only_in(user, county):  # only being a station's admin is in the way
            raise IsStationAdmin(username, stations)
        raise BelongsElsewhere(username)
    # The place's own context: the database lets it touch its own people only. What the
    # caller changed before is written first, in the caller's context.
    db.session.flush()
    with station_context(station) if station is not None else county_context(county):
        membership = Membership(user=user, station=station, county=county, role=role)
        db.session.add(membership)
        token = None
        if created and not user.password_set_at:
            _invitation, token = Invitation.issue(user, current_app.config["INVITE_TTL_HOURS"])
        db.session.flush()  # in the place's context, not whenever the caller commits
    return Enrolment(membership=membership, created_user=created, invite_token=token)


def role_form(roles) -> Form:
    class RoleForm(Form):
        role = Text(required=True, validate=one_of(roles))

    return RoleForm()


def admin_role(membership: Membership) -> str:
    """The role that runs the place of ``membership``: its station's admin or county IT."""
    return "station_admin" if membership.station_id is not None else "county_admin"


def may_take_role(membership: Membership, role: str) -> bool:
    """Whether ``membership`` may be given ``role``: a county account is never a station's
    admin (see :func:`may_join`), whichever way it would become one."""
    if role != "station_admin" or membership.station_id is None:
        return True
    return not any(m.county_id is not None for m in membership.user.memberships)


def would_orphan(membership: Membership) -> bool:
    """Whether taking ``membership``'s admin role away, or deactivating it, would leave its
    station or county without an active admin."""
    role = admin_role(membership)
    if membership.role != role or not membership.active:
        return False
    place = (Membership.station_id == membership.station_id if membership.station_id is not None
             else Membership.county_id == membership.county_id)
    admins = db.session.scalar(select(func.count()).select_from(Membership).where(
        place, Membership.role == role, Membership.active.is_(True)))
    return admins <= 1


def invitation_url(token: str) -> str:
    """The invitation link for ``token`` made outside a request (the CLI): the full address
    under ``FENGQIAO_BASE_URL``, or only the path when that is not set (no host is guessed).

    A request knows its own host, so the web uses ``url_for(..., _external=True)`` instead.
    """
    base = current_app.config.get("BASE_URL")
    parts = urlsplit(base or "")
    # Bound by hand rather than through SERVER_NAME, which would also change how the web
    # matches incoming requests; a path in the base (served under a prefix) is kept.
    adapter = current_app.url_map.bind(
        parts.netloc or "localhost", script_name=parts.path or "/",
        url_scheme=parts.scheme or "http",
    )
    return adapter.build("auth.accept_invite", {"token": token}, force_external=bool(base))


def echo_invitations(invitations) -> None:
    """Print each ``(username, token)``'s invitation link: in full under FENGQIAO_BASE_URL,
    otherwise only its path, and then once how to get full links (no host is guessed)."""
    for username, token in invitations:
        click.echo(_("Invitation link for %(user)s: %(link)s", user=username,
                     link=invitation_url(token)))
    if invitations and not current_app.config["BASE_URL"]:
        click.echo(_("Set FENGQIAO_BASE_URL to the address people open (e.g. "
                     "https://fq.county.internal) to print full links."), err=True)
