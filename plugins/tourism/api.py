"""The module's JSON API: the visitor counts by day and the found items, a page at a time
with their total (personal data masked); the figures are the host's, at ../metrics."""

from flask import jsonify, request
from sqlalchemy import func, select

from app.plugin_api import Period, api_blueprint, db, mask, paginate, require

from .models import ITEM_STATUSES, FoundItem, VisitorCount

api = api_blueprint("tourism", __name__)


def _item(i: FoundItem) -> dict:
    return {
        "id": i.id, "reference": i.reference, "kind": i.kind,
        "public_description": i.public_description, "found_on": i.found_on.isoformat(),
        "found_place": i.found_place, "kept_at": i.kept_at, "status": i.status,
        "finder_name": mask("name", i.finder_name), "finder_phone": mask("phone", i.finder_phone),
        "receiver_name": mask("name", i.receiver_name),
        "receiver_id_number": mask("id_number", i.receiver_id_number),
        "returned_on": i.returned_on.isoformat() if i.returned_on else None,
        "disposal_due": i.disposal_due,
    }


@api.get("/found-items")
@require("tourism.view")
def found_items():
    query = select(FoundItem).order_by(FoundItem.found_on.desc(), FoundItem.id.desc())
    status = request.args.get("status")
    if status in ITEM_STATUSES:
        query = query.where(FoundItem.status == status)
    page = paginate(query)  # ?page=2 for the next; "pages" says how many there are
    return jsonify(items=[_item(i) for i in page], **page.meta())


@api.get("/visitors")
@require("tourism.view")
def visitors():
    period = Period.parse(request.args.get("period"))
    rows = db.session.execute(
        select(VisitorCount.day, func.sum(VisitorCount.visitors))
        .where(VisitorCount.day >= period.start, VisitorCount.day < period.end)
        .group_by(VisitorCount.day).order_by(VisitorCount.day)).all()
    return jsonify(days={day.isoformat(): int(n) for day, n in rows})

