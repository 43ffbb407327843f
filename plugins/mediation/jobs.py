"""The daily job: prepare the reminders the station's home page shows, follow-up visits
that are overdue and cases stuck at one level too long. Idempotent: run twice, the same
reminders; a reminder that no longer applies is removed."""

from datetime import timedelta

from sqlalchemy import select

from app.plugin_api import db, local_today, settings

from .models import OPEN, Agreement, Case, Reminder, newest_agreement_ids


def prepare_reminders() -> int:
    today = local_today()
    stuck_before = today - timedelta(days=settings("mediation")["stuck_days"])
    wanted = {
        (case_id, "follow_up"): since for case_id, since in db.session.execute(
            # A case's earlier agreements were followed up before it was mediated again.
            select(Agreement.case_id, Agreement.follow_up_on).where(
                Agreement.id.in_(newest_agreement_ids()),
                Agreement.followed_up_on.is_(None), Agreement.follow_up_on < today))
    }
    wanted.update({
        (case_id, "stuck"): since for case_id, since in db.session.execute(
            select(Case.id, Case.level_since).where(Case.status == OPEN,
                                                    Case.level_since < stuck_before))
    })
    existing = {(r.case_id, r.kind): r for r in db.session.scalars(select(Reminder))}
    for key, row in existing.items():
        if key not in wanted:
            db.session.delete(row)
    for (case_id, kind), since in wanted.items():
        if (case_id, kind) not in existing:
            db.session.add(Reminder(case_id=case_id, kind=kind, since=since))
    db.session.flush()
    return len(wanted)
