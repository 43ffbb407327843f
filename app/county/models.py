"""What the county's comparison keeps: each station's figures of closed periods, stored so
the county's pages read them instead of counting a year of records on every view; how
often each station's records of a module have changed, so a stored figure is known to be
current; and the targets county IT sets per metric."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from tenants.models import utcnow
from tenants.scoping import TenantScoped


class StoredFigure(TenantScoped, db.Model):
    """A station's figure of one metric for one closed period (a month ``2026-11``, a
    quarter ``2026-Q4`` or a year ``2026``), with what it stands on, computed when the
    module's records were at ``generation`` (:class:`FigureGeneration`)."""

    __tablename__ = "stored_figure"
    __audit__ = False  # computed from records whose every change is audited
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "metric", "period"),
        Index("ix_stored_figure_period", "period", "metric"),
    )

    module: Mapped[str] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[int | None]
    denominator: Mapped[int | None]
    generation: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FigureGeneration(TenantScoped, db.Model):
    """How many transactions have changed a station's records of ``module``: counted up
    by each one as it commits, so a figure stored at an older count is out of date."""

    __tablename__ = "figure_generation"
    __audit__ = False
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "module"),)

    module: Mapped[str] = mapped_column(String(32))
    generation: Mapped[int] = mapped_column(default=1)


# How a figure is held to its target.
AT_LEAST, AT_MOST, EXACTLY = ">=", "<=", "="
OPERATORS = (AT_LEAST, AT_MOST, EXACTLY)


class Target(db.Model):
    """A county's target for one metric, e.g. 调解率 ≥ 98 % or 民转刑 = 0: a station's
    figure that misses it is marked on the county's pages."""

    __tablename__ = "metric_target"
    __label__ = _l("Target")
    __labels__ = {"metric": _l("Metric"), "operator": _l("Rule"), "value": _l("Target"),
                  "note": _l("Note"), "changed_at": _l("Changed at")}
    __table_args__ = (
        UniqueConstraint("county_id", "metric"),
        CheckConstraint("operator IN ('>=', '<=', '=')", name="operator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"))
    metric: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(2))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __audit_ignore__ = ("changed_at",)

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, self.county_id

    def met_by(self, value: float | int | None) -> bool | None:
        """Whether ``value`` meets the target; None when there is no figure to hold to it."""
        if value is None:
            return None
        if self.operator == AT_LEAST:
            return value >= self.value
        if self.operator == AT_MOST:
            return value <= self.value
        return abs(value - self.value) < 1e-9


# A report's course.
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Report(db.Model):
    """The meeting's report (月晾晒通报) of one period: the workbook and the printable
    A4 report, made by a job and kept for download."""

    __tablename__ = "county_report"
    __label__ = _l("Report")
    __labels__ = {"period": _l("Period"), "against": _l("Compared against"),
                  "basis": _l("Counts compared"),
                  "language": _l("Language"), "status": _l("Status"),
                  "progress": _l("Progress"), "requested_by": _l("Requested by"),
                  "requested_at": _l("Requested at"), "finished_at": _l("Finished at"),
                  "error": _l("Error"), "xlsx": _l("Workbook"), "pdf": _l("Printable report")}
    # What the job writes as it goes: the request is the change a user made.
    __audit_ignore__ = ("status", "progress", "finished_at", "error", "xlsx", "pdf")
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_county_report_county_time", "county_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"))
    period: Mapped[str] = mapped_column(String(8))
    against: Mapped[str] = mapped_column(String(8))
    basis: Mapped[str] = mapped_column(String(10))  # what counts are compared per
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))
    xlsx: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, self.county_id
