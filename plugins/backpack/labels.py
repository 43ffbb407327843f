"""Words for the codes a request stores, in the user's language."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "status": {
        "requested": _l("Waiting for a date"), "scheduled": _l("Visit scheduled"),
        "visited": _l("Visited, something remains"), "done": _l("Completed"),
        "cannot_be_done": _l("Could not be done"),
    },
    "reason": {
        "elderly": _l("Elderly"), "illness": _l("Ill"), "disability": _l("Disabled"),
        "other": _l("Other"),
    },
    "channel": {
        "phone": _l("Phone call"), "wechat": _l("WeChat"), "grid_worker": _l("Grid worker"),
        "relative": _l("A relative came in"), "officer_visit": _l("Officer's own visit"),
    },
    "received_by": {"resident": _l("The resident"), "relative": _l("A relative")},
}


def label(group: str, code: str | None) -> str:
    return str(LABELS[group].get(code, code or ""))


def pairs(group: str) -> list[tuple[str, str]]:
    """``(code, words)`` for a picker."""
    return [(code, str(words)) for code, words in LABELS[group].items()]
