"""The county console: every station of the county, onboarding (stations and the county's
own people) and the county's audit log."""

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.access import require
from app.audit import heads
from app.audit.models import AuditEvent
from app.audit.viewer import page_of
from app.enrolment import (
    AlreadyMember,
    BelongsElsewhere,
    IsStationAdmin,
    enrol,
    member_form,
    only_in,
)
from app.extensions import db
from app.forms import load
from app.ground.profile import profiles
from app.paging import paginate
from app.permissions import (
    COUNTY_AUDIT,
    COUNTY_ROLES,
    COUNTY_STATIONS,
    COUNTY_USERS,
    COUNTY_VIEW,
    STATION_PII,
)
from app.person_pages import PeoplePages
from app.plugin_host import host
from app.users import Membership, User
from tenants.models import Station
from tenants.onboarding import OnboardingError, create_station
from tenants.web import county_blueprint

bp = county_blueprint("county", __name__)

# A county person's page and its actions: the same pages as a station's people
# (app.station.members), for the county's own accounts.
people = PeoplePages(
    endpoint="county.user",
    template="county/user.html",
    invite_template="county/user_created.html",
    roles=COUNTY_ROLES,
    place=lambda: Membership.county_id == g.county.id,
    may_reset=lambda user: only_in(user, g.county),
    needs_admin=_l("The county needs at least one active county IT admin."),
    deactivated=_l("The person is deactivated and can no longer open the county console or "
                   "its stations."),
    works_elsewhere=_l("This account also works outside this county; ask a platform admin "
                       "to reset its password."),
)


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
        last_activity=last_activity, profiles=profiles([s.id for s in stations]),
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
            except IsStationAdmin as exc:
                errors["username"] = _(
                    "This account is the station admin of %(stations)s, and a county account "
                    "cannot also be a station's admin: give it another role on that station's "
                    "People page first, or choose another username.",
                    stations=pgettext("list separator", ", ").join(
                        s.name for s in exc.stations))
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
                # The account is someone's already: their name and phone are theirs to keep.
                flash(_("The existing account %(username)s has been added. It keeps its own "
                        "name and phone number; the ones typed in the form were not used.",
                        username=result.membership.user.username), "success")
                return redirect(url_for(".users"))
    return render_template(
        "county/user_new.html", errors=errors, form=request.form, roles=people.role_choices()
    ), (400 if errors else 200)


@bp.get("/users/<int:membership_id>")
@require(COUNTY_USERS)
def user(membership_id: int):
    return people.page(membership_id)


@bp.post("/users/<int:membership_id>/reveal")
@require(COUNTY_USERS)
@require(STATION_PII)
def user_reveal(membership_id: int):
    return people.reveal(membership_id)


@bp.post("/users/<int:membership_id>/role")
@require(COUNTY_USERS)
def user_role(membership_id: int):
    return people.change_role(membership_id)


@bp.post("/users/<int:membership_id>/deactivate")
@require(COUNTY_USERS)
def user_deactivate(membership_id: int):
    return people.deactivate(membership_id)


@bp.post("/users/<int:membership_id>/activate")
@require(COUNTY_USERS)
def user_activate(membership_id: int):
    return people.activate(membership_id)


@bp.post("/users/<int:membership_id>/invite")
@require(COUNTY_USERS)
def user_invite(membership_id: int):
    return people.invite(membership_id)


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


@bp.get("/audit/heads")
@require(COUNTY_AUDIT)
def audit_heads():
    """The county's chains' heads, signed now: county IT prints them (or keeps the file)
    each month, and `fengqiao audit verify --heads` later checks the log against them."""
    stations = db.session.scalars(
        select(Station).where(Station.county_id == g.county.id).order_by(Station.name)).all()
    own = heads.of_county(heads.current(db.session.connection()), g.county.id,
                          [s.id for s in stations])
    doc = heads.document(own)
    if request.args.get("format") == "json":
        response = jsonify(doc)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="audit-heads-{g.county.slug}.json"')
        return response
    names = {f"county:{g.county.id}": g.county.name}
    names |= {f"station:{s.id}": s.name for s in stations}
    return render_template("county/audit_heads.html", doc=doc, names=names)
