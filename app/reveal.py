"""Who may see a record's personal data unmasked, and the audit of every time they do.

One rule everywhere: lists stay masked; on a record's own page, a role allowed to reveal
(station admin, county IT) or the person the record is assigned to (the officer doing the
home visit, in charge of the case, following the concern) may reveal what the task needs,
in one tap, and each reveal is an audit event. Printing a document that carries personal
data (an agreement, a route sheet) is a reveal by the same rule.
"""

from flask import abort, g
from flask_login import current_user

from app import audit
from app.access import can
from app.permissions import STATION_PII


def may_reveal(assignee_id: int | None = None) -> bool:
    """Whether the current user may see personal data of a record unmasked: by their role,
    or because the record is assigned to them (``assignee_id``)."""
    if can(STATION_PII):
        return True
    return (assignee_id is not None and current_user.is_authenticated
            and current_user.id == assignee_id)


def reveal(object_type: str, object_id, fields, assignee_id: int | None = None,
           **context) -> None:
    """Record that the current user sees ``fields`` of a record unmasked, or 403 when the
    rule does not let them (see :func:`may_reveal`). ``context`` says what for (``for=
    "print"``, the day of a route sheet); the caller commits."""
    if not may_reveal(assignee_id):
        abort(403)
    changes = {"fields": list(fields), **context}
    if not can(STATION_PII):
        changes["as"] = "assignee"  # allowed for the task, not by a role
    audit.record("pii.reveal", station_id=g.station.id, object_type=object_type,
                 object_id=object_id, changes=changes)
