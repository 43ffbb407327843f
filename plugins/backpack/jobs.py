"""The evening job: the day before a visit, text the resident the date, the officer's
name and what to have ready. Idempotent through the outbox key (one per request and
visit date): a rerun queues nothing more, and a visit moved to another day gets its own
reminder."""

from datetime import timedelta

from sqlalchemy import select

from app.plugin_api import current_station, db, local_today, queue_message, settings, user_names

from .catalogue import documents_for
from .models import SCHEDULED, HomeRequest


def reminder_text(request: HomeRequest, officer: str) -> str:
    # The resident reads Chinese whatever language the officers' screens use, as on the
    # printed documents; a job has no user whose language it could take.
    day = request.visit_date
    text = (f"【{current_station().name}】您好！民警{officer}将于{day.month}月{day.day}日"
            f"上门为您办理“{request.service}”。")
    documents = documents_for(request.service)
    if documents:
        text += f"请提前准备：{documents}。"
    return text + "如时间不便，请致电派出所改约。"


def remind_residents() -> int:
    """Queue tomorrow's reminders in the current station; returns how many were new."""
    if not settings("backpack")["reminder"]:
        return 0
    tomorrow = local_today() + timedelta(days=1)
    due = db.session.scalars(
        select(HomeRequest).where(HomeRequest.status == SCHEDULED,
                                  HomeRequest.visit_date == tomorrow)
        .order_by(HomeRequest.id)
    ).all()
    names = user_names(r.officer_id for r in due)
    queued = 0
    for request in due:
        queued += queue_message(
            request.resident_phone, reminder_text(request, names.get(request.officer_id, "")),
            key=f"backpack.reminder:{request.id}:{request.visit_date.isoformat()}",
            object_type="request", object_id=request.id,
        )
    db.session.flush()
    return queued
