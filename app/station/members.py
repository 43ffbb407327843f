"""Station admin: the station's people, their roles, invitations and deactivation."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.access import require
from app.enrolment import (
    AlreadyMember,
    BelongsElsewhere,
    enrol,
    member_form,
    only_here,
)
from app.extensions import db
from app.forms import load
from app.paging import paginate
from app.permissions import STATION_PII, STATION_ROLES, STATION_USERS
from app.person_pages import PeoplePages
from app.station.blueprint import bp
from app.users import Membership, User

# A person's page and its actions, shared with the county's own people (tenants.console).
people = PeoplePages(
    endpoint="station.member",
    template="station/member.html",
    invite_template="station/invite_link.html",
    roles=STATION_ROLES,
    place=lambda: Membership.station_id == g.station.id,
    may_reset=lambda user: only_here(user, g.station),
    needs_admin=_l("A station needs at least one active station admin."),
    deactivated=_l("The member is deactivated and can no longer open this station."),
    works_elsewhere=_l("This account also works elsewhere; ask county IT to reset its "
                       "password."),
)


@bp.get("/members")
@require(STATION_USERS)
def members():
    page = paginate(
        select(Membership)
        .join(User)
        .where(Membership.station_id == g.station.id)
        .order_by(Membership.active.desc(), Membership.role, User.username)
    )
    return render_template("station/members.html", memberships=page, page=page)


@bp.route("/members/new", methods=["GET", "POST"])
@require(STATION_USERS)
def member_new():
    errors = {}
    if request.method == "POST":
        data, errors = load(member_form(STATION_ROLES), request.form)
        if data:
            try:
                result = enrol(station=g.station, **data)
            except AlreadyMember:
                errors["username"] = _("This account is already a member of this station.")
            except BelongsElsewhere:
                errors["username"] = _(
                    "This account belongs to another county or to the county bureau; "
                    "ask county IT to add it."
                )
            else:
                db.session.commit()
                if result.invite_token:
                    return render_template(
                        "station/invite_link.html",
                        membership=result.membership,
                        link=url_for("auth.accept_invite", token=result.invite_token,
                                     _external=True),
                    )
                flash(_("The existing account %(username)s has been added.",
                        username=result.membership.user.username), "success")
                return redirect(url_for(".members"))
    return render_template(
        "station/member_new.html", errors=errors, form=request.form, roles=people.role_choices()
    ), (400 if errors else 200)


@bp.get("/members/<int:membership_id>")
@require(STATION_USERS)
def member(membership_id: int):
    return people.page(membership_id)


@bp.post("/members/<int:membership_id>/reveal")
@require(STATION_PII)
def member_reveal(membership_id: int):
    return people.reveal(membership_id)


@bp.post("/members/<int:membership_id>/role")
@require(STATION_USERS)
def member_role(membership_id: int):
    return people.change_role(membership_id)


@bp.post("/members/<int:membership_id>/deactivate")
@require(STATION_USERS)
def member_deactivate(membership_id: int):
    return people.deactivate(membership_id)


@bp.post("/members/<int:membership_id>/activate")
@require(STATION_USERS)
def member_activate(membership_id: int):
    return people.activate(membership_id)


@bp.post("/members/<int:membership_id>/invite")
@require(STATION_USERS)
def member_invite(membership_id: int):
    return people.invite(membership_id)
