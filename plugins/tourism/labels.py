"""The module's codes and their words, in the user's language.

The codes live here, not in the models, so the models can name their stored values in the
audit log (``__value_labels__``) with these same words without importing in a circle."""

from flask_babel import lazy_gettext as _l

# A found item's way: found -> matched (to a loss report) -> returned, or disposed of
# once unclaimed past the station's disposal days.
FOUND, MATCHED, RETURNED, DISPOSED = "found", "matched", "returned", "disposed"
ITEM_STATUSES = (FOUND, MATCHED, RETURNED, DISPOSED)
WAITING = (FOUND, MATCHED)  # still in the station's keeping
OPEN = "open"  # a loss report not yet matched to an item
REPORT_STATUSES = (OPEN, MATCHED, RETURNED)
ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit", "driving_licence",
            "other")
# The season a day falls in, for the minimum each post needs (staffing.season).
OFFPEAK, NORMAL, PEAK, DECLARED = "offpeak", "normal", "peak", "declared"

LABELS = {
    "item": {FOUND: _l("Waiting for its owner"), MATCHED: _l("Matched to a report"),
             RETURNED: _l("Returned"), DISPOSED: _l("Disposed of")},
    "report": {OPEN: _l("Still looking"), MATCHED: _l("Matched to an item"),
               RETURNED: _l("Returned")},
    "season": {OFFPEAK: _l("Off-peak"), NORMAL: _l("Normal season"), PEAK: _l("Peak season"),
               DECLARED: _l("Declared peak")},
    "id_type": {"resident_id": _l("Resident ID card"), "passport": _l("Passport"),
                "hk_macao_permit": _l("Hong Kong/Macao travel permit"),
                "taiwan_permit": _l("Taiwan travel permit"),
                "driving_licence": _l("Driving licence"), "other": _l("Other document")},
}


def label(group: str, code: str | None) -> str:
    return str(LABELS[group].get(code, code or "—"))
