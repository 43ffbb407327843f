"""The module's JSON API: concerns, a page at a time, personal data masked (the figures
are the host's, at ../metrics)."""

from flask import jsonify, request
from sqlalchemy import select

from app.plugin_api import api_blueprint, mask, paginate, require

from .models import FINISHED, STATUSES, Concern

api = api_blueprint("courtyard", __name__)


def _concern(c: Concern) -> dict:
    return {
        "id": c.id, "session_id": c.session_id, "category": c.category, "title": c.title,
        "raised_by": mask("name", c.raised_by), "raised_by_phone": mask("phone", c.raised_by_phone),
        "raised_on": c.raised_on.isoformat(), "due_on": c.due_on.isoformat(),
        "status": c.status, "owner_id": c.owner_id,
        "finished_on": c.finished_on.isoformat() if c.finished_on else None,
    }


@api.get("/concerns")
@require("courtyard.view")
def concerns():
    status = request.args.get("status")
    query = select(Concern).order_by(Concern.raised_on.desc(), Concern.id.desc())
    if status == "unfinished":
        query = query.where(Concern.status.not_in(FINISHED))
    elif status in STATUSES:
        query = query.where(Concern.status == status)
    page = paginate(query)
    return jsonify(concerns=[_concern(c) for c in page], **page.meta())

