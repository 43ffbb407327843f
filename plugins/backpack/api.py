"""The module's JSON API: requests, a page at a time, personal data masked (the figures
are the host's, at ../metrics)."""

from flask import jsonify, request
from sqlalchemy import select

from app.plugin_api import api_blueprint, mask, paginate, require

from .models import OPEN, STATUSES, HomeRequest

api = api_blueprint("backpack", __name__)


def _iso(day):
    return day.isoformat() if day else None


def _request(r: HomeRequest) -> dict:
    return {
        "id": r.id, "service": r.service, "status": r.status,
        "village": r.village.name, "village_id": r.village_id,
        "resident_name": mask("name", r.resident_name),
        "resident_phone": mask("phone", r.resident_phone),
        "resident_id_number": mask("id_number", r.resident_id_number),
        "address": mask("address", r.address),
        "reason": r.reason, "channel": r.channel, "requested_on": _iso(r.requested_on),
        "visit_date": _iso(r.visit_date), "officer_id": r.officer_id,
        "needs_delivery": r.needs_delivery, "delivered_on": _iso(r.delivered_on),
        "finished_on": _iso(r.finished_on),
    }


@api.get("/requests")
@require("backpack.view")
def requests():
    status = request.args.get("status")
    query = select(HomeRequest).order_by(HomeRequest.requested_on.desc(), HomeRequest.id.desc())
    if status == "open":
        query = query.where(HomeRequest.status.in_(OPEN))
    elif status in STATUSES:
        query = query.where(HomeRequest.status == status)
    page = paginate(query)
    return jsonify(requests=[_request(r) for r in page], **page.meta())

