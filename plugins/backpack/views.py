"""The module's pages: requests taken and followed to done, the visit plan and the day's
route sheet, the visit record on a phone, and the certificates awaiting delivery."""

from collections import defaultdict
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import selectinload

from app.plugin_api import (
    STATION_PII,
    Period,
    Village,
    blueprint,
    can,
    choices,
    current_user,
    day_arg,
    db,
    get_or_404,
    load,
    local_today,
    may_reveal,
    members,
    paginate,
    require,
    reveal,
    user_names,
    village_choices,
    village_order,
)

from . import flow
from .catalogue import documents_for, home_services
from .labels import label, pairs
from .metrics import METRICS
from .models import DONE, OPEN, REQUESTED, SCHEDULED, STATUSES, VISITED, HomeRequest
from .schemas import (
    CannotForm,
    DeliveryForm,
    FollowUpForm,
    RequestFilter,
    RequestForm,
    ScheduleForm,
    VisitForm,
)

KEY = "backpack"
VIEW, RECORD, PLAN = "backpack.view", "backpack.record", "backpack.plan"
PII_FIELDS = ["resident_name", "resident_phone", "resident_id_number", "address",
              "received_by_name"]
# What the officer on the visit needs: whom to call ahead, and where the house is.
VISIT_FIELDS = ["resident_name", "resident_phone", "address"]

bp = blueprint(KEY, __name__)


# The badge of a request's status.
STATUS_COLOURS = {"requested": "warning", "scheduled": "primary", "visited": "info",
                  "done": "success", "cannot_be_done": "secondary"}


@bp.context_processor
def _helpers():
    # ``words``: the statuses and reasons in the user's language once a page, for a list's
    # rows to look up.
    return {"label": label, "pairs": pairs, "today": local_today(), "choices": choices,
            "documents_for": documents_for, "status_colours": STATUS_COLOURS,
            "words": {group: dict(pairs(group)) for group in ("status", "reason")}}


def _status_code(errors) -> int:
    return 400 if errors else 200


def _locked(backpack_request_id: int) -> HomeRequest:
    """The request to move, its row locked until the commit: of two taps on the same
    button the second waits for the first, then sees the new status and is refused."""
    home = db.session.scalar(select(HomeRequest).where(HomeRequest.id == backpack_request_id)
                             .with_for_update())
    if home is None:
        abort(404)
    return home


# -- overview and lists --------------------------------------------------------------------

@bp.get("/")
@require(VIEW)
def index():
    period = Period.parse(request.args.get("period"))
    status = request.args.get("status", "open")
    query = select(HomeRequest).order_by(HomeRequest.requested_on.desc(), HomeRequest.id.desc())
    if status == "open":
        query = query.where(HomeRequest.status.in_(OPEN))
    elif status in STATUSES:
        query = query.where(HomeRequest.status == status)
    periods, errors = load(RequestFilter(), {k: request.args.get(k) or None
                                              for k in ("finished", "delivered")})
    for name, column in (("finished", HomeRequest.finished_on),
                         ("delivered", HomeRequest.delivered_on)):
        if periods and periods[name]:
            within = Period.parse(periods[name])
            query = query.where(column >= within.start, column < within.end)
    page = paginate(query.where(false()) if errors else query)  # a bad period lists none
    return render_template(
        "backpack/index.html", period=period, figures=[(m, m.compute(period)) for m in METRICS],
        requests=page, page=page, status=status, errors=errors,
        within={k: v for k, v in (periods or {}).items() if v},
        people=user_names(r.officer_id for r in page),
    ), (400 if errors else 200)


@bp.get("/deliveries")
@require(VIEW)
def deliveries():
    """The certificates made at the county office that still wait to be brought home, in
    the order a round through the villages takes."""
    # Each row says the day of its visit: the page's visits in one query.
    page = paginate(_along_the_route(_awaiting_delivery()).options(
        selectinload(HomeRequest.visit)).order_by(HomeRequest.visit_date, HomeRequest.id))
    return render_template("backpack/deliveries.html", requests=page, page=page,
                           people=user_names(r.officer_id for r in page))


