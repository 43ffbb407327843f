"""The module's pages: points, their record books, sessions, and concerns followed to a
result."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import case, false, func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.plugin_api import (
    AlreadyHandedOff,
    Handoff,
    Period,
    blueprint,
    choices,
    current_user,
    db,
    get_or_404,
    hand_off,
    handoff_targets,
    handoffs_from,
    load,
    local_today,
    may_reveal,
    members,
    paginate,
    require,
    reveal,
    settings,
    user_names,
    village_choices,
    village_order,
)

from .metrics import METRICS
from .models import (
    CLOSED,
    FINISHED,
    IN_PROGRESS,
    OPEN,
    RESOLVED,
    STATUS_LABELS,
    STATUSES,
    Concern,
    ConcernUpdate,
    Point,
    Session,
)
from .schemas import ConcernFilter, ConcernForm, PointForm, ProgressForm, SessionForm

KEY = "courtyard"
VIEW, RECORD, POINTS = "courtyard.view", "courtyard.record", "courtyard.points"

bp = blueprint(KEY, __name__)

# The badge of a concern's status (an overdue one's is "danger"), the rest "primary".
STATUS_STYLES = {RESOLVED: "success", CLOSED: "secondary"}


@bp.context_processor
def _labels():
    # The status words once a page, in the user's language: a list of concerns looks them
    # up for each row.
    return {"status_labels": STATUS_LABELS, "today": local_today(), "choices": choices,
            "when": when, "status_styles": STATUS_STYLES,
            "status_words": {k: str(v) for k, v in STATUS_LABELS.items()}}


def when(session: Session) -> str:
    """The day and time of a session as the record book writes it: 2026-11-30 17:00–18:30."""
    text = session.held_on.isoformat()
    if session.starts_at:
        text += " " + session.starts_at.strftime("%H:%M")
        if session.ends_at:
            text += "–" + session.ends_at.strftime("%H:%M")
    return text


def _status_code(errors) -> int:
    return 400 if errors else 200


# -- overview ------------------------------------------------------------------------------

@bp.get("/")
@require(VIEW)
def index():
    period = Period.parse(request.args.get("period"))
    figures = [(m, m.compute(period)) for m in METRICS]
    open_counts = dict(db.session.execute(
        select(Session.point_id, func.count(Concern.id))
        .join(Session.concerns)
        .where(Concern.status.not_in(FINISHED)).group_by(Session.point_id)
    ).all())
    last_held = dict(db.session.execute(
        select(Session.point_id, func.max(Session.held_on)).group_by(Session.point_id)
    ).all())
    # In the station's order of its villages (its route through them), with their names,
    # in one query.
    points = db.session.scalars(
        select(Point).join(Point.village).options(contains_eager(Point.village))
        .order_by(Point.active.desc(), *village_order(), Point.name)).all()
    concerns = paginate(_open_concerns(), size=10)
    return render_template(
        "courtyard/index.html", period=period, figures=figures, points=points,
        open_counts=open_counts, last_held=last_held, concerns=concerns,
    )


def _open_concerns():
    overdue_first = case((Concern.due_on < local_today(), 0), else_=1)
    return (select(Concern).where(Concern.status.not_in(FINISHED))
            .order_by(overdue_first, Concern.due_on, Concern.id))


# -- points and their record books ---------------------------------------------------------

@bp.route("/points/new", methods=["GET", "POST"])
@require(POINTS)
def point_new():
    errors = {}
    if request.method == "POST":
        data, errors = load(PointForm(), request.form)
        if data:
            point = Point(**data)
            db.session.add(point)
            db.session.commit()
            flash(_("The meeting point is set up."), "success")
            return redirect(url_for(".point", point_id=point.id))
    villages = village_choices()
    return render_template("courtyard/point_form.html", point=None, errors=errors,
                           form=request.form, villages=villages,
                           no_villages=not villages), _status_code(errors)


@bp.route("/points/<int:point_id>/edit", methods=["GET", "POST"])
@require(POINTS)
def point_edit(point_id: int):
    point = get_or_404(Point, point_id)
    errors = {}
    form = request.form
    if request.method == "POST":
        data, errors = load(PointForm(keep={"village_id": point.village_id}),
                            {**form.to_dict(), "active": "active" in form})
        if data:
            for name, value in data.items():
                setattr(point, name, value)
            db.session.commit()
            flash(_("The meeting point is saved."), "success")
            return redirect(url_for(".point", point_id=point.id))
    else:
        form = {"name": point.name, "village_id": point.village_id,
                "place": point.place or "", "notes": point.notes or "", "active": point.active}
    # The point's own village is offered even retired; none other in use is still worth
    # saying, with the way to add one.
    return render_template("courtyard/point_form.html", point=point, errors=errors, form=form,
                           villages=village_choices(keep=point.village_id),
                           no_villages=not village_choices()), _status_code(errors)


@bp.get("/points/<int:point_id>")
@require(VIEW)
def point(point_id: int):
    """The record book (记录簿): every session at the point, what was raised, what came of it."""
    point = get_or_404(Point, point_id)
    # Each session's concerns and their updates in a query each for the page, not one for
    # every session and every concern.
    sessions = paginate(select(Session).where(Session.point_id == point.id)
                        .options(selectinload(Session.concerns).selectinload(Concern.updates))
                        .order_by(Session.held_on.desc(), Session.id.desc()), size=20)
    people = user_names(
        [s.host_id for s in sessions]
        + [c.owner_id for s in sessions for c in s.concerns]
        + [u.author_id for s in sessions for c in s.concerns for u in c.updates]
    )
    return render_template("courtyard/point.html", point=point, sessions=sessions,
                           page=sessions, people=people)


# -- sessions ------------------------------------------------------------------------------

@bp.route("/points/<int:point_id>/sessions/new", methods=["GET", "POST"])
@require(RECORD)
def session_new(point_id: int):
    point = get_or_404(Point, point_id)
    choices = members()
    errors = {}
    form = request.form
    if request.method == "POST":
        data, errors = load(SessionForm(members=choices), form)
        if data:
            session = Session(point_id=point.id, created_by=current_user.id, **data)
            db.session.add(session)
            db.session.commit()
            flash(_("The session is recorded. Now add the concerns raised."), "success")
            return redirect(url_for(".session", session_id=session.id))
    else:
        form = {"held_on": local_today().isoformat(), "host_id": str(current_user.id)}
    return render_template("courtyard/session_form.html", point=point, members=choices,
                           errors=errors, form=form), _status_code(errors)


@bp.get("/sessions/<int:session_id>")
@require(VIEW)
def session(session_id: int):
    return _session_page(get_or_404(Session, session_id), {}, {})


def _session_page(session: Session, errors: dict, form):
    config = settings(KEY)
    if not form:
        form = {"due_on": (session.held_on + timedelta(days=config["due_days"])).isoformat(),
                "owner_id": str(current_user.id)}
    people = user_names([session.host_id] + [c.owner_id for c in session.concerns])
    return render_template(
        "courtyard/session.html", session=session, point=session.point, people=people,
        members=members(), categories=config["categories"], errors=errors, form=form,
    ), _status_code(errors)


@bp.post("/sessions/<int:session_id>/concerns")
@require(RECORD)
def concern_new(session_id: int):
    session = get_or_404(Session, session_id)
    config = settings(KEY)
    schema = ConcernForm(members=members(), categories=config["categories"])
    data, errors = load(schema, request.form)
    if errors:
        return _session_page(session, errors, request.form)
    data["due_on"] = data["due_on"] or session.held_on + timedelta(days=config["due_days"])
    if data["due_on"] < session.held_on:
        return _session_page(
            session, {"due_on": _("The due date cannot be before the session.")}, request.form
        )
    concern = Concern(session_id=session.id, raised_on=session.held_on, status=OPEN, **data)
    db.session.add(concern)
    db.session.commit()
    flash(_("The concern is recorded."), "success")
    return redirect(url_for(".session", session_id=session.id) + "#concerns")


# -- concerns ------------------------------------------------------------------------------

@bp.get("/concerns")
@require(VIEW)
def concerns():
    status = request.args.get("status", "unfinished")
    query = select(Concern).order_by(Concern.due_on, Concern.id)
    if status == "unfinished":
        query = _open_concerns()
    elif status == "overdue":
        query = _open_concerns().where(Concern.due_on < local_today())
    elif status in STATUSES:
        query = query.where(Concern.status == status)
    if request.args.get("mine"):
        query = query.where(Concern.owner_id == current_user.id)
    category = request.args.get("category")
    if category:
        query = query.where(Concern.category == category)
    periods, errors = load(ConcernFilter(), {k: request.args.get(k) or None
                                              for k in ("raised", "resolved")})
    if periods and periods["raised"]:
        raised = Period.parse(periods["raised"])
        query = query.where(Concern.raised_on >= raised.start, Concern.raised_on < raised.end)
    if periods and periods["resolved"]:  # resolved (not closed otherwise) in the period
        resolved = Period.parse(periods["resolved"])
        query = query.where(Concern.status == RESOLVED, Concern.finished_on >= resolved.start,
                            Concern.finished_on < resolved.end)
    page = paginate(query.where(false()) if errors else query)  # a bad period lists none
    return render_template(
        "courtyard/concerns.html", concerns=page, page=page, status=status,
        category=category, categories=settings(KEY)["categories"],
        people=user_names(c.owner_id for c in page), errors=errors,
    ), (400 if errors else 200)


@bp.get("/concerns/<int:concern_id>")
@require(VIEW)
def concern(concern_id: int):
    return _concern_page(get_or_404(Concern, concern_id))


def _concern_page(concern: Concern, errors=None, form=None, revealed=False):
    errors = errors or {}
    people = user_names([concern.owner_id] + [u.author_id for u in concern.updates])
    handed_to = handoffs_from(KEY, "concern", concern.id)
    used = {link.target_key for link in handed_to}
    return render_template(
        "courtyard/concern.html", concern=concern, session=concern.session, people=people,
        errors=errors, form=form or {}, revealed=revealed,
        may_reveal=may_reveal(concern.owner_id), handed_to=handed_to,
        # A concern goes to each target once: the ones it went to show as links above.
        targets=[t for t in handoff_targets(exclude_plugin=KEY) if t.key not in used],
    ), _status_code(errors)


@bp.post("/concerns/<int:concern_id>/progress")
@require(RECORD)
def concern_progress(concern_id: int):
    concern = get_or_404(Concern, concern_id)
    if concern.finished:
        return _concern_page(concern, {"_schema": _("This concern is already finished.")})
    data, errors = load(ProgressForm(), request.form)
    if errors:
        return _concern_page(concern, errors, request.form)
    concern.status = data["status"]
    if concern.finished:
        concern.result = data["result"]
        concern.finished_on = local_today()
    db.session.add(ConcernUpdate(concern_id=concern.id, status=data["status"],
                                 note=data["note"], author_id=current_user.id))
    db.session.commit()
    flash(_("The progress is recorded."), "success")
    return redirect(url_for(".concern", concern_id=concern.id))


@bp.post("/concerns/<int:concern_id>/reveal")
@require(VIEW)
def concern_reveal(concern_id: int):
    """The name and phone of who raised it, for its owner (to call back) or a role that
    may reveal; audited."""
    concern = get_or_404(Concern, concern_id)
    reveal("courtyard_concern", concern.id, ["raised_by", "raised_by_phone"],
           assignee_id=concern.owner_id)
    db.session.commit()
    return _concern_page(concern, revealed=True)


@bp.post("/concerns/<int:concern_id>/handoff")
@require(RECORD)
def concern_handoff(concern_id: int):
    concern = get_or_404(Concern, concern_id)
    target = request.form.get("target", "")
    people = ({"name": concern.raised_by, "phone": concern.raised_by_phone},) \
        if concern.raised_by else ()
    try:
        link = hand_off(target, Handoff(
            source_plugin=KEY, object_type="concern", object_id=concern.id,
            title=concern.title, summary=concern.details or "", people=people,
            village_id=concern.session.point.village_id, owner_id=concern.owner_id,
        ))
    except AlreadyHandedOff as earlier:
        # A second tap, a page open in another tab, or two taps at once: nothing new.
        flash(_("Already handed over: %(label)s", label=earlier.link.label), "info")
        return redirect(earlier.link.url or url_for(".concern", concern_id=concern_id))
    except LookupError:
        return _concern_page(concern, {"_schema": _("That module is not available here.")})
    if concern.status == OPEN:
        concern.status = IN_PROGRESS
    db.session.add(ConcernUpdate(
        concern_id=concern.id, status=concern.status, author_id=current_user.id,
        note=_("Handed over: %(label)s", label=link.target_label),
    ))
    db.session.commit()
    flash(_("Handed over: %(label)s", label=link.target_label), "success")
    return redirect(url_for(".concern", concern_id=concern.id))


def object_url(object_type: str, object_id: int) -> str | None:
    if object_type == "concern":
        return url_for("plugin_courtyard.concern", concern_id=object_id)
    return None


def home_card():
    overdue = db.session.scalar(
        select(func.count()).select_from(Concern)
        .where(Concern.status.not_in(FINISHED), Concern.due_on < local_today())
    )
    unfinished = db.session.scalar(
        select(func.count()).select_from(Concern).where(Concern.status.not_in(FINISHED))
    )
    return render_template("courtyard/_home_card.html", overdue=overdue, unfinished=unfinished)
