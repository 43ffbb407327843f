"""Staff pages: the day's appointments at the window (who came, who did not), booking for
a caller on the phone, WeChat or at the counter, and the station's service catalogue."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.plugin_api import (
    STATION_PII,
    audit_event,
    blueprint,
    choices,
    current_user,
    day_arg,
    db,
    get_or_404,
    load,
    local_today,
    require,
    settings,
    user_names,
)

from . import booking as rules
from .hours import Hours
from .labels import CHANNEL_LABELS, STATUS_LABELS, WEEKDAY_NAMES, day_label, hhmm, template_helpers
from .models import ARRIVED, BOOKED, CANCELLED, NO_SHOW, STAFF_CHANNELS, Booking
from .schemas import StaffBookingForm

KEY = "appointments"
VIEW, HANDLE = "appointments.view", "appointments.handle"

bp = blueprint(KEY, __name__)
bp.context_processor(template_helpers)


@bp.context_processor
def _today():
    return {"today": local_today()}


# -- the day at the window -----------------------------------------------------------------

@bp.get("/")
@require(VIEW)
def index():
    code = request.args.get("code", "").replace(" ", "").upper()
    if code:
        found = db.session.scalar(select(Booking).where(Booking.code == code[:20]))
        if found is None:
            flash(_("No booking has the code %(code)s.", code=code[:20]), "warning")
        else:
            return redirect(url_for(".index", day=found.day.isoformat()) + f"#b{found.id}")
    return _day_page(day_arg(request.args.get("day")) or local_today())


def _day_page(day: date, revealed: bool = False, errors=None):
    bookings = db.session.scalars(
        select(Booking).where(Booking.day == day).order_by(Booking.starts, Booking.id)
    ).all()
    counts = {status: 0 for status in STATUS_LABELS}
    for b in bookings:
        counts[b.status] += 1
    return render_template(
        "appointments/day.html", day=day, bookings=bookings, counts=counts,
        revealed=revealed, errors=errors or {},
        people=user_names(b.handled_by for b in bookings),
        prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
    ), (400 if errors else 200)


@bp.post("/reveal")
@require(STATION_PII)
def reveal():
    day = day_arg(request.form.get("day")) or local_today()
    ids = db.session.scalars(select(Booking.id).where(Booking.day == day)).all()
    audit_event("pii.reveal", object_type="appointments_booking", object_id=None,
                changes={"fields": ["name", "phone"], "day": day.isoformat(), "ids": ids})
    db.session.commit()
    return _day_page(day, revealed=True)


@bp.post("/bookings/<int:appointment_id>/status")
@require(HANDLE)
def status(appointment_id: int):
    booking = get_or_404(Booking, appointment_id)
    wanted = request.form.get("status")
    try:
        if wanted == CANCELLED:
            if booking.day < local_today():
                raise rules.Refused("_schema", _("A past booking cannot be cancelled; "
                                                 "note whether the person came."))
            rules.cancel(booking, by=current_user.id)
        elif wanted in (ARRIVED, NO_SHOW):
            rules.mark(booking, wanted, by=current_user.id)
        else:
            abort(400)
    except rules.Refused as refusal:
        return _day_page(booking.day, errors={"_schema": refusal.message})
    db.session.commit()
    flash(_("%(time)s %(service)s: %(status)s.", time=hhmm(booking.starts),
            service=booking.service, status=STATUS_LABELS[wanted]), "success")
    return redirect(url_for(".index", day=booking.day.isoformat()) + f"#b{booking.id}")


# -- booking for a caller ------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@require(HANDLE)
def new():
    hours = Hours.of_station()
    offered = rules.bookable()
    errors, form, free = {}, request.form, None
    if request.method == "POST":
        data, errors = load(StaffBookingForm(services=offered), form)
        if data:
            try:
                made = rules.book(data, channel=data["channel"], created_by=current_user.id)
            except rules.Refused as refusal:
                errors = {refusal.field: refusal.message}
                free = rules.places_left(data["service"], [data["day"]], hours)[data["day"]] \
                    if isinstance(refusal, rules.Full) else None
            else:
                db.session.commit()
                flash(_("Booked: %(day)s %(time)s, code %(code)s. Tell the caller the code.",
                        day=day_label(made.day), time=hhmm(made.starts), code=made.code),
                      "success")
                return redirect(url_for(".index", day=made.day.isoformat()) + f"#b{made.id}")
    else:
        days = hours.bookable_days()
        form = {"day": (days[0] if days else local_today()).isoformat(), "channel": "phone",
                **request.args.to_dict()}
    return render_template(
        "appointments/new.html", errors=errors, form=form, free=free,
        services=choices((name, name) for name in offered),
        starts=choices((hhmm(s), hhmm(s)) for s in hours.starts()),
        channels=choices((c, CHANNEL_LABELS[c]) for c in STAFF_CHANNELS),
    ), (400 if errors else 200)


# -- the catalogue -------------------------------------------------------------------------

@bp.get("/services")
@require(VIEW)
def services():
    config = settings(KEY)
    return render_template(
        "appointments/services.html", services=config["services"], config=config,
        closed_weekdays=[WEEKDAY_NAMES[d] for d in config["closed_weekdays"]],
        starts=Hours.of_station().starts(),
    )


def home_card():
    today = local_today()
    rows = dict(db.session.execute(
        select(Booking.status, func.count()).where(Booking.day == today)
        .group_by(Booking.status)
    ).all())
    return render_template("appointments/_home_card.html", booked=rows.get(BOOKED, 0),
                           arrived=rows.get(ARRIVED, 0))