def _awaiting_delivery():
    return select(HomeRequest).where(HomeRequest.status == VISITED,
                                     HomeRequest.needs_delivery.is_(True),
                                     HomeRequest.delivered_on.is_(None))


# -- taking a request ----------------------------------------------------------------------

@bp.route("/requests/new", methods=["GET", "POST"])
@require(RECORD)
def request_new():
    services = home_services()
    errors, form = {}, request.form
    if request.method == "POST":
        data, errors = load(RequestForm(services=[s["name"] for s in services]), form)
        if data:
            data["requested_on"] = data["requested_on"] or local_today()
            if data["resident_id_number"]:
                data["resident_id_number"] = data["resident_id_number"].upper()
            home = HomeRequest(created_by=current_user.id, **data)
            db.session.add(home)
            db.session.flush()
            flow.taken(home)
            db.session.commit()
            flash(_("The request is taken. Now give it a date and an officer."), "success")
            return redirect(url_for(".request_page", backpack_request_id=home.id))
    else:
        form = {"requested_on": local_today().isoformat(), "reason": "elderly",
                "channel": "phone"}
    return render_template(
        "backpack/request_new.html", services=services, villages=village_choices(),
        errors=errors,
        form=form, may_configure=can("station.modules.manage"),
    ), _status_code(errors)


# -- one request ---------------------------------------------------------------------------

@bp.get("/requests/<int:backpack_request_id>")
@require(VIEW)
def request_page(backpack_request_id: int):
    return _page(get_or_404(HomeRequest, backpack_request_id))


def _assignee(home: HomeRequest) -> int | None:
    """Who the request is the task of: its officer, while there is something left to do."""
    return home.officer_id if home.is_open else None


def _page(home: HomeRequest, errors=None, form=None, revealed=()):
    errors = errors or {}
    people = user_names([home.officer_id, home.visit.recorded_by if home.visit else None]
                        + [s.author_id for s in home.steps])
    return render_template(
        "backpack/request.html", r=home, people=people, errors=errors, form=form or {},
        revealed=set(revealed), may_reveal=may_reveal(_assignee(home)), members=members(),
    ), _status_code(errors)


def _act(backpack_request_id: int, form_class, move, **form_kwargs):
    """One move of a request: the form valid and the move legal, or the page comes back
    with the reason and nothing is saved."""
    home = _locked(backpack_request_id)
    data, errors = load(form_class(**form_kwargs), request.form)
    if errors:
        return _page(home, errors, request.form)
    refusal = move(home, data)
    if refusal:
        db.session.rollback()
        home = get_or_404(HomeRequest, backpack_request_id)
        return _page(home, {"_schema": refusal}, request.form)
    db.session.commit()
    return None


@bp.post("/requests/<int:backpack_request_id>/schedule")
@require(PLAN)
def schedule(backpack_request_id: int):
    refused = _act(backpack_request_id, ScheduleForm, flow.schedule,
                   member_ids=[m[0] for m in members()])
    if refused:
        return refused
    flash(_("The visit is scheduled."), "success")
    if request.form.get("back") == "plan":
        return redirect(url_for(".plan", day=request.form.get("day", ""),
                                span=request.form.get("span", "day")))
    return redirect(url_for(".request_page", backpack_request_id=backpack_request_id))


@bp.post("/requests/<int:backpack_request_id>/delivery")
@require(RECORD)
def delivery(backpack_request_id: int):
    refused = _act(backpack_request_id, DeliveryForm, flow.deliver)
    if refused:
        return refused
    flash(_("The delivery is recorded."), "success")
    return redirect(url_for(".request_page", backpack_request_id=backpack_request_id))


