"""The county console: every station of the county, onboarding (stations and the county's
own people) and the county's audit log."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.access import require
from app.audit.models import AuditEvent
from app.audit.viewer import page_of
from app.enrolment import AlreadyMember, BelongsElsewhere, enrol, member_form
from app.extensions import db
from app.forms import load
from app.paging import paginate
from app.permissions import (
    COUNTY_AUDIT,
    COUNTY_ROLES,
    COUNTY_STATIONS,
    COUNTY_USERS,
    COUNTY_VIEW,
)
from app.plugin_host import host
from app.users import ROLE_LABELS, Membership, User
from tenants.models import Station
from tenants.onboarding import OnboardingError, create_station
from tenants.web import county_blueprint

bp = county_blueprint("county", __name__)


def register_landing(app) -> None:
    @app.get("/county/")
    @login_required
    def county_landing():
        counties = [m.county for m in current_user.active_memberships() if m.county]
        if not counties:
            abort(404)
        return redirect(url_for("county.home", county_slug=counties[0].slug))


@bp.get("/")
@require(COUNTY_VIEW)
def home():
    stations = paginate(
        select(Station).where(Station.county_id == g.county.id).order_by(Station.name,
                                                                          Station.id))
    members = dict(db.session.execute(
        select(Membership.station_id, func.count())
        .where(Membership.station_id.in_([s.id for s in stations]), Membership.active.is_(True))
        .group_by(Membership.station_id)
    ).all())
    last_activity = dict(db.session.execute(
        select(AuditEvent.station_id, func.max(AuditEvent.created_at))
        .where(AuditEvent.county_id == g.county.id,
               AuditEvent.station_id.in_([s.id for s in stations]))
        .group_by(AuditEvent.station_id)
    ).all())
    return render_template(
        "county/home.html", stations=stations, page=stations, members=members,
        last_activity=last_activity,
    )


@bp.route("/stations/new", methods=["GET", "POST"])
@require(COUNTY_STATIONS)
def station_new():
    errors = {}
    if request.method == "POST":
        try:
            station, enrolment = create_station(
                g.county, request.form, modules=request.form.getlist("modules")
            )
        except OnboardingError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            link = None
            if enrolment.invite_token:
                link = url_for("auth.accept_invite", token=enrolment.invite_token, _external=True)
            return render_template(
                "county/station_created.html", station=station,
                admin=enrolment.membership.user, link=link,
            )
    chosen = set(request.form.getlist("modules"))
    return render_template("county/station_new.html", errors=errors, form=request.form,
                           plugins=list(host().plugins.values()), chosen=chosen), (
        400 if errors else 200
    )


@bp.get("/users")
@require(COUNTY_USERS)
def users():
    page = paginate(
        select(Membership)
        .join(User)
        .where(Membership.county_id == g.county.id)
        .order_by(Membership.active.desc(), Membership.role, User.username)
    )
    return render_template("county/users.html", memberships=page, page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@require(COUNTY_USERS)
def user_new():
    errors = {}
    if request.method == "POST":
        data, errors = load(member_form(COUNTY_ROLES), request.form)
        if data:
            try:
                result = enrol(county=g.county, **data)
            except AlreadyMember:
                errors["username"] = _("This account is already one of the county's people.")
            except BelongsElsewhere:
                errors["username"] = _("This account belongs to another county or to the "
                                       "county bureau; choose another username.")
            else:
                db.session.commit()
                if result.invite_token:
                    return render_template(
                        "county/user_created.html", membership=result.membership,
                        link=url_for("auth.accept_invite", token=result.invite_token,
                                     _external=True),
                    )
                flash(_("The existing account %(username)s has been added.",
                        username=result.membership.user.username), "success")
                return redirect(url_for(".users"))
    roles = [(role, ROLE_LABELS[role]) for role in COUNTY_ROLES]
    return render_template(
        "county/user_new.html", errors=errors, form=request.form, roles=roles
    ), (400 if errors else 200)


@bp.get("/audit")
@require(COUNTY_AUDIT)
def audit_log():
    base = select(AuditEvent).where(AuditEvent.county_id == g.county.id)
    stations = db.session.scalars(
        select(Station).where(Station.county_id == g.county.id).order_by(Station.name)
    ).all()
    return render_template(
        "audit/list.html", result=page_of(base, request.args), stations=stations
    )
