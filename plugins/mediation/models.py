"""Dispute cases on the mediation ladder (三级联调): parties, attempts at each level, the
case's own timeline, the agreement and its follow-up, and the reminders the daily job
prepares."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func, select
from sqlalchemy import Text as SQLText
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.plugin_api import (
    TenantScoped,
    Village,
    db,
    force_foreign_key,
    tenant_foreign_key,
    utcnow,
    village_foreign_key,
)

from .labels import LABELS

OPEN, CLOSED = "open", "closed"
AGREEMENT, SETTLED, WITHDRAWN, COURT, CRIMINAL = (
    "agreement", "settled", "withdrawn", "court", "criminal")
OUTCOMES = (AGREEMENT, SETTLED, WITHDRAWN, COURT, CRIMINAL)
SETTLED_OUTCOMES = (AGREEMENT, SETTLED)  # counted as mediated
SOURCES = ("call", "walk_in", "courtyard", "patrol", "referral")
METHODS = ("in_person", "video")
TYPES = ("people", "administrative", "judicial")
# Who may be a case's officer in charge (责任民警), by their role in the station: an officer
# or the station's admin, never an auxiliary. Being in charge lets one reveal the parties'
# names, phones and ID numbers and print their agreement.
IN_CHARGE = ("station_admin", "officer")
# Who may hand a case from its officer in charge to another: the station's admin, and the
# county's IT and the platform admin acting in the station (besides the officer in charge
# handing over their own case, and anyone who records when the case has no officer yet).
REASSIGNS = ("station_admin", "county_admin", "platform_admin")
# The community forces who mediate at the lower rungs (百户长, 治保主任) or for the village's
# mediation committee: an attempt may name one of them.
MEDIATOR_KINDS = ("household_head", "security_director", "mediator")
# A reveal (on the case page, on a printed agreement) names the parties' fields it shows.
_PARTY_FIELDS = {"id_number": _l("ID number or credit code")}


class Case(TenantScoped, db.Model):
    __tablename__ = "mediation_case"
    __tenant_table_args__ = (
        village_foreign_key(),
        Index("ix_mediation_case_opened", "tenant_id", "opened_on"),
        Index("ix_mediation_case_status", "tenant_id", "status", "level"),
        Index("ix_mediation_case_village", "tenant_id", "village_id"),
    )
    __label__ = _l("Mediation case")
    __labels__ = {"village_id": _l("Village"), "narrative": _l("What happened"),
                  "source": _l("How it came in"),
                  "opened_on": _l("Opened on"), "dispute_began_on": _l("Dispute began on"),
                  "level": _l("Level"), "level_since": _l("At this level since"),
                  "outcome": _l("Outcome"), "closed_on": _l("Closed on"), **_PARTY_FIELDS}
    __value_labels__ = {"status": LABELS["status"], "outcome": LABELS["outcome"],
                        "source": LABELS["source"]}

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # A village of the station's ground, when the dispute has one (a referral may not).
    village_id: Mapped[int | None]
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

    village: Mapped[Village | None] = relationship(
        Village, viewonly=True,
        primaryjoin=lambda: (Case.village_id == Village.id)
        & (Case.tenant_id == Village.tenant_id),
        foreign_keys=lambda: [Case.tenant_id, Case.village_id],
    )
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
    __label__ = _l("Party to a dispute")
    __labels__ = {"case_id": _l("Case"), "kind": _l("Person or organisation"),
                  **_PARTY_FIELDS}
    __value_labels__ = {"kind": LABELS["party_kind"]}
    __pii__ = {"name": "name", "phone": "phone", "id_number": "id_number"}

    case_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12), default="person")  # person, organisation
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))


class Attempt(TenantScoped, db.Model):
    """One try at a level: who mediated, when, how, which kind of mediation, what happened.
    Who mediated is one of the station's community forces when they are one (a household
    head, a security director, a mediator), and in words always: the agreement prints them."""

    __tablename__ = "mediation_attempt"
    __tenant_table_args__ = (
        tenant_foreign_key("case_id", "mediation_case"),
        force_foreign_key("mediator_force_id"),
    )
    __label__ = _l("Record of a mediation attempt")
    __labels__ = {"case_id": _l("Case"), "level": _l("Level"),
                  "held_on": _l("Mediated on"), "mediator": _l("Who mediated"),
                  "mediator_force_id": _l("Community force who mediated"),
                  "method": _l("How"), "meeting_link": _l("Meeting link (video)"),
                  "mediation_type": _l("Type of mediation")}
    __value_labels__ = {"method": LABELS["method"], "mediation_type": LABELS["mediation_type"]}

    case_id: Mapped[int]
    level: Mapped[int]
    held_on: Mapped[date]
    mediator: Mapped[str] = mapped_column(String(100))
    mediator_force_id: Mapped[int | None]
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
    __label__ = _l("Case timeline entry")
    __labels__ = {"case_id": _l("Case"), "action": _l("Step in the case"), "level": _l("Level"),
                  "detail": _l("Details")}
    __value_labels__ = {"action": LABELS["action"]}

    case_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    level: Mapped[int]
    detail: Mapped[str | None] = mapped_column(SQLText)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agreement(TenantScoped, db.Model):
    """The mediation agreement (调解协议书) and the visit that checks it holds.

    A case may have several: when the visit finds one broken, the case is mediated again
    and may end in a new one. The newest is the case's agreement; the earlier ones stay,
    marked as not held, with their terms and their visit."""

    __tablename__ = "mediation_agreement"
    __tenant_table_args__ = (
        tenant_foreign_key("case_id", "mediation_case"),
        Index("ix_mediation_agreement_case", "tenant_id", "case_id"),
    )
    __label__ = _l("Mediation agreement")
    __labels__ = {"case_id": _l("Case"), "level": _l("Level"), "terms": _l("Terms agreed"),
                  "confirmed": _l("Confirmed by the parties"), "signed_on": _l("Signed on"),
                  "follow_up_on": _l("Follow-up visit due on"),
                  "followed_up_on": _l("Visited on"),
                  "follow_up_notes": _l("What the visit found"),
                  "holds": _l("Does the agreement hold?"), **_PARTY_FIELDS}

    case_id: Mapped[int]
    # The level it was signed at (its mediator and the organisation on the printed sheet).
    # Nullable: the release before this one still writes agreements without it.
    level: Mapped[int | None]
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
    __label__ = _l("Mediation reminder")
    __labels__ = {"case_id": _l("Case"), "since": _l("Since")}
    __value_labels__ = {"kind": LABELS["reminder"]}

    case_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12))  # follow_up, stuck
    since: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def newest_agreement_ids():
    """The id of each case's newest agreement: the one the case page, the follow-up, the
    print page at the case's own URL and the reminders are about."""
    return select(func.max(Agreement.id)).group_by(Agreement.tenant_id, Agreement.case_id)


def not_kept(cases) -> set[int]:
    """Of ``cases``, the ids of those closed with an agreement that the follow-up visit
    found not kept (their newest agreement): not settled, and not shown as settled, even
    before someone mediates them again."""
    ids = [c.id for c in cases if c.status == CLOSED and c.outcome == AGREEMENT]
    if not ids:
        return set()
    return set(db.session.scalars(select(Agreement.case_id).where(
        Agreement.id.in_(newest_agreement_ids()), Agreement.holds.is_(False),
        Agreement.case_id.in_(ids))))
