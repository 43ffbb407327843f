"""Receiving an item from another module, e.g. a courtyard concern, as a new case."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.plugin_api import (
    Handoff,
    HandoffTarget,
    Receipt,
    local_today,
    members,
    settings,
    village_names,
)

from .models import IN_CHARGE


def receive(handoff: Handoff) -> Receipt:
    from .views import open_case

    kinds = settings("mediation")["kinds"]
    source = "courtyard" if handoff.source_plugin == "courtyard" else "referral"
    # In charge: who was in charge of the item at the source (and could reveal it there),
    # when they may be in charge of a case here (an active officer or admin of the station);
    # otherwise no one yet. Never whoever tapped: tapping must not grant the reveal.
    officer = handoff.owner_id
    if officer not in {uid for uid, _name in members(roles=IN_CHARGE)}:
        officer = None
    # Handoffs stay within the station, so its village is one of ours; checked all the same
    # (one query), since a case must never point into another station's ground.
    village = handoff.village_id if handoff.village_id in village_names(
        [handoff.village_id]) else None
    case = open_case(
        {"title": handoff.title[:200], "kind": kinds[-1], "village_id": village,
         "narrative": handoff.summary or None, "source": source, "opened_on": local_today(),
         "dispute_began_on": None, "officer_id": officer},
        [{"kind": "person", "name": p["name"][:100], "phone": (p.get("phone") or None)}
         for p in handoff.people if p.get("name")],
        detail=_("Opened from another module: %(title)s", title=handoff.title),
    )
    return Receipt("case", case.id, _("Mediation case #%(id)d", id=case.id))


TARGET = HandoffTarget("mediation.case", _l("Open as a mediation case"), receive,
                       "mediation.record")
