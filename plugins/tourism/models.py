"""Tourist-zone policing (旅游警务): who stands at which post in which shift, the days
declared peaks, the warm-service lounge's visitor counts and help given, and the lost
and found.

Posts and shifts are the station's settings, so the roster keeps their NAMES as text:
renaming or removing a post changes no row, and an old name shows as "no longer a post".
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import Text as SQLText
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.plugin_api import TenantScoped, db, force_foreign_key, tenant_foreign_key, utcnow

# The codes are labels.py's (with their words); the module's files import them from here.
from .labels import (  # noqa: F401
    DISPOSED,
    FOUND,
    ID_TYPES,
    ITEM_STATUSES,
    LABELS,
    MATCHED,
    OPEN,
    REPORT_STATUSES,
    RETURNED,
    WAITING,
)


class RosterCell(TenantScoped, db.Model):
    """One post in one shift of one day: the unit two people may edit at once.

    ``version`` is bumped by every save; a form carries the version it was read at, and
    the ORM refuses the UPDATE of a cell someone else saved in between.
    """

    __tablename__ = "tourism_roster_cell"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "day", "shift", "post"),)

    day: Mapped[date]
    shift: Mapped[str] = mapped_column(String(20))
    post: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}
    __audit_ignore__ = ("version", "updated_at")
    __label__ = _l("Roster shift")
    __labels__ = {"shift": _l("Shift"), "post": _l("Post")}

    assignments: Mapped[list["Assignment"]] = relationship(viewonly=True,
                                                           order_by="Assignment.id")


class Assignment(TenantScoped, db.Model):
    """A person on duty in a cell: a member of the station or a volunteer, one of the
    station's community forces (古镇义警 and the like)."""

    __tablename__ = "tourism_assignment"
    __tenant_table_args__ = (
        tenant_foreign_key("cell_id", "tourism_roster_cell"),
        force_foreign_key(),
        UniqueConstraint("tenant_id", "cell_id", "user_id"),
        UniqueConstraint("tenant_id", "cell_id", "force_id"),
    )

    __label__ = _l("Person on duty")
    __labels__ = {"cell_id": _l("Roster shift"), "force_id": _l("Volunteer")}

    cell_id: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    force_id: Mapped[int | None]


class PeakDay(TenantScoped, db.Model):
    """A day declared a peak (holiday, festival, crowds): every post needs more people."""

    __tablename__ = "tourism_peak_day"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "day"),)
    __label__ = _l("Peak day")
    __labels__ = {"extra": _l("More people per post")}

    day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(100))
    extra: Mapped[int]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VisitorCount(TenantScoped, db.Model):
    """Visitors received at the lounge in one hour of one day (local time).

    Counted with ``UPDATE ... SET visitors = visitors + n``, never read-modify-write, so
    two desks clicking at once both count. Each change is audited as an event.
    """

    __tablename__ = "tourism_visitor_count"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "day", "hour"),)
    __audit__ = False  # the counter's views record every change with audit_event
    # Its events (tourism.visitors) name this table: they show as the lounge's count.
    __label__ = _l("Lounge visitor count")
    __labels__ = {"visitors": _l("Visitors")}

    day: Mapped[date]
    hour: Mapped[int]
    visitors: Mapped[int] = mapped_column(default=0)


class HelpGiven(TenantScoped, db.Model):
    """One act of help at the lounge or on patrol: directions, first aid, a lost child..."""

    __tablename__ = "tourism_help"
    __tenant_table_args__ = (Index("ix_tourism_help_day", "tenant_id", "day"),)
    __label__ = _l("Help given at the lounge")
    # Its kinds are the station's own words (settings), stored as they read: no codes.

    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LossReport(TenantScoped, db.Model):
    """A loss a tourist reported, at the desk or on the public page."""

    __tablename__ = "tourism_loss_report"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        Index("ix_tourism_loss_report_status", "tenant_id", "status", "lost_on"),
    )
    __pii__ = {"reporter_name": "name", "reporter_phone": "phone"}
    __label__ = _l("Loss report")
    __labels__ = {
        "reference": _l("Reference"), "description": _l("Description of the loss"),
        "lost_on": _l("Lost on"), "lost_place": _l("Where it was lost"),
        "reporter_name": _l("Reporter's name"), "reporter_phone": _l("Reporter's phone"),
        "from_public": _l("Reported online"),
    }
    __value_labels__ = {"status": LABELS["report"]}

    reference: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(SQLText)
    lost_on: Mapped[date]
    lost_place: Mapped[str | None] = mapped_column(String(100))
    reporter_name: Mapped[str] = mapped_column(String(64))
    reporter_phone: Mapped[str] = mapped_column(String(20))
    from_public: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FoundItem(TenantScoped, db.Model):
    """Something found in the scenic area and kept at the station until its owner comes."""

    __tablename__ = "tourism_found_item"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        tenant_foreign_key("report_id", "tourism_loss_report"),
        Index("ix_tourism_found_item_status", "tenant_id", "status", "found_on"),
    )
    __pii__ = {"finder_name": "name", "finder_phone": "phone", "receiver_name": "name",
               "receiver_id_number": "id_number"}
    __label__ = _l("Found item")
    __labels__ = {
        "reference": _l("Reference"), "public_description": _l("What it is, for the public page"),
        "description": _l("Full description (staff only)"), "found_on": _l("Found on"),
        "found_place": _l("Where it was found"), "has_photo": _l("A photo is taken"),
        "kept_at": _l("Where it is kept"), "finder_name": _l("Finder's name"),
        "finder_phone": _l("Finder's phone"), "report_id": _l("Loss report"),
        "returned_on": _l("Returned on"), "receiver_name": _l("Owner's name"),
        "receiver_id_type": _l("Identity document"),
        "receiver_id_number": _l("Document number"), "handed_by": _l("Handed over by"),
        "disposal_due": _l("Due for disposal"), "disposed_on": _l("Disposed of on"),
        "disposal_note": _l("How it was disposed of"),
    }
    __value_labels__ = {"status": LABELS["item"], "receiver_id_type": LABELS["id_type"]}

    reference: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(20))
    # What the public page shows; the full description keeps the marks the owner must
    # name to prove the item is theirs.
    public_description: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(SQLText)
    found_on: Mapped[date]
    found_place: Mapped[str] = mapped_column(String(100))
    has_photo: Mapped[bool] = mapped_column(default=False)
    kept_at: Mapped[str] = mapped_column(String(100))
    finder_name: Mapped[str | None] = mapped_column(String(64))
    finder_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=FOUND)
    report_id: Mapped[int | None]
    # The handover: who received it, the identity document checked, and who handed it.
    returned_on: Mapped[date | None]
    receiver_name: Mapped[str | None] = mapped_column(String(64))
    receiver_id_type: Mapped[str | None] = mapped_column(String(20))
    receiver_id_number: Mapped[str | None] = mapped_column(String(30))
    handed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Set once by the daily job when the item has waited past the disposal days.
    disposal_due: Mapped[bool] = mapped_column(default=False)
    disposed_on: Mapped[date | None]
    disposal_note: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[LossReport | None] = relationship(
        viewonly=True,
        primaryjoin="and_(FoundItem.report_id == LossReport.id, "
                    "FoundItem.tenant_id == LossReport.tenant_id)",
        foreign_keys="[FoundItem.tenant_id, FoundItem.report_id]",
    )

    @property
    def waiting(self) -> bool:
        return self.status in WAITING