@bp.post("/requests/<int:backpack_request_id>/follow-up")
@require(RECORD)
def follow_up(backpack_request_id: int):
    refused = _act(backpack_request_id, FollowUpForm, flow.follow_up_done)
    if refused:
        return refused
    flash(_("The follow-up is recorded."), "success")
    return redirect(url_for(".request_page", backpack_request_id=backpack_request_id))


@bp.post("/requests/<int:backpack_request_id>/cannot")
@require(PLAN)
def cannot(backpack_request_id: int):
    refused = _act(backpack_request_id, CannotForm, flow.cannot_be_done)
    if refused:
        return refused
    flash(_("The request is closed as not possible."), "success")
    return redirect(url_for(".request_page", backpack_request_id=backpack_request_id))


@bp.post("/requests/<int:backpack_request_id>/reveal")
@require(VIEW)
def request_reveal(backpack_request_id: int):
    """The resident's details unmasked, for the officer assigned to the visit or a role
    that may reveal (audited): on the visit page, what the visit needs; else all."""
    home = get_or_404(HomeRequest, backpack_request_id)
    on_visit = request.form.get("page") == "visit"
    # The officer on the visit sees what the visit needs; the whole record is for a role.
    fields = PII_FIELDS if can(STATION_PII) and not on_visit else VISIT_FIELDS
    reveal("backpack_request", home.id, fields, assignee_id=_assignee(home))
    db.session.commit()
    if on_visit:
        return _visit_page(home, {}, {"visited_on": local_today().isoformat()}, revealed=True)
    return _page(home, revealed=fields)


# -- the visit, recorded on a phone --------------------------------------------------------

@bp.route("/requests/<int:backpack_request_id>/visit", methods=["GET", "POST"])
@require(RECORD)
def visit(backpack_request_id: int):
    home = _locked(backpack_request_id) if request.method == "POST" \
        else get_or_404(HomeRequest, backpack_request_id)
    errors, form = {}, request.form
    if request.method == "POST":
        data, errors = load(VisitForm(), form)
        refusal = flow.visit(home, data) if data else None
        if refusal:
            db.session.rollback()
            home = get_or_404(HomeRequest, backpack_request_id)
            errors = {"_schema": refusal}
        if not errors:
            db.session.commit()
            flash(_("The visit is recorded: the request is done.") if home.status == DONE
                  else _("The visit is recorded."), "success")
            return redirect(url_for(".request_page", backpack_request_id=home.id))
    else:
        if home.status != SCHEDULED:
            errors = {"_schema": _("A visit is recorded for a scheduled request only; this "
                                   "one is: %(status)s.", status=label("status", home.status))}
        form = {"visited_on": local_today().isoformat()}
    return _visit_page(home, errors, form), \
        (400 if errors and request.method == "POST" else 200)


def _visit_page(home: HomeRequest, errors, form, revealed=False):
    return render_template("backpack/visit.html", r=home, errors=errors, form=form,
                           officer=user_names([home.officer_id]).get(home.officer_id),
                           revealed=revealed, may_reveal=may_reveal(_assignee(home)))


# -- the plan and the route sheet ----------------------------------------------------------

def _along_the_route(query):
    """``query`` of requests in the order a round through the station's villages runs:
    the ground's order of its villages (position, then name)."""
    return query.join(Village, (Village.id == HomeRequest.village_id)
                      & (Village.tenant_id == HomeRequest.tenant_id)).order_by(*village_order())


def _scheduled(first: date, last: date, officer_id: int | None = None):
    query = select(HomeRequest).where(HomeRequest.status == SCHEDULED,
                                      HomeRequest.visit_date >= first,
                                      HomeRequest.visit_date <= last)
    if officer_id:
        query = query.where(HomeRequest.officer_id == officer_id)
    return db.session.scalars(_along_the_route(query).order_by(HomeRequest.id)).all()


