"""Staff pages: the day's appointments at the window (who came, who did not), booking for
a caller on the phone, WeChat or at the counter, online bookings that look fake (to give
their places back), and the station's service catalogue."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from app.plugin_api import (
    STATION_PII,
    Period,
    audit_event,
    blueprint,
    choices,
    current_user,
    day_arg,
    db,
    get_or_404,
    load,
    local_today,
    paginate,
    require,
    settings,
    user_names,
)

from . import booking as rules
from .hours import Hours
from .labels import (
    CHANNEL_LABELS,
    RELEASE_LABELS,
    STATUS_LABELS,
    WEEKDAY_NAMES,
    day_label,
    hhmm,
    template_helpers,
)
from .listing import GROUP_LABELS, BookingFilter, filtered
from .models import (
    ARRIVED,
    BOOKED,
    CANCELLED,
    HELD,
    LIVE,
    NO_SHOW,
    ONLINE,
    STAFF_CHANNELS,
    STAFF_REASONS,
    Booking,
    Day,
)
from .schemas import ReleaseForm, StaffBookingForm

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
    rules.release_expired_now()
    return _day_page(day_arg(request.args.get("day")) or local_today())


def _day_page(day: date, revealed: bool = False, errors=None):
    bookings = db.session.scalars(
        select(Booking).where(Booking.day == day).order_by(Booking.starts, Booking.id)
    ).all()
    counts = {status: 0 for status in STATUS_LABELS}
    for b in bookings:
        counts[b.status] += 1
    online = db.session.execute(
        select(Day.service, Day.online).where(Day.day == day, Day.online > 0)
        .order_by(Day.service)).all()
    return render_template(
        "appointments/day.html", day=day, bookings=bookings, counts=counts,
        revealed=revealed, errors=errors or {}, online=online,
        online_places=Hours.of_station().online_places,
        suspects=len(_suspects()),
        people=user_names(b.handled_by for b in bookings),
        prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
        # The words of the codes once, for every booking to look up.
        words={name: {code: str(text) for code, text in labels.items()} for name, labels in
               (("status", STATUS_LABELS), ("channel", CHANNEL_LABELS),
                ("release", RELEASE_LABELS))},
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
    rules.release_expired_now()
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


# -- online bookings that look fake --------------------------------------------------------

# What makes online bookings look made up rather than made by residents: the day a
# script emptied a service's online places, the bookings came from a few networks, under
# numbers one after another and the same few names.
ALIKE = 3  # live online bookings from one network, under one name, or different
# numbers alike but for their last three digits


@dataclass(frozen=True)
class Suspect:
    booking: Booking
    # Why it looks fake: (rule, how many bookings share it), rule one of network, range,
    # name, held (waiting for its text code).
    reasons: tuple[tuple[str, int], ...]


def _suspects() -> list[Suspect]:
    """The live online bookings from today on that look fake, each once with every reason,
    those of one cluster next to each other."""
    rows = db.session.scalars(
        select(Booking).where(Booking.channel == ONLINE, Booking.status.in_(LIVE),
                              Booking.day >= local_today())
        .order_by(Booking.day, Booking.starts, Booking.id)
    ).all()
    reasons: dict[int, list] = {}
    cluster: dict[int, int] = {}  # booking id -> the first cluster it was found in
    for rule, key, size in (
            ("network", lambda b: b.client_hash, len),
            ("range", lambda b: b.phone[:8], lambda g: len({b.phone for b in g})),
            ("name", lambda b: b.name, len)):
        alike: dict[str, list] = {}
        for b in rows:
            if key(b):
                alike.setdefault(key(b), []).append(b)
        for group in (g for g in alike.values() if size(g) >= ALIKE):
            number = len(set(cluster.values()))
            for b in group:
                reasons.setdefault(b.id, []).append((rule, size(group)))
                cluster.setdefault(b.id, number)
    for b in rows:
        if b.status == HELD:
            reasons.setdefault(b.id, []).append(("held", 0))
    order = {b.id: n for n, b in enumerate(rows)}
    found = [b for b in rows if b.id in reasons]
    found.sort(key=lambda b: (cluster.get(b.id, len(rows)), order[b.id]))
    return [Suspect(b, tuple(reasons[b.id])) for b in found]


@bp.get("/suspicious")
@require(VIEW)
def suspicious():
    rules.release_expired_now()
    return _suspicious_page({}, {})


def _suspicious_page(errors, form, status=200):
    return render_template(
        "appointments/suspicious.html", suspects=_suspects(), errors=errors, form=form,
        alike=ALIKE,
        chosen={int(i) for i in request.form.getlist("ids") if i.isdigit()},
        reasons=choices((r, RELEASE_LABELS[r]) for r in STAFF_REASONS),
    ), status


@bp.post("/suspicious/release")
@require(HANDLE)
def release():
    """Give back the places of the chosen online bookings, all or none."""
    wanted = {int(i) for i in request.form.getlist("ids") if i.isdigit()}
    data, errors = load(ReleaseForm(), request.form)
    if not wanted:
        errors = {**errors, "ids": _("Choose at least one booking to release.")}
    if errors:
        return _suspicious_page(errors, request.form, 400)
    # Another station's booking is a 404 before anything changes.
    chosen = [get_or_404(Booking, i) for i in sorted(wanted)]
    closed = [b for b in chosen if b.channel != ONLINE or b.status not in LIVE]
    if closed:
        return _suspicious_page({"_schema": _(
            "Nothing was released: %(codes)s can no longer be released (handled, cancelled "
            "or released meanwhile, or booked by staff). The list below is up to date.",
            codes="、".join(b.code for b in closed))}, request.form, 400)
    for b in chosen:
        if not rules.release(b, data["reason"], by=current_user.id, note=data["note"]):
            db.session.rollback()  # taken meanwhile by someone else's tap: none released
            return _suspicious_page({"_schema": _(
                "Nothing was released: %(codes)s changed meanwhile. The list below is up to "
                "date.", codes=b.code)}, request.form, 400)
    db.session.commit()
    flash(ngettext("%(num)d booking released: its place is free again.",
                   "%(num)d bookings released: their places are free again.", len(chosen)),
          "success")
    return redirect(url_for(".suspicious"))


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



# -- the appointments of a period (what the county's figures count) -------------------------

@bp.get("/bookings")
@require(VIEW)
def bookings():
    data, errors = load(BookingFilter(), request.args)
    page, period = None, None
    if data is not None:
        query, period = filtered(data, Period.current_month())
        page = paginate(query)
    return render_template(
        "appointments/bookings.html", page=page, period=period, errors=errors,
        status=(data or {}).get("status"), groups=GROUP_LABELS,
        words={code: str(text) for code, text in STATUS_LABELS.items()},
    ), (400 if errors else 200)
