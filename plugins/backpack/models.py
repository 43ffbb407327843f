"""Requests for a service at home (背包警务), the visit that brings the service to the
resident, the certificate delivered later, and each request's history."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
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

from .labels import LABELS

REQUESTED, SCHEDULED, VISITED, DONE, CANNOT = (
    "requested", "scheduled", "visited", "done", "cannot_be_done")
STATUSES = (REQUESTED, SCHEDULED, VISITED, DONE, CANNOT)
OPEN = (REQUESTED, SCHEDULED, VISITED)
REASONS = ("elderly", "illness", "disability", "other")
CHANNELS = ("phone", "wechat", "grid_worker", "relative", "officer_visit")
RECEIVERS = ("resident", "relative")


class HomeRequest(TenantScoped, db.Model):
    """A resident who cannot come to the station asks for a service at home."""

    __tablename__ = "backpack_request"
    __tenant_table_args__ = (
        Index("ix_backpack_request_status", "tenant_id", "status", "visit_date"),
        Index("ix_backpack_request_finished", "tenant_id", "finished_on"),
        village_foreign_key(),
        Index("ix_backpack_request_village", "tenant_id", "village_id"),
    )
    __pii__ = {"resident_name": "name", "resident_phone": "phone",
               "resident_id_number": "id_number", "address": "address",
               "received_by_name": "name"}
    __label__ = _l("Home-service request")
    __labels__ = {
        "resident_name": _l("Resident's name"), "resident_phone": _l("Resident's phone"),
        "resident_id_number": _l("Resident's ID number"), "village_id": _l("Village"),
        "address": _l("Home address"),
        "reason_note": _l("About the reason"), "service": _l("Service"),
        "channel": _l("How it came in"), "requested_on": _l("Requested on"),
        "visit_date": _l("Visit date"), "needs_delivery": _l("A certificate to deliver"),
        "delivered_on": _l("Delivered on"), "received_by": _l("Received by"),
        "received_by_name": _l("The relative's name"), "follow_up": _l("Follow-up needed"),
        "follow_up_note": _l("What follow-up"), "follow_up_done_on": _l("Follow-up done on"),
        "finished_on": _l("Finished on"), "cannot_reason": _l("Why it could not be done"),
    }
    __value_labels__ = {name: LABELS[name] for name in ("status", "reason", "channel",
                                                          "received_by")}

    resident_name: Mapped[str] = mapped_column(String(64))
    resident_phone: Mapped[str] = mapped_column(String(20))
    resident_id_number: Mapped[str | None] = mapped_column(String(18))
    # The station's village (its ground): the route sheet follows the ground's order.
    village_id: Mapped[int]
    address: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(16))
    reason_note: Mapped[str | None] = mapped_column(String(300))
    # The catalogue's name at the time of the request: the catalogue may change later.
    service: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    requested_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=REQUESTED)
    visit_date: Mapped[date | None]
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # What the visit left to do: a certificate to bring later, a follow-up.
    needs_delivery: Mapped[bool] = mapped_column(default=False)
    delivered_on: Mapped[date | None]
    received_by: Mapped[str | None] = mapped_column(String(12))
    received_by_name: Mapped[str | None] = mapped_column(String(64))
    follow_up: Mapped[bool] = mapped_column(default=False)
    follow_up_note: Mapped[str | None] = mapped_column(SQLText)
    follow_up_done_on: Mapped[date | None]
    # The day it became done or could not be done; the reason for the latter.
    finished_on: Mapped[date | None]
    cannot_reason: Mapped[str | None] = mapped_column(SQLText)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship(
        viewonly=True, lazy="selectin",
        primaryjoin="and_(HomeRequest.village_id == Village.id, "
                    "HomeRequest.tenant_id == Village.tenant_id)",
        foreign_keys="[HomeRequest.tenant_id, HomeRequest.village_id]",
    )
    visit: Mapped["Visit | None"] = relationship(
        viewonly=True, uselist=False,
        primaryjoin="and_(HomeRequest.id == Visit.request_id, "
                    "HomeRequest.tenant_id == Visit.tenant_id)",
        foreign_keys="[Visit.tenant_id, Visit.request_id]",
    )
    steps: Mapped[list["Step"]] = relationship(
        viewonly=True, order_by="Step.created_at, Step.id",
        primaryjoin="and_(HomeRequest.id == Step.request_id, "
                    "HomeRequest.tenant_id == Step.tenant_id)",
        foreign_keys="[Step.tenant_id, Step.request_id]",
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def awaiting_delivery(self) -> bool:
        return self.needs_delivery and self.delivered_on is None

    @property
    def awaiting_follow_up(self) -> bool:
        return self.follow_up and self.follow_up_done_on is None

    @property
    def nothing_remains(self) -> bool:
        """The rule for "done": visited, no certificate still to deliver, no follow-up
        still to do."""
        return not (self.awaiting_delivery or self.awaiting_follow_up)


class Visit(TenantScoped, db.Model):
    """What the officer with the backpack did at the resident's home (one per request)."""

    __tablename__ = "backpack_visit"
    __tenant_table_args__ = (
        tenant_foreign_key("request_id", "backpack_request"),
        UniqueConstraint("tenant_id", "request_id"),
    )
    __label__ = _l("Home visit")
    __labels__ = {"request_id": _l("Request"), "visited_on": _l("Date of the home visit"),
                  "what_done": _l("What was done"), "photos_taken": _l("ID photos taken?"),
                  "documents_collected": _l("Documents collected")}

    request_id: Mapped[int]
    visited_on: Mapped[date]
    what_done: Mapped[str] = mapped_column(SQLText)
    photos_taken: Mapped[bool] = mapped_column(default=False)
    documents_collected: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Step(TenantScoped, db.Model):
    """The request's history: every status change, in words a person reads."""

    __tablename__ = "backpack_step"
    __tenant_table_args__ = (tenant_foreign_key("request_id", "backpack_request"),)
    __label__ = _l("Request step")
    __labels__ = {"request_id": _l("Request")}
    __value_labels__ = {"status": LABELS["status"]}

    request_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(SQLText)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
