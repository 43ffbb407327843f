"""A module that requires courtyard talks and receives handoffs from other modules (as the
mediation module will open a case from a concern). It keeps what it received in memory:
it exists to exercise the contract, not to be used."""

from flask import jsonify
from flask_babel import lazy_gettext as _l

from app.plugin_api import ALL_ROLES, HandoffTarget, Permission, Plugin, Receipt, blueprint

bp = blueprint("intake", __name__)
RECEIVED = []


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
    blueprint=bp, requires=("courtyard",),
    permissions=(Permission("intake.open", _l("Open"), ALL_ROLES),),
    handoff_targets=(HandoffTarget("intake.item", "Open as an intake item", receive,
                                   "intake.open"),),
    object_url=object_url,
)
