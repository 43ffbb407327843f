"""Audit rows and the head of each hash chain."""

from datetime import datetime

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

GENESIS = "0" * 64


class AuditEvent(db.Model):
    """One audited act. Append-only: the app never updates or deletes these rows."""

    __tablename__ = "audit_event"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_audit_event_station_time", "station_id", "created_at"),
        Index("ix_audit_event_county_time", "county_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int]
    # Plain integers, not foreign keys: the record must outlive whatever it describes.
    station_id: Mapped[int | None]
    county_id: Mapped[int | None]
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_name: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    # The key that signed ``hash`` (None: a row from before keyed links, plain SHA-256).
    key_id: Mapped[str | None] = mapped_column(String(32))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(db.Model):
    """The head of one chain: its last sequence number and hash.

    Appending takes this row's lock first, so concurrent writers queue instead of forking
    the chain; keeping the head also makes removal of the newest rows detectable.
    """

    __tablename__ = "audit_chain"
    __audit__ = False

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
