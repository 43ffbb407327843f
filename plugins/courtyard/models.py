"""Meeting points in villages, the sessions held there, the concerns raised and how each
concern was followed to its result."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy import Text as SQLText
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.plugin_api import (
    TenantScoped,
    Village,
    db,
    tenant_foreign_key,
    utcnow,
    village_foreign_key,
)

OPEN, IN_PROGRESS, RESOLVED, CLOSED = "open", "in_progress", "resolved", "closed"
STATUSES = (OPEN, IN_PROGRESS, RESOLVED, CLOSED)
FINISHED = (RESOLVED, CLOSED)
STATUS_LABELS = {OPEN: _l("Open"), IN_PROGRESS: _l("In progress"), RESOLVED: _l("Resolved"),
                 CLOSED: _l("Closed without a solution")}


class Point(TenantScoped, db.Model):
    """A meeting point (议事点): "where the people gather, there the platform stands"."""

    __tablename__ = "courtyard_point"
    __tenant_table_args__ = (
        village_foreign_key(),
        Index("ix_courtyard_point_village", "tenant_id", "village_id"),
    )
    __label__ = _l("Meeting point")
    __labels__ = {"place": _l("Place"), "village_id": _l("Village")}

    name: Mapped[str] = mapped_column(String(100))
    # A village of the station's ground, never typed: the village's page and the county's
    # counts find the point's sessions and concerns by it.
    village_id: Mapped[int]
    place: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(SQLText)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship(
        Village, viewonly=True,
        primaryjoin=lambda: (Point.village_id == Village.id)
        & (Point.tenant_id == Village.tenant_id),
        foreign_keys=lambda: [Point.tenant_id, Point.village_id],
    )
    sessions: Mapped[list["Session"]] = relationship(
        viewonly=True,
        order_by="Session.held_on.desc(), Session.id.desc()",
    )


class Session(TenantScoped, db.Model):
    """One gathering at a point: who hosted, who came, what was raised."""

    __tablename__ = "courtyard_session"
    __tenant_table_args__ = (
        tenant_foreign_key("point_id", "courtyard_point"),
        Index("ix_courtyard_session_held", "tenant_id", "held_on"),
    )
    __label__ = _l("Courtyard session")
    __labels__ = {"point_id": _l("Meeting point"), "held_on": _l("Held on"),
                  "starts_at": _l("Starts at"), "ends_at": _l("Ends at"),
                  "host_id": _l("Host"), "attendees": _l("People attending"),
                  "notable_attendees": _l("Who of note came"),
                  "summary": _l("What was talked about")}

    point_id: Mapped[int]
    held_on: Mapped[date]
    # Meetings are announced for a time of day ("17:00"); the end is often not known.
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]
    host_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    attendees: Mapped[int] = mapped_column(default=0)
    notable_attendees: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(SQLText)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    point: Mapped[Point] = relationship(
        viewonly=True,
        primaryjoin="and_(Session.point_id == Point.id, Session.tenant_id == Point.tenant_id)",
        foreign_keys="[Session.tenant_id, Session.point_id]",
    )
    concerns: Mapped[list["Concern"]] = relationship(
        viewonly=True,
        order_by="Concern.id",
    )


class Concern(TenantScoped, db.Model):
    """Something raised at a session (烦心事 / 揪心事 / 暖心事), followed to its result."""

    __tablename__ = "courtyard_concern"
    __tenant_table_args__ = (
        tenant_foreign_key("session_id", "courtyard_session"),
        Index("ix_courtyard_concern_raised", "tenant_id", "raised_on"),
        Index("ix_courtyard_concern_status", "tenant_id", "status", "due_on"),
    )
    __pii__ = {"raised_by": "name", "raised_by_phone": "phone"}
    __label__ = _l("Courtyard concern")
    __labels__ = {"session_id": _l("Session"), "category": _l("Kind"),
                  "details": _l("Details"), "raised_by": _l("Raised by"),
                  "raised_by_phone": _l("Their phone"), "raised_on": _l("Raised on"),
                  "owner_id": _l("Owner"), "due_on": _l("Due on"), "result": _l("Result"),
                  "finished_on": _l("Finished on"), "overdue": _l("Flagged overdue")}
    __value_labels__ = {"status": STATUS_LABELS}

    session_id: Mapped[int]
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(SQLText)
    raised_by: Mapped[str | None] = mapped_column(String(64))
    raised_by_phone: Mapped[str | None] = mapped_column(String(20))
    raised_on: Mapped[date]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    result: Mapped[str | None] = mapped_column(SQLText)
    finished_on: Mapped[date | None]
    # Set once by the daily job when it notes the concern in its trail as overdue (so a
    # rerun adds nothing); pages work out "overdue" from the due date itself.
    overdue: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[Session] = relationship(
        viewonly=True,
        primaryjoin="and_(Concern.session_id == Session.id, "
                    "Concern.tenant_id == Session.tenant_id)",
        foreign_keys="[Concern.tenant_id, Concern.session_id]",
    )
    updates: Mapped[list["ConcernUpdate"]] = relationship(
        viewonly=True,
        order_by="ConcernUpdate.created_at, ConcernUpdate.id",
    )

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def is_overdue(self, today: date) -> bool:
        return not self.finished and self.due_on < today


class ConcernUpdate(TenantScoped, db.Model):
    """A step in following a concern: what was done, and the status it left."""

    __tablename__ = "courtyard_concern_update"
    __tenant_table_args__ = (tenant_foreign_key("concern_id", "courtyard_concern"),)
    __label__ = _l("Concern follow-up")
    __labels__ = {"concern_id": _l("Concern")}
    __value_labels__ = {"status": STATUS_LABELS}

    concern_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(SQLText)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    concern: Mapped[Concern] = relationship(
        viewonly=True,
        primaryjoin="and_(ConcernUpdate.concern_id == Concern.id, "
                    "ConcernUpdate.tenant_id == Concern.tenant_id)",
        foreign_keys="[ConcernUpdate.tenant_id, ConcernUpdate.concern_id]",
    )
