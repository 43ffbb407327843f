"""One person's page in a place (a station's People, the county's own people) and what is
done there, the same for both: the person masked with an audited reveal, their role,
deactivating and activating again, a new sign-in link."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, select

from app import audit
from app.enrolment import admin_role, may_take_role, role_form, would_orphan
from app.extensions import db
from app.forms import load
from app.users import ROLE_LABELS, Invitation, Membership, User


@dataclass(frozen=True)
class PeoplePages:
    """One person's page and what is done there, the same for a station's people and the
    county's own: the person masked with an audited reveal, their role, deactivating and
    activating again, a new sign-in link (the older one stops working); the place always
    keeps an active admin. The views call these with the membership id from the URL."""

    endpoint: str  # the person's page; the actions redirect back to it
    template: str  # the person's page, given membership, roles and revealed
    invite_template: str  # the new link, given membership, link and reissued
    roles: tuple[str, ...]
    place: Callable[[], ColumnElement[bool]]  # which memberships are this place's
    may_reset: Callable[[User], bool]  # whose password a new link may set from here
    needs_admin: str  # messages in the place's words (lazy)
    deactivated: str
    works_elsewhere: str

    def membership(self, membership_id: int) -> Membership:
        """The place's membership ``membership_id``; anyone else's is a 404."""
        membership = db.session.scalar(
            select(Membership).where(Membership.id == membership_id, self.place()))
        if membership is None:
            abort(404)
        return membership

    def role_choices(self) -> list[tuple[str, str]]:
        return [(role, ROLE_LABELS[role]) for role in self.roles]

    def page(self, membership_id: int):
        return self._show(self.membership(membership_id), revealed=False)

    def reveal(self, membership_id: int):
        """The page with the full name and phone, recorded as a ``pii.reveal`` event in the
        place's chain. The view checks the permission to reveal."""
        membership = self.membership(membership_id)
        audit.record(
            "pii.reveal", station_id=membership.station_id, county_id=membership.county_id,
            object_type="user_account", object_id=membership.user_id,
            changes={"fields": ["full_name", "phone"]},
        )
        db.session.commit()
        return self._show(membership, revealed=True)

    def change_role(self, membership_id: int):
        membership = self.membership(membership_id)
        data, errors = load(role_form(self.roles), request.form)
        if errors:
            flash(errors["role"], "danger")
        elif data["role"] != admin_role(membership) and would_orphan(membership):
            flash(str(self.needs_admin), "danger")
        elif not may_take_role(membership, data["role"]):
            flash(_("A county account cannot also be a station's admin."), "danger")
        else:
            membership.role = data["role"]
            db.session.commit()
            flash(_("The role is changed."), "success")
        return self._back(membership)

    def deactivate(self, membership_id: int):
        """The membership no longer opens the place: access is checked against active
        memberships on every request, so the person's next page there is a 404 (their other
        places, if any, stay open)."""
        membership = self.membership(membership_id)
        if membership.user_id == current_user.id:
            flash(_("You cannot deactivate yourself."), "danger")
        elif would_orphan(membership):
            flash(str(self.needs_admin), "danger")
        else:
            membership.active = False
            db.session.commit()
            flash(str(self.deactivated), "success")
        return self._back(membership)

    def activate(self, membership_id: int):
        membership = self.membership(membership_id)
        membership.active = True
        db.session.commit()
        flash(_("The member is active again."), "success")
        return self._back(membership)

    def invite(self, membership_id: int):
        """A new link to set the password; every older unused link of the account ends."""
        membership = self.membership(membership_id)
        if not self.may_reset(membership.user):
            flash(str(self.works_elsewhere), "danger")
            return self._back(membership)
        _invitation, token = Invitation.issue(membership.user,
                                              current_app.config["INVITE_TTL_HOURS"])
        db.session.commit()
        return render_template(
            self.invite_template, membership=membership, reissued=True,
            link=url_for("auth.accept_invite", token=token, _external=True),
        )

    def _show(self, membership: Membership, revealed: bool):
        return render_template(self.template, membership=membership,
                               roles=self.role_choices(), revealed=revealed)

    def _back(self, membership: Membership):
        return redirect(url_for(self.endpoint, membership_id=membership.id))
