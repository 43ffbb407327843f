"""The module's recurring job: every morning, mark the concerns that went past their due
date, once each, so their follow-up trail shows when they fell behind."""


from flask_babel import gettext as _
from sqlalchemy import select

from app.plugin_api import db, local_today, settings

from .models import FINISHED, Concern, ConcernUpdate


def flag_overdue() -> int:
    """Flag newly overdue concerns in the current station; returns how many. Idempotent:
    a concern already flagged is left alone, so a retried run changes nothing more."""
    if not settings("courtyard")["flag_overdue"]:
        return 0
    today = local_today()
    due = db.session.scalars(
        select(Concern).where(Concern.status.not_in(FINISHED), Concern.due_on < today,
                              Concern.overdue.is_(False))
    ).all()
    for concern in due:
        concern.overdue = True
        db.session.add(ConcernUpdate(
            concern_id=concern.id, status=concern.status,
            note=_("Overdue: it was due on %(day)s.", day=concern.due_on.isoformat()),
        ))
    db.session.flush()
    return len(due)