@bp.get("/plan")
@require(VIEW)
def plan():
    """The visits of a day or a week, by day and village, and how many each officer has."""
    day = day_arg(request.args.get("day")) or local_today()
    span = "week" if request.args.get("span") == "week" else "day"
    first = day - timedelta(days=day.weekday()) if span == "week" else day
    last = first + timedelta(days=6 if span == "week" else 0)
    visits = _scheduled(first, last)
    by_day: dict[date, dict[str, list]] = {}
    for r in sorted(visits, key=lambda r: r.visit_date):
        by_day.setdefault(r.visit_date, defaultdict(list))[r.village.name].append(r)
    by_officer: dict[int | None, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for r in visits:
        by_officer[r.officer_id][r.visit_date] += 1
    waiting = paginate(select(HomeRequest).where(HomeRequest.status == REQUESTED)
                       .order_by(HomeRequest.requested_on, HomeRequest.id))
    staff = members()
    step = timedelta(days=7 if span == "week" else 1)
    return render_template(
        "backpack/plan.html", day=day, span=span, first=first, last=last, by_day=by_day,
        by_officer=by_officer, waiting=waiting, members=staff,
        people={**dict(staff), **user_names(r.officer_id for r in visits)},
        previous=day - step, next=day + step,
    )


@bp.route("/route-sheet", methods=["GET", "POST"])
@require(VIEW)
def route_sheet():
    """The day's route for the officer carrying the backpack, printable on A4. Masked by
    default; the officer whose route it is, or a role that may reveal, prints it in full
    (a POST, recorded in the audit log, since the sheet then carries names, phones and
    addresses). Everyone's sheets at once are for a role that may reveal."""
    source = request.form if request.method == "POST" else request.args
    day = day_arg(source.get("day")) or local_today()
    staff = dict(members())
    # Only a member of this station has a sheet (and a name on it); anything else means all.
    officer_id = source.get("officer_id", type=int)
    officer_id = officer_id if officer_id in staff else None
    full = request.method == "POST"
    visits = _scheduled(day, day, officer_id)
    sheets: dict[int | None, list] = defaultdict(list)
    for r in visits:
        sheets[r.officer_id].append(r)
    if officer_id and not sheets:
        sheets[officer_id] = []
    villages = {r.village_id for r in visits}
    to_deliver = db.session.scalars(_along_the_route(
        _awaiting_delivery().where(HomeRequest.village_id.in_(villages)))
        .order_by(HomeRequest.id)).all()
    if full:
        reveal("backpack_route_sheet", None, VISIT_FIELDS, assignee_id=officer_id,
               **{"for": "print", "day": day.isoformat(), "officer_id": officer_id,
                  "requests": [r.id for r in visits + to_deliver]})
        db.session.commit()
    return render_template(
        "backpack/route_sheet.html", day=day, officer_id=officer_id, sheets=sheets,
        to_deliver=to_deliver, full=full, may_reveal=may_reveal(officer_id),
        people=user_names(list(sheets) + [r.officer_id for r in to_deliver]),
    )


def object_url(object_type: str, object_id: int) -> str | None:
    if object_type == "request":
        return url_for("plugin_backpack.request_page", backpack_request_id=object_id)
    return None


def home_card():
    today = local_today()
    visiting = and_(HomeRequest.status == SCHEDULED, HomeRequest.visit_date == today)
    awaiting = _awaiting_delivery().whereclause
    # The card's four figures in one read of the station's requests.
    counts = db.session.execute(select(
        func.count().filter(visiting),
        func.count().filter(visiting, HomeRequest.officer_id == current_user.id),
        func.count().filter(awaiting),
        func.count().filter(HomeRequest.status == REQUESTED),
    ).select_from(HomeRequest)).one()
    return render_template("backpack/_home_card.html", visits_today=counts[0],
                           mine_today=counts[1], awaiting=counts[2], waiting=counts[3])
