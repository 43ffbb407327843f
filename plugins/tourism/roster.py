"""The roster pages: a week of posts and shifts with the cells that fall short, one day of
it for a phone, one cell's people (saved only over the version it was read at), peak days,
and the station's volunteers as the roster sees them (they are kept on the station's
ground, with its other community forces)."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.plugin_api import (
    current_user,
    day_arg,
    db,
    get_or_404,
    load,
    local_today,
    require,
    settings,
    utcnow,
)

from .models import Assignment, PeakDay, RosterCell
from .schemas import CellForm, PeakForm
from .staffing import (
    People,
    busy_in,
    key_of,
    minimum,
    post_named,
    roster,
    season,
    shift_named,
)
from .views import KEY, MANAGE, VIEW, bp, status_code


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- the week, and one day of it -----------------------------------------------------------

@bp.get("/roster")
@require(VIEW)
def week():
    return _week_page()


def _gaps(days, config, people) -> list:
    """``(day, shift, short cells, who could be sent)`` for each shift of ``days`` that falls
    short: the week's and the day's pages show the same, from the same roster."""
    gaps = []
    for d in days:
        for shift in config["shifts"]:
            short = [c for c in d.cells.values() if c.shift == shift["name"] and c.short]
            if short:
                # Who is on duty in the shift, from the roster already read (not a query
                # per shift): its cells, and those of posts no longer in the settings.
                busy = {k for c in (*d.cells.values(), *d.gone) if c.shift == shift["name"]
                        for k in c.on_duty}
                gaps.append((d, shift["name"], short, people.free(busy)))
    return gaps


def _week_page(errors=None, form=None):
    config = settings(KEY)
    start = _monday(day_arg(request.args.get("week") or (form or {}).get("day")) or local_today())
    people = People()
    days = roster(start, 7, config, people)
    form = form or {"day": local_today().isoformat(), "extra": str(config["peak_extra"])}
    return render_template(
        "tourism/roster.html", days=days, start=start, config=config,
        gaps=_gaps(days, config, people),
        previous=start - timedelta(days=7), next=start + timedelta(days=7),
        errors=errors or {}, form=form,
    ), status_code(errors)


@bp.get("/roster/day")
@require(VIEW)
def roster_day():
    """One day's posts by shift, one under the other: the roster as a phone shows it."""
    config = settings(KEY)
    people = People()
    d = roster(day_arg(request.args.get("day")) or local_today(), 1, config, people)[0]
    return render_template(
        "tourism/roster_day.html", d=d, config=config, gaps=_gaps([d], config, people),
        previous=d.day - timedelta(days=1), next=d.day + timedelta(days=1),
    )


# -- one cell ------------------------------------------------------------------------------

def _cell_place():
    """The cell a request names (day, shift, post), defaulting to today's first; 404 for a
    post or shift that neither the settings nor the stored roster know."""
    source = request.form if request.method == "POST" else request.args
    config = settings(KEY)
    day = day_arg(source.get("day")) or local_today()
    shift = source.get("shift") or config["shifts"][0]["name"]
    post = source.get("post") or config["posts"][0]["name"]
    row = db.session.scalar(select(RosterCell).where(
        RosterCell.day == day, RosterCell.shift == shift, RosterCell.post == post))
    if row is None and not (post_named(config, post) and shift_named(config, shift)):
        abort(404)
    return config, day, shift, post, row


@bp.get("/roster/cell")
@require(VIEW)
def cell():
    return _cell_page(*_cell_place())


def _from_day() -> bool:
    """Whether the cell was opened from the day's page (``back=day``), to go back there."""
    source = request.form if request.method == "POST" else request.args
    return source.get("back") == "day"


def _back(day: date) -> str:
    if _from_day():
        return url_for(".roster_day", day=day.isoformat())
    return url_for(".week", week=day.isoformat()) + f"#day-{day.isoformat()}"


def _cell_page(config, day, shift, post, row, errors=None, chosen=None, status=None):
    people = People()
    peak = db.session.scalar(select(PeakDay).where(PeakDay.day == day))
    day_season = season(day, config, peak)
    p, s = post_named(config, post), shift_named(config, shift)
    needed = minimum(p, s, day_season, peak) if p and s else 0
    assigned = {key_of(a) for a in row.assignments} if row else set()
    elsewhere = busy_in(day, shift, exclude_post=post)
    return render_template(
        "tourism/cell.html", day=day, shift=shift, post=post, post_info=p, known=bool(p and s),
        row=row, needed=needed, season=day_season, peak=peak, people=people,
        names=[people.name(a) for a in row.assignments] if row else [],
        # Ticked: what is stored, or what was sent when it comes back refused. Someone on
        # duty at another post in this shift cannot be ticked here (unless stored here
        # already, so they can be taken off); the save refuses them anyway.
        assigned=assigned, ticked=assigned if chosen is None else chosen,
        elsewhere=elsewhere, back=_back(day), from_day=_from_day(),
        errors=errors or {},
    ), status or status_code(errors)


