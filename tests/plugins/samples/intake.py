"""A module that requires courtyard talks and receives handoffs from other modules (as the
mediation module will open a case from a concern). It keeps what it received in memory:
it exists to exercise the contract, not to be used."""

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from app.plugin_api import (
    ALL_ROLES,
    HandoffTarget,
    Permission,
    Plugin,
    Receipt,
    blueprint,
    can,
    client_address,
    current_station,
    db,
    public_blueprint,
    queue_message,
    rate_limit,
)

bp = blueprint("intake", __name__)
public = public_blueprint("intake", __name__)
RECEIVED = []


@public.route("/ask", methods=["GET", "POST"])
def ask():
    """A resident's question, answered by text message: a public page with a rate limit."""
    if request.method == "POST":
        if rate_limit(f"intake.ask:{client_address()}", limit=2, per_seconds=3600):
            return jsonify(error="too many"), 429
        phone = request.form["phone"]
        queued = queue_message(phone, "收到", key=f"intake.ask:{phone}")
        db.session.commit()
        return jsonify(queued=queued)
    return jsonify(station=current_station().slug, may_open=can("intake.open"))


@bp.get("/items/<int:item_id>")
def item(item_id: int):
    return jsonify(item=item_id)


def receive(handoff) -> Receipt:
    RECEIVED.append(handoff)
    return Receipt("item", 1000 + handoff.object_id, f"Intake item {1000 + handoff.object_id}")


def object_url(object_type: str, object_id: int) -> str:
    from flask import url_for

    return url_for("plugin_intake.item", item_id=object_id)


plugin = Plugin(
    key="intake", name_zh="受理", name_en="Intake", version="0.1",
    blueprint=bp, public_blueprint=public, requires=("courtyard",),
    permissions=(Permission("intake.open", _l("Open"), ALL_ROLES),),
    handoff_targets=(HandoffTarget("intake.item", "Open as an intake item", receive,
                                   "intake.open"),),
    object_url=object_url,
)
