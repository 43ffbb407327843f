"""The station's outbox: text messages (reminders, confirmations) waiting for a gateway.

Modules queue messages here and never talk to an SMS or WeChat gateway themselves. A
gateway, when the county has one, drains the outbox: it reads the pending rows whose
``send_after`` has passed and marks each ``sent`` or ``failed``. Until then the messages
wait, and the station can see what would have gone out.

Each message carries a key, unique in its station, so a job that runs twice (a retry, a
tick run again) queues one message, not two.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, String, UniqueConstraint, select
from sqlalchemy import Text as SQLText
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from tenants.models import utcnow
from tenants.scoping import TenantScoped

CHANNELS = ("sms", "wechat")
PENDING, SENT, FAILED = "pending", "sent", "failed"


class OutboxMessage(TenantScoped, db.Model):
    __tablename__ = "outbox_message"
    __label__ = _l("Outgoing message")
    __labels__ = {"key": _l("Key"), "channel": _l("Channel"), "to_phone": _l("Sent to"),
                  "body": _l("Text"), "source": _l("Module"), "object_type": _l("About"),
                  "object_id": _l("About number"), "send_after": _l("Send after"),
                  "sent_at": _l("Sent at")}
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index("ix_outbox_message_pending", "status", "send_after"),
    )
    __pii__ = {"to_phone": "phone"}
    # The text names the resident, and a key may carry what identifies them: the log keeps
    # that a message was queued, to whom (masked), by which module, about what.
    __audit_redact__ = {"body", "key"}
    __audit_words__ = {"source": "module"}

    key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    to_phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(SQLText)
    source: Mapped[str | None] = mapped_column(String(40))  # the module that queued it
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def queue_message(to_phone: str, body: str, *, key: str, channel: str = "sms",
                  send_after: datetime | None = None, object_type: str | None = None,
                  object_id: int | None = None) -> bool:
    """Queue a message in the current station's outbox; False if ``key`` was queued before.

    The caller commits; a rollback takes the message with it.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)):
        return False
    # The unique index backs the lookup: a second runner racing on the same key fails at
    # its flush or commit, and its job is retried, finds the key and queues nothing.
    db.session.add(OutboxMessage(
        key=key, channel=channel, to_phone=to_phone, body=body,
        source=key.partition(".")[0] or None, object_type=object_type, object_id=object_id,
        send_after=send_after or utcnow(),
    ))
    return True


def outbox_messages(object_type: str | None = None, object_id: int | None = None):
    """The current station's messages, newest first, optionally for one object."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if object_type is not None:
        stmt = stmt.where(OutboxMessage.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(OutboxMessage.object_id == object_id)
    return db.session.scalars(stmt).all()


__all__ = ["CHANNELS", "OutboxMessage", "outbox_messages", "queue_message"]
