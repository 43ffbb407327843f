"""The life of a request, in one place: requested → scheduled → visited → done, or
could not be done (with a reason) from any open status. Each move checks it is legal,
changes the request and writes a line of its history; the caller commits.

"Done" follows one rule: the visit has been made and nothing remains, i.e. no certificate
still to deliver and no follow-up still to do. So a visit that leaves nothing finishes
the request at once; otherwise the delivery (or the follow-up) finishes it.
"""

from datetime import date

from flask_babel import gettext as _

from app.plugin_api import current_user, db, local_today, user_names

from .labels import label
from .models import CANNOT, DONE, OPEN, REQUESTED, SCHEDULED, VISITED, HomeRequest, Step, Visit


def _author():
    return current_user.id if current_user.is_authenticated else None


def _step(request: HomeRequest, note: str) -> None:
    db.session.add(Step(request_id=request.id, status=request.status, note=note,
                        author_id=_author()))


def _finish_if_nothing_remains(request: HomeRequest, day: date) -> None:
    if request.nothing_remains:
        request.status, request.finished_on = DONE, day


def taken(request: HomeRequest) -> None:
    """A new request, just added and flushed."""
    _step(request, _("Request taken (%(channel)s).", channel=label("channel", request.channel)))


def schedule(request: HomeRequest, data: dict) -> str | None:
    if request.status not in (REQUESTED, SCHEDULED):
        return _("Only a request waiting for a date or already scheduled can be given a "
                 "visit date; this one is: %(status)s.", status=label("status", request.status))
    request.status = SCHEDULED
    request.visit_date, request.officer_id = data["visit_date"], data["officer_id"]
    officer = user_names([request.officer_id]).get(request.officer_id, "")
    _step(request, _("Visit on %(day)s by %(officer)s.", day=request.visit_date.isoformat(),
                     officer=officer))
    return None


def visit(request: HomeRequest, data: dict) -> str | None:
    if request.status != SCHEDULED:
        return _("A visit is recorded for a scheduled request only; this one is: "
                 "%(status)s.", status=label("status", request.status))
    if data["visited_on"] < request.requested_on:
        return _("The visit cannot be before the request (%(day)s).",
                 day=request.requested_on.isoformat())
    db.session.add(Visit(request_id=request.id, visited_on=data["visited_on"],
                         what_done=data["what_done"], photos_taken=data["photos_taken"],
                         documents_collected=data["documents_collected"],
                         recorded_by=_author()))
    request.needs_delivery, request.follow_up = data["needs_delivery"], data["follow_up"]
    request.follow_up_note = data["follow_up_note"] if data["follow_up"] else None
    request.status = VISITED
    _finish_if_nothing_remains(request, data["visited_on"])
    notes = [_("Visited on %(day)s: %(what)s", day=data["visited_on"].isoformat(),
               what=data["what_done"])]
    if request.needs_delivery:
        notes.append(_("A certificate is to be delivered later."))
    if request.follow_up:
        notes.append(_("Follow-up: %(note)s", note=request.follow_up_note))
    _step(request, " ".join(notes))
    return None


def deliver(request: HomeRequest, data: dict) -> str | None:
    if request.status != VISITED or not request.awaiting_delivery:
        return _("There is no certificate waiting to be delivered for this request.")
    visited_on = request.visit.visited_on
    if data["delivered_on"] < visited_on:
        return _("The delivery cannot be before the visit (%(day)s).",
                 day=visited_on.isoformat())
    request.delivered_on, request.received_by = data["delivered_on"], data["received_by"]
    request.received_by_name = data["received_by_name"] if data["received_by"] == "relative" \
        else None
    _finish_if_nothing_remains(request, data["delivered_on"])
    # The relative's name stays in its (masked) column, out of the history's words.
    _step(request, _("Certificate delivered on %(day)s, received by %(who)s.",
                     day=request.delivered_on.isoformat(),
                     who=label("received_by", request.received_by)))
    return None


def follow_up_done(request: HomeRequest, data: dict) -> str | None:
    if request.status != VISITED or not request.awaiting_follow_up:
        return _("There is no follow-up waiting on this request.")
    request.follow_up_done_on = local_today()
    _finish_if_nothing_remains(request, request.follow_up_done_on)
    _step(request, _("Follow-up done: %(note)s", note=data["note"]))
    return None


def cannot_be_done(request: HomeRequest, data: dict) -> str | None:
    if request.status not in OPEN:
        return _("This request is finished already: %(status)s.",
                 status=label("status", request.status))
    request.status, request.finished_on = CANNOT, local_today()
    request.cannot_reason = data["reason"]
    _step(request, _("Could not be done: %(reason)s", reason=data["reason"]))
    return None
