"""Station admin: the station's people, their roles, invitations and deactivation."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app import audit
from app.access import require
from app.enrolment import AlreadyMember, BelongsElsewhere, enrol, member_form, only_here
from app.extensions import db
from app.forms import Form, Text, load, one_of
from app.paging import paginate
from app.permissions import STATION_PII, STATION_ROLES, STATION_USERS
from app.station.blueprint import bp
from app.users import ROLE_LABELS, Invitation, Membership, User


def _membership(membership_id: int) -> Membership:
    membership = db.session.scalar(
        select(Membership).where(
            Membership.id == membership_id, Membership.station_id == g.station.id
        )
    )
    if membership is None:
        abort(404)
    return membership


def _role_choices():
    return [(role, ROLE_LABELS[role]) for role in STATION_ROLES]


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
        "station/member_new.html", errors=errors, form=request.form, roles=_role_choices()
    ), (400 if errors else 200)


@bp.get("/members/<int:membership_id>")
@require(STATION_USERS)
def member(membership_id: int):
    return render_template(
        "station/member.html", membership=_membership(membership_id), roles=_role_choices(),
        revealed=False,
    )


@bp.post("/members/<int:membership_id>/reveal")
@require(STATION_PII)
def member_reveal(membership_id: int):
    membership = _membership(membership_id)
    audit.record(
        "pii.reveal", station_id=g.station.id, object_type="user_account",
        object_id=membership.user_id, changes={"fields": ["full_name", "phone"]},
    )
    db.session.commit()
    return render_template(
        "station/member.html", membership=membership, roles=_role_choices(), revealed=True
    )


class RoleForm(Form):
    role = Text(required=True, validate=one_of(STATION_ROLES))


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.station_id == g.station.id,
            Membership.role == "station_admin",
            Membership.active.is_(True),
        )
    )


def _would_orphan(membership: Membership) -> bool:
    """Whether changing ``membership`` would leave the station without an active admin."""
    return membership.role == "station_admin" and membership.active and _active_admins() <= 1


@bp.post("/members/<int:membership_id>/role")
@require(STATION_USERS)
def member_role(membership_id: int):
    membership = _membership(membership_id)
    data, errors = load(RoleForm(), request.form)
    if errors:
        flash(errors["role"], "danger")
    elif data["role"] != "station_admin" and _would_orphan(membership):
        flash(_("A station needs at least one active station admin."), "danger")
    else:
        membership.role = data["role"]
        db.session.commit()
        flash(_("The role is changed."), "success")
    return redirect(url_for(".member", membership_id=membership.id))


@bp.post("/members/<int:membership_id>/deactivate")
@require(STATION_USERS)
def member_deactivate(membership_id: int):
    membership = _membership(membership_id)
    if membership.user_id == current_user.id:
        flash(_("You cannot deactivate yourself."), "danger")
    elif _would_orphan(membership):
        flash(_("A station needs at least one active station admin."), "danger")
    else:
        membership.active = False
        db.session.commit()
        flash(_("The member is deactivated and can no longer open this station."), "success")
    return redirect(url_for(".member", membership_id=membership.id))


@bp.post("/members/<int:membership_id>/activate")
@require(STATION_USERS)
def member_activate(membership_id: int):
    membership = _membership(membership_id)
    membership.active = True
    db.session.commit()
    flash(_("The member is active again."), "success")
    return redirect(url_for(".member", membership_id=membership.id))


@bp.post("/members/<int:membership_id>/invite")
@require(STATION_USERS)
def member_invite(membership_id: int):
    membership = _membership(membership_id)
    if not only_here(membership.user, g.station):
        flash(_("This account also works elsewhere; ask county IT to reset its password."),
              "danger")
        return redirect(url_for(".member", membership_id=membership.id))
    _invitation, token = Invitation.issue(membership.user, current_app.config["INVITE_TTL_HOURS"])
    db.session.commit()
    return render_template(
        "station/invite_link.html",
        membership=membership,
        link=url_for("auth.accept_invite", token=token, _external=True),
    )

