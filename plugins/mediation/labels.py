"""Words for the codes a case stores, in the user's language."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "source": {
        "call": _l("Phone call"), "walk_in": _l("Walk-in"),
        "courtyard": _l("Courtyard concern"), "patrol": _l("Found on patrol"),
        "referral": _l("Referred by another body"),
    },
    "method": {"in_person": _l("In person"), "video": _l("By video")},
    "mediation_type": {"people": _l("People's mediation"),
                       "administrative": _l("Administrative mediation"),
                       "judicial": _l("Judicial mediation")},
    "outcome": {"agreement": _l("Agreement reached"), "settled": _l("Settled without agreement"),
                "withdrawn": _l("Withdrawn"), "court": _l("Referred to court"),
                "criminal": _l("Turned into a criminal case")},
    "status": {"open": _l("Being mediated"), "closed": _l("Closed")},
    # Not "Person": the audit log's word for a member of staff (人员); a party is a 自然人.
    "party_kind": {"person": _l("Individual"), "organisation": _l("Organisation")},
    "action": {"opened": _l("Case opened"), "attempt": _l("Mediation attempt"),
               "escalated": _l("Moved up a level"), "closed": _l("Closed"),
               "follow_up": _l("Follow-up visit"), "party": _l("Party added"),
               "reopened": _l("Mediated again"), "edited": _l("Case details changed")},
    "reminder": {"follow_up": _l("Follow-up visit overdue"),
                 "stuck": _l("Stuck at one level")},
}


def label(group: str, code: str | None) -> str:
    return str(LABELS[group].get(code, code or ""))
