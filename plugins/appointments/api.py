"""The module's JSON API: a day's appointments (personal data masked), noting that someone
came, and the station's figures."""

from datetime import date

from flask import jsonify, request
from sqlalchemy import select

from app.plugin_api import (
    api_blueprint,
    current_user,
    db,
    get_or_404,
    local_today,
    mask,
    require,
)

from . import booking as rules
from .labels import hhmm
from .models import ARRIVED, Booking

api = api_blueprint("appointments", __name__)


def _booking(b: Booking) -> dict:
    return {
        "id": b.id, "code": b.code, "service": b.service, "day": b.day.isoformat(),
        "starts": hhmm(b.starts), "ends": hhmm(b.ends), "name": mask("name", b.name),
        "phone": mask("phone", b.phone), "status": b.status, "channel": b.channel,
    }


@api.get("/bookings")
@require("appointments.view")
def bookings():
    try:
        day = date.fromisoformat(request.args.get("day") or "")
    except ValueError:
        day = local_today()
    rows = db.session.scalars(
        select(Booking).where(Booking.day == day).order_by(Booking.starts, Booking.id)
    ).all()
    return jsonify(day=day.isoformat(), bookings=[_booking(b) for b in rows])


@api.post("/bookings/<int:appointment_id>/arrived")
@require("appointments.handle")
def arrived(appointment_id: int):
    booking = get_or_404(Booking, appointment_id)
    try:
        rules.mark(booking, ARRIVED, by=current_user.id)
    except rules.Refused as refusal:
        return jsonify(error=refusal.message), 400
    db.session.commit()
    return jsonify(booking=_booking(booking))

