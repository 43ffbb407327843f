"""The warm-service lounge (暖心警务会客厅) desk: a visitor counter a phone or tablet can work
with one thumb, a button per kind of help, and the last fortnight's log.

The counter adds with ``UPDATE ... SET visitors = visitors + n`` on the hour's row, so two
desks clicking at once both count; each change is audited as an event (the counter rows
themselves are not, since a row per click would be the same record twice)."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.plugin_api import (
    audit_event,
    current_user,
    db,
    get_or_404,
    load,
    local_now,
    local_today,
    require,
    settings,
)

from .models import HelpGiven, VisitorCount
from .schemas import CountForm, HelpForm, TallyForm
from .views import KEY, RECORD, VIEW, bp, status_code


def add_visitors(day, hour: int, n: int) -> None:
    """Add ``n`` visitors to the hour's count, creating its row on the first one."""
    more = (update(VisitorCount).where(VisitorCount.day == day, VisitorCount.hour == hour)
            .values(visitors=VisitorCount.visitors + n))
    if db.session.execute(more).rowcount:
        return
    try:
        db.session.add(VisitorCount(day=day, hour=hour, visitors=n))
        db.session.flush()
    except IntegrityError:  # another desk created the row a moment ago: add to it
        db.session.rollback()
        db.session.execute(more)


def take_back_one(day) -> int | None:
    """Take one visitor back from the latest hour of ``day`` that has any (a mistaken
    click); the hour, or None when there is nothing to take back."""
    hour = db.session.scalar(select(func.max(VisitorCount.hour)).where(
        VisitorCount.day == day, VisitorCount.visitors > 0))
    if hour is None:
        return None
    less = (update(VisitorCount).where(VisitorCount.day == day, VisitorCount.hour == hour,
                                       VisitorCount.visitors > 0)
            .values(visitors=VisitorCount.visitors - 1))
    return hour if db.session.execute(less).rowcount else None


def _audit(day, hour, n) -> None:
    audit_event("tourism.visitors", object_type="tourism_visitor_count", object_id=None,
                changes={"day": day.isoformat(), "hour": hour, "add": n})


@bp.get("/lounge")
@require(VIEW)
def lounge():
    return _page()


def _page(errors=None, form=None):
    today = local_today()
    return render_template(
        "tourism/lounge.html", **_screen(),
        errors=errors or {}, form=form or {"day": today.isoformat(), "hour": local_now().hour},
    ), status_code(errors)


def _screen(message: str | None = None) -> dict:
    """Everything on the lounge's screen that a tap can change: the desk (today's count and
    help by kind), the last fortnight's table and today's help, all read at once."""
    today = local_today()
    since = today - timedelta(days=13)
    visitors = dict(db.session.execute(
        select(VisitorCount.day, func.sum(VisitorCount.visitors))
        .where(VisitorCount.day >= since).group_by(VisitorCount.day)).all())
    helped = dict(db.session.execute(
        select(HelpGiven.day, func.count()).where(HelpGiven.day >= since)
        .group_by(HelpGiven.day)).all())
    days = [(today - timedelta(days=n), visitors.get(today - timedelta(days=n), 0),
             helped.get(today - timedelta(days=n), 0)) for n in range(14)]
    # The whole day's help, newest first: one day's taps, never cut short.
    entries = db.session.scalars(select(HelpGiven).where(HelpGiven.day == today)
                                 .order_by(HelpGiven.id.desc())).all()
    counts = dict(db.session.execute(
        select(HelpGiven.kind, func.count()).where(HelpGiven.day == today)
        .group_by(HelpGiven.kind)).all())
    desk = {"visitors": visitors.get(today, 0), "kinds": settings(KEY)["help_kinds"],
            "counts": counts, "message": message}
    return {"desk": desk, "days": days, "entries": entries}


def _desk(message: str | None = None, status: int = 200):
    """After a click: for HTMX, the desk and (out of band) the fortnight's table and today's
    help, which the click changed too; without JavaScript, the whole page.

    HTMX swaps no 4xx answer by default, so a refusal comes to it as a 200 desk carrying
    the message (nothing was changed); a plain post gets its 400."""
    if request.headers.get("HX-Request"):
        return render_template("tourism/_desk_swap.html", **_screen(message))
    if status != 200:
        return _page({"_schema": message})
    if message:
        flash(message, "success")
    return redirect(url_for(".lounge"))


@bp.post("/lounge/count")
@require(RECORD)
def count():
    data, errors = load(CountForm(), request.form)
    if errors:
        return _desk(errors["add"], 400)
    now = local_now()
    if data["add"] > 0:
        hour = now.hour
        add_visitors(now.date(), hour, data["add"])
    else:
        hour = take_back_one(now.date())
        if hour is None:
            return _desk(_("There is no visitor to take back today."), 400)
    _audit(now.date(), hour, data["add"])
    db.session.commit()
    return _desk()


@bp.post("/lounge/tally")
@require(RECORD)
def tally():
    data, errors = load(TallyForm(), request.form)
    if errors:
        return _page(errors, request.form)
    add_visitors(data["day"], data["hour"], data["visitors"])
    _audit(data["day"], data["hour"], data["visitors"])
    db.session.commit()
    flash(_("%(n)d visitors added to %(day)s, %(hour)d:00.", n=data["visitors"],
            day=data["day"].isoformat(), hour=data["hour"]), "success")
    return redirect(url_for(".lounge"))


@bp.post("/lounge/help")
@require(RECORD)
def help_given():
    data, errors = load(HelpForm(kinds=settings(KEY)["help_kinds"]), request.form)
    if errors:
        return _desk(next(iter(errors.values())), 400)
    db.session.add(HelpGiven(day=local_today(), recorded_by=current_user.id, **data))
    db.session.commit()
    return _desk(_("Recorded: %(kind)s.", kind=data["kind"]))


@bp.post("/lounge/help/<int:lounge_help_id>/delete")
@require(RECORD)
def help_delete(lounge_help_id: int):
    entry = get_or_404(HelpGiven, lounge_help_id)
    if entry.day != local_today():
        flash(_("Only today's entries can be taken back."), "warning")
        return redirect(url_for(".lounge"))
    db.session.delete(entry)
    db.session.commit()
    flash(_("Taken back: %(kind)s.", kind=entry.kind), "success")
    return redirect(url_for(".lounge"))
