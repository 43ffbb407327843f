from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from app import audit, password_store, user_sessions
from app.auth import throttle
from app.auth.safe_redirect import safe_next
from app.extensions import db, login_manager
from app.forms import Form, Text, length, load
from app.passwords import MIN_LENGTH
from app.users import Invitation, User, find_user, normalise_username
from tenants.models import utcnow
from tenants.web import act_for_request

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        id_part, version_part = user_id.split(":")
        user = user_sessions.signed_in(int(id_part))
    except ValueError:
        return None
    except SQLAlchemyError:
        # The database is unreachable: treat the visitor as signed out so the error page
        # can still be shown instead of failing again.
        db.session.rollback()
        return None
    if user is None or not user.active or str(user.session_version) != version_part:
        return None
    act_for_request(user.id)
    return user


def record_for_user(user: User | None, action: str, **details) -> None:
    """Audit an account event in the chain of every place the user belongs to, so each
    station admin sees their own people's sign-ins; unknown accounts go to the platform."""
    scopes = {(m.station_id, m.county_id) for m in user.memberships} if user else set()
    actor = (user.id, user.username) if user else (None, details.get("username"))
    for station_id, county_id in sorted(scopes, key=str) or [(None, None)]:
        audit.record(
            action,
            station_id=station_id,
            county_id=county_id,
            object_type="user_account",
            object_id=user.id if user else None,
            changes=details or None,
            actor=actor,
        )


class SignInForm(Form):
    username = Text(required=True, validate=length(64))
    password = Text(required=True, validate=length(256))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(next_url, url_for("web.index")))
    errors, status = {}, 200
    if request.method == "POST":
        data, errors = load(SignInForm(), request.form)
        if data:
            status = _attempt(normalise_username(data["username"]), data["password"], errors)
            if status == 302:
                return redirect(safe_next(next_url, url_for("web.index")))
        else:
            status = 400
    return render_template(
        "auth/sign_in.html", errors=errors, next_url=next_url, form=request.form
    ), status


def _attempt(username: str, password: str, errors: dict) -> int:
    address = request.remote_addr
    lockout = throttle.check(username, address)
    if lockout:
        errors["_schema"] = _(
            "Too many failed sign-in attempts. Please try again in %(minutes)d minutes.",
            minutes=lockout.minutes,
        )
        record_for_user(find_user(username), "auth.sign_in_refused", username=username)
        db.session.commit()
        return 429
    user = find_user(username)
    # Checked even for unknown accounts, so the answer's timing does not tell them apart.
    password_ok = password_store.check(user.id if user else None, password)
    if user is None or not user.active or not password_ok:
        throttle.fail(username, address)
        record_for_user(user, "auth.sign_in_failed", username=username)
        db.session.commit()
        errors["_schema"] = _("Wrong username or password, or the account is disabled.")
        return 401
    throttle.succeed(username)
    act_for_request(user.id)
    user.last_sign_in_at = utcnow()
    user_sessions.start(user.id)  # a new session and CSRF token: nothing from before
    record_for_user(user, "auth.sign_in")
    db.session.commit()
    login_user(user)
    return 302


@bp.post("/sign-out")
@login_required
def sign_out():
    record_for_user(current_user, "auth.sign_out")
    user_sessions.end_current()  # a copy of this cookie opens nothing from now on
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


class SetPasswordForm(Form):
    password = Text(required=True, validate=length(256, MIN_LENGTH))
    confirm = Text(required=True)


def _check_confirm(data: dict | None, errors: dict) -> dict | None:
    if data and data["password"] != data["confirm"]:
        errors["confirm"] = _("The two passwords do not match.")
        return None
    return data


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    invitation = Invitation.find_valid(token)
    if invitation is None:
        return render_template("auth/invite_invalid.html"), 404
    errors = {}
    if request.method == "POST":
        data, errors = load(SetPasswordForm(), request.form)
        data = _check_confirm(data, errors)
        user = data and User.accept_invitation(token, data["password"])
        if data and user is None:  # used or expired while the form was open
            db.session.rollback()
            return render_template("auth/invite_invalid.html"), 404
        if user:
            act_for_request(user.id)
            user_sessions.start(user.id)
            record_for_user(user, "auth.invitation_accepted")
            db.session.commit()
            login_user(user)
            flash(_("Your password is set. Welcome!"), "success")
            return redirect(url_for("web.index"))
    return render_template("auth/invite.html", invitation=invitation, errors=errors), (
        400 if errors else 200
    )


class ChangePasswordForm(SetPasswordForm):
    current = Text(required=True)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    errors = {}
    if request.method == "POST":
        data, errors = load(ChangePasswordForm(), request.form)
        data = _check_confirm(data, errors)
        if data and not current_user.change_password(data["current"], data["password"]):
            errors["current"] = _("The current password is wrong.")
            data = None
        if data:
            db.session.commit()
            login_user(current_user._get_current_object())  # new session version, same session
            flash(_("Your password has been changed. Other sessions are signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", errors=errors, min_length=MIN_LENGTH), (
        400 if errors else 200
    )
