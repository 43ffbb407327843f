"""Receiving an item from another module, e.g. a courtyard concern, as a new case."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.plugin_api import (
    Handoff,
    HandoffTarget,
    Receipt,
    current_user,
    local_today,
    members,
    settings,
)


def receive(handoff: Handoff) -> Receipt:
    from .views import open_case

    kinds = settings("mediation")["kinds"]
    source = "courtyard" if handoff.source_plugin == "courtyard" else "referral"
    # Whoever hands it over knows the matter: in charge, if they belong to the station (a
    # county admin or the platform admin acting here does not).
    officer = current_user.id if current_user.is_authenticated else None
    if officer not in {uid for uid, _name in members()}:
        officer = None
    case = open_case(
        {"title": handoff.title[:200], "kind": kinds[-1], "village": handoff.village[:60] or None,
         "narrative": handoff.summary or None, "source": source, "opened_on": local_today(),
         "dispute_began_on": None, "officer_id": officer},
        [{"kind": "person", "name": p["name"][:100], "phone": (p.get("phone") or None)}
         for p in handoff.people if p.get("name")],
        detail=_("Opened from another module: %(title)s", title=handoff.title),
    )
    return Receipt("case", case.id, _("Mediation case #%(id)d", id=case.id))


TARGET = HandoffTarget("mediation.case", _l("Open as a mediation case"), receive,
                       "mediation.record")