@bp.post("/roster/cell")
@require(MANAGE)
def cell_save():
    if day_arg(request.form.get("day")) is None:  # saved to today's cell, it would be a surprise
        return _week_page({"_schema": _("Please enter a date between 2000 and 2100.")})
    config, day, shift, post, row = _cell_place()
    form = request.form
    data, errors = load(CellForm(), {"version": form.get("version"),
                                     "user_ids": form.getlist("user_ids"),
                                     "force_ids": form.getlist("force_ids")})
    if errors:
        return _cell_page(config, day, shift, post, row, {"_schema": next(iter(
            errors.values()))})
    if data["version"] != (row.version if row else 0):
        return _conflict(day, shift, post)
    chosen = {("user", u) for u in data["user_ids"]} | {
        ("force", f) for f in data["force_ids"]}
    refusal = _refuse(chosen, row, day, shift, post)
    if refusal:
        return _cell_page(config, day, shift, post, row, {"_schema": refusal}, chosen=chosen)
    try:
        if row is None:
            row = RosterCell(day=day, shift=shift, post=post, updated_by=current_user.id)
            db.session.add(row)
        else:
            row.updated_at, row.updated_by = utcnow(), current_user.id
        # The cell's own UPDATE (or INSERT) goes first: if someone saved it meanwhile, it
        # fails here, before any of the people change.
        db.session.flush()
        have = {key_of(a): a for a in row.assignments}
        for key, a in have.items():
            if key not in chosen:
                db.session.delete(a)
        for kind, ident in chosen - set(have):
            db.session.add(Assignment(cell_id=row.id, **{f"{kind}_id": ident}))
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return _conflict(day, shift, post)
    flash(_("%(post)s, %(shift)s of %(day)s: saved.", post=post, shift=shift,
            day=day.isoformat()), "success")
    return redirect(_back(day))


def _refuse(chosen, row, day, shift, post) -> str | None:
    """Why the people chosen cannot stand here, or None."""
    people = People()
    kept = {key_of(a) for a in row.assignments} if row else set()  # e.g. someone who left
    known = {("user", uid) for uid, _n in people.members} | {
        ("force", v.id) for v in people.volunteers if v.active}
    if chosen - known - kept:
        return _("Please choose among the station's people and active volunteers.")
    elsewhere = busy_in(day, shift, exclude_post=post)
    for key in sorted(chosen & set(elsewhere)):
        name = people.name(Assignment(**{f"{key[0]}_id": key[1]}))
        return _("%(name)s is already on duty at %(post)s in this shift.", name=name,
                 post=elsewhere[key])
    return None


def _conflict(day, shift, post):
    config = settings(KEY)
    row = db.session.scalar(select(RosterCell).where(
        RosterCell.day == day, RosterCell.shift == shift, RosterCell.post == post))
    return _cell_page(config, day, shift, post, row, {"_schema": _(
        "Someone else changed this shift while you were editing it. Nothing was saved: here "
        "it is as it stands now; make your change again if it still applies.")}, status=409)


# -- peak days -----------------------------------------------------------------------------

@bp.post("/peaks")
@require(MANAGE)
def peak_new():
    data, errors = load(PeakForm(), request.form)
    if data and db.session.scalar(select(PeakDay.id).where(PeakDay.day == data["day"])):
        errors = {"day": _("This day is already declared a peak.")}
    if errors:
        return _week_page(errors, request.form)
    if data["extra"] is None:
        data["extra"] = settings(KEY)["peak_extra"]
    db.session.add(PeakDay(created_by=current_user.id, **data))
    db.session.commit()
    flash(_("%(day)s is declared a peak: every post needs %(n)d more.",
            day=data["day"].isoformat(), n=data["extra"]), "success")
    return redirect(url_for(".week", week=data["day"].isoformat()))


@bp.post("/peaks/<int:tourism_peak_id>/delete")
@require(MANAGE)
def peak_delete(tourism_peak_id: int):
    peak = get_or_404(PeakDay, tourism_peak_id)
    day = peak.day
    db.session.delete(peak)
    db.session.commit()
    flash(_("%(day)s is no longer a declared peak.", day=day.isoformat()), "success")
    return redirect(_back(day))


# -- volunteers ----------------------------------------------------------------------------

@bp.get("/volunteers")
@require(VIEW)
def volunteers():
    """The station's volunteers as the roster sees them: who is on it, who left, and how
    many shifts each stands in the coming week. Adding or changing one is the station's
    ground's (its community forces page)."""
    today = local_today()
    week = dict(db.session.execute(
        select(Assignment.force_id, func.count()).join(RosterCell, db.and_(
            RosterCell.id == Assignment.cell_id, RosterCell.tenant_id == Assignment.tenant_id))
        .where(Assignment.force_id.is_not(None), RosterCell.day >= today,
               RosterCell.day < today + timedelta(days=7))
        .group_by(Assignment.force_id)).all())
    return render_template("tourism/volunteers.html", volunteers=People().volunteers,
                           week=week)
