"""Dispute cases on the mediation ladder (三级联调): parties, attempts at each level, the
case's own timeline, the agreement and its follow-up, and the reminders the daily job
prepares."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import Text as SQLText
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.plugin_api import TenantScoped, db, tenant_foreign_key, utcnow

OPEN, CLOSED = "open", "closed"
AGREEMENT, SETTLED, WITHDRAWN, COURT, CRIMINAL = (
    "agreement", "settled", "withdrawn", "court", "criminal")
OUTCOMES = (AGREEMENT, SETTLED, WITHDRAWN, COURT, CRIMINAL)
SETTLED_OUTCOMES = (AGREEMENT, SETTLED)  # counted as mediated
SOURCES = ("call", "walk_in", "courtyard", "patrol", "referral")
METHODS = ("in_person", "video")
TYPES = ("people", "administrative", "judicial")


class Case(TenantScoped, db.Model):
    __tablename__ = "mediation_case"
    __tenant_table_args__ = (
        Index("ix_mediation_case_opened", "tenant_id", "opened_on"),
        Index("ix_mediation_case_status", "tenant_id", "status", "level"),
    )

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    village: Mapped[str | None] = mapped_column(String(60))
    narrative: Mapped[str | None] = mapped_column(SQLText)
    source: Mapped[str] = mapped_column(String(16))
    opened_on: Mapped[date]
    dispute_began_on: Mapped[date | None]
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    level: Mapped[int] = mapped_column(default=1)
    level_since: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    outcome: Mapped[str | None] = mapped_column(String(12))
    closed_on: Mapped[date | None]
    # Bumped on every save: a form carries the version it was read at, and the ORM
    # refuses an UPDATE of a row someone else changed in between.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}
    __audit_ignore__ = ("version", "updated_at")

    parties: Mapped[list["Party"]] = relationship(viewonly=True, order_by="Party.id")
    attempts: Mapped[list["Attempt"]] = relationship(
        viewonly=True, order_by="Attempt.held_on, Attempt.id")
    events: Mapped[list["Event"]] = relationship(
        viewonly=True, order_by="Event.created_at, Event.id")

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


class Party(TenantScoped, db.Model):
    __tablename__ = "mediation_party"
    __tenant_table_args__ = (tenant_foreign_key("case_id", "mediation_case"),)
    __pii__ = {"name": "name", "phone": "phone", "id_number": "id_number"}

    case_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12), default="person")  # person, organisation
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))


class Attempt(TenantScoped, db.Model):
    """One try at a level: who mediated, when, how, which kind of mediation, what happened."""

    __tablename__ = "mediation_attempt"
    __tenant_table_args__ = (tenant_foreign_key("case_id", "mediation_case"),)

    case_id: Mapped[int]
    level: Mapped[int]
    held_on: Mapped[date]
    mediator: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(12))
    meeting_link: Mapped[str | None] = mapped_column(String(300))
    mediation_type: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(SQLText)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(TenantScoped, db.Model):
    """The case's timeline: every state change, in order, in words a person reads."""

    __tablename__ = "mediation_event"
    __tenant_table_args__ = (tenant_foreign_key("case_id", "mediation_case"),)

    case_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    level: Mapped[int]
    detail: Mapped[str | None] = mapped_column(SQLText)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agreement(TenantScoped, db.Model):
    """The mediation agreement (调解协议书) and the visit that checks it holds."""

    __tablename__ = "mediation_agreement"
    __tenant_table_args__ = (
        tenant_foreign_key("case_id", "mediation_case"),
        UniqueConstraint("tenant_id", "case_id"),
    )

    case_id: Mapped[int]
    terms: Mapped[str] = mapped_column(SQLText)
    confirmed: Mapped[bool] = mapped_column(default=False)
    signed_on: Mapped[date]
    follow_up_on: Mapped[date]
    followed_up_on: Mapped[date | None]
    follow_up_notes: Mapped[str | None] = mapped_column(SQLText)
    holds: Mapped[bool | None]

    case: Mapped[Case] = relationship(
        viewonly=True,
        primaryjoin="and_(Agreement.case_id == Case.id, Agreement.tenant_id == Case.tenant_id)",
        foreign_keys="[Agreement.tenant_id, Agreement.case_id]",
    )


class Reminder(TenantScoped, db.Model):
    """A reminder the daily job prepared: a follow-up visit overdue, or a case stuck."""

    __tablename__ = "mediation_reminder"
    __tenant_table_args__ = (
        tenant_foreign_key("case_id", "mediation_case"),
        UniqueConstraint("tenant_id", "case_id", "kind"),
    )

    case_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12))  # follow_up, stuck
    since: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
