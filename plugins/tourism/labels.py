"""Words for the module's codes, in the user's language."""

from flask_babel import lazy_gettext as _l

from .models import DISPOSED, FOUND, MATCHED, OPEN, RETURNED
from .staffing import DECLARED, NORMAL, OFFPEAK, PEAK

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
