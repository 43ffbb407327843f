"""The residents' pages (no account): book a time at the window, and cancel it with the
booking code and phone number. They show nothing of anyone else's booking, only how
many places are left; every attempt counts against rate limits, so neither the slots nor
the codes can be harvested by a script."""

from datetime import datetime

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.plugin_api import (
    client_address,
    day_arg,
    db,
    load,
    local_now,
    public_blueprint,
    rate_limit,
)

from . import booking as rules
from .hours import Hours
from .labels import template_helpers
from .models import ONLINE, Booking
from .schemas import BookingForm, CancelForm, clean_code

public = public_blueprint("appointments", __name__)
public.context_processor(template_helpers)

HOUR = 3600
BOOK_ATTEMPTS_PER_ADDRESS = 20  # an hour
CANCEL_ATTEMPTS_PER_ADDRESS = 10  # an hour
CANCEL_ATTEMPTS_PER_CODE = 5  # an hour
_LAST = "appointments.booked"  # the session remembers the last booking made, for its page


@public.get("/")
def book_page():
    return _book_page(request.args, {})


def _book_page(form, errors, refused: str | None = None, status: int = 200):
    """Step by step on one page: the service, then the day, then the time and who."""
    hours = Hours.of_station()
    offered = rules.bookable()
    service = form.get("service") if form.get("service") in offered else None
    days, slots, day = {}, {}, day_arg(form.get("day"))
    if service:
        per_day = rules.places_left(service, hours.bookable_days(), hours)
        days = {d: sum(left.values()) for d, left in per_day.items() if left}
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
    data, errors = load(BookingForm(services=rules.bookable()), request.form)
    if errors:
        return _book_page(request.form, errors, status=400)
    try:
        made = rules.book(data, channel=ONLINE)
    except rules.NotForThisPhone as refusal:
        # Whoever typed the number may not be its owner: say nothing about its bookings
        # here, and text the booking it has to the phone itself.
        if refusal.booking is not None:
            rules.resend(refusal.booking)
            db.session.commit()
        return _book_page(request.form, {"phone": rules.not_online()}, status=400)
    except rules.Refused as refusal:
        return _book_page(request.form, {refusal.field: refusal.message}, status=400)
    db.session.commit()
    session[_LAST] = made.code
    return redirect(url_for(".booked"))


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
