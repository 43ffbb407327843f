"""The residents' pages (no account): book a time at the window, and cancel it with the
booking code and phone number. They show nothing of anyone else's booking, only how
many places are left online; every attempt counts against rate limits, so neither the
slots nor the codes can be harvested by a script.

A booking request is answered the same way whatever the phone typed (free, booked
already, at its limit): whoever types a number may not be its owner, so what is true
goes by text to the phone (see ``booking.request_online``). With SMS confirmation the
resident then enters the texted code here, in the same browser."""

import secrets
from datetime import date, datetime

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.plugin_api import (
    client_address,
    day_arg,
    db,
    load,
    local_now,
    mask,
    public_blueprint,
    rate_limit,
)

from . import booking as rules
from .hours import Hours
from .labels import template_helpers
from .models import TRIES, Booking
from .schemas import HOLD_MINUTES, BookingForm, CancelForm, CodeForm, clean_code

public = public_blueprint("appointments", __name__)
public.context_processor(template_helpers)

HOUR = 3600
BOOK_ATTEMPTS_PER_ADDRESS = 20  # an hour
CANCEL_ATTEMPTS_PER_ADDRESS = 10  # an hour
CANCEL_ATTEMPTS_PER_CODE = 5  # an hour
CONFIRM_ATTEMPTS_PER_ADDRESS = 20  # an hour
CODE_TRIES = 5  # wrong codes for one hold (or one request); the next gives its place back
_LAST = "appointments.booked"  # the session remembers the last booking made, for its page
_ASKED = "appointments.request"  # ... and the last request, for the page that answers it


@public.get("/")
def book_page():
    rules.release_expired_now()
    return _book_page(request.args, {})


def _book_page(form, errors, refused: str | None = None, status: int = 200):
    """Step by step on one page: the service, then the day, then the time and who."""
    hours = Hours.of_station()
    offered = rules.bookable()
    service = form.get("service") if form.get("service") in offered else None
    days, slots, day = {}, {}, day_arg(form.get("day"))
    if service:
        bookable_days = hours.bookable_days()
        per_day = rules.places_left(service, bookable_days, hours, online=True)
        online = rules.online_left(service, bookable_days, hours)
        days = {d: min(sum(left.values()), online[d]) for d, left in per_day.items() if left}
        slots = per_day.get(day, {})
        day = day if slots else None
    others = [s for s in rules.catalogue() if s["name"] not in offered]
    return render_template(
        "appointments/public_book.html", offered=offered, others=others, service=service,
        days=days, day=day, slots=slots, hours=hours, form=form, errors=errors,
        refused=refused,
    ), status


@public.post("/")
def book():
    if rate_limit(f"appointments.book:address:{client_address()}",
                  limit=BOOK_ATTEMPTS_PER_ADDRESS, per_seconds=HOUR):
        return _book_page(request.form, {}, _("Too many attempts from this network. Please "
                                              "try again in an hour, or call the station."),
                          429)
    rules.release_expired_now()
    data, errors = load(BookingForm(services=rules.bookable()), request.form)
    if errors:
        return _book_page(request.form, errors, status=400)
    try:
        asked = rules.request_online(data, client=rules.client_digest(client_address()))
    except rules.Refused as refusal:  # the same for every phone: a time, a full slot
        db.session.rollback()
        return _book_page(request.form, {refusal.field: refusal.message}, status=400)
    db.session.commit()
    # The same keys whatever the phone's state (the session cookie can be read).
    session[_ASKED] = {"hold": asked.hold_id, "confirm": asked.confirm,
                       "token": secrets.token_hex(8), "service": data["service"],
                       "day": data["day"].isoformat(), "starts": data["starts"],
                       "phone": mask("phone", data["phone"])}
    return redirect(url_for(".requested"))


@public.get("/requested")
def requested():
    """The answer to a request: the same page for every phone."""
    asked = session.get(_ASKED)
    if not asked:
        return redirect(url_for(".book_page"))
    return _requested_page(asked, {})


@public.post("/requested")
def confirm():
    """The code texted to the phone, entered in the browser that asked."""
    asked = session.get(_ASKED)
    if not asked or not asked.get("confirm"):
        return redirect(url_for(".book_page"))
    if rate_limit(f"appointments.confirm:address:{client_address()}",
                  limit=CONFIRM_ATTEMPTS_PER_ADDRESS, per_seconds=HOUR) or rate_limit(
            f"appointments.confirm:{asked['hold'] or asked['token']}", limit=CODE_TRIES,
            per_seconds=HOUR):
        hold = _hold(asked)
        if hold is not None and rules.release(hold, TRIES):
            db.session.commit()
        return _requested_page(asked, {"code": _("Too many wrong codes: the place was given "
                                                 "back. Please book again.")}, 429)
    data, errors = load(CodeForm(), request.form)
    if errors:
        return _requested_page(asked, errors, 400)
    try:
        made = rules.confirm_hold(_hold(asked), data["code"])
    except rules.Refused as refusal:
        db.session.commit()  # a hold found taken meanwhile stays given back
        return _requested_page(asked, {"code": refusal.message}, 400)
    db.session.commit()
    session.pop(_ASKED, None)
    session[_LAST] = made.code
    return redirect(url_for(".booked"))


def _hold(asked) -> Booking | None:
    if not asked.get("hold"):
        return None
    return db.session.scalar(select(Booking).where(Booking.id == asked["hold"]))


def _requested_page(asked, errors, status=200):
    return render_template("appointments/public_requested.html", asked=asked,
                           day=date.fromisoformat(asked["day"]), errors=errors,
                           hold_minutes=HOLD_MINUTES), status


@public.get("/booked")
def booked():
    """The confirmation, for the browser that made the booking only."""
    code = session.get(_LAST)
    made = code and db.session.scalar(select(Booking).where(Booking.code == code))
    if not made:
        return redirect(url_for(".book_page"))
    return render_template("appointments/public_booked.html", booking=made)


@public.route("/cancel", methods=["GET", "POST"])
def cancel():
    errors, cancelled = {}, None
    if request.method == "POST":
        code = clean_code(request.form.get("code", ""))[:20]  # as the form will read it
        if rate_limit(f"appointments.cancel:address:{client_address()}",
                      limit=CANCEL_ATTEMPTS_PER_ADDRESS, per_seconds=HOUR) or (
                code and rate_limit(f"appointments.cancel:code:{code}",
                                    limit=CANCEL_ATTEMPTS_PER_CODE, per_seconds=HOUR)):
            errors = {"_schema": _("Too many attempts. Please try again in an hour, or call "
                                   "the station.")}
            return _cancel_page(errors, 429)
        data, errors = load(CancelForm(), request.form)
        if not errors:
            found = db.session.scalar(select(Booking).where(
                Booking.code == data["code"], Booking.phone == data["phone"]))
            if found is None:
                # The same words whether the code exists or not.
                errors = {"_schema": _("No booking was found with this code and phone "
                                       "number.")}
            elif datetime.combine(found.day, found.starts) <= local_now():
                errors = {"_schema": _too_late()}
            else:
                try:
                    rules.cancel(found)  # refused if it was cancelled or handled meanwhile
                except rules.Refused:
                    errors = {"_schema": _too_late()}
                else:
                    db.session.commit()
                    cancelled = found
    return _cancel_page(errors, 400 if errors else 200, cancelled)


def _too_late() -> str:
    return _("This booking can no longer be cancelled.")


def _cancel_page(errors, status, cancelled=None):
    form = request.form if request.method == "POST" and not cancelled else {}
    return render_template("appointments/public_cancel.html", errors=errors, form=form,
                           cancelled=cancelled), status
