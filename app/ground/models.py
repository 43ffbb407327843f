"""The station's ground (警网融合): its villages and communities, the grids inside them, its
key places, and the community forces who work with it without an account.

Every module stands on these rows: it references them by composite foreign key (so a
record can never point into another station's ground) and picks them in its forms, never
types a village as free text. Rows that records stand on are retired, not deleted.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import Text as SQLText
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from tenants.models import utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key

VILLAGE, COMMUNITY = "village", "community"
# A kind as a word of its own (村, 社区): "Village" alone names the column (村（社区）).
VILLAGE_KINDS = {VILLAGE: lazy_pgettext("village kind", "Village"),
                 COMMUNITY: lazy_pgettext("village kind", "Community")}

PLACE_KINDS = {
    "school": _l("School (school-gate post)"),
    "enterprise": _l("Key enterprise (one officer per enterprise)"),
    "scenic": _l("Scenic area"),
    "market": _l("Market"),
    "other": _l("Other key place"),
}

GRID_WORKER = "grid_worker"
VOLUNTEER = "volunteer"
FORCE_KINDS = {
    GRID_WORKER: _l("Grid worker"),
    "household_head": _l("Household head"),
    "security_director": _l("Security director"),
    "mediator": _l("Mediator"),
    VOLUNTEER: _l("Volunteer"),
    "activist": _l("Public security activist"),
}


class Village(TenantScoped, db.Model):
    """A village or community (村/社区) the station serves, with the figures the county
    compares stations by, and who covers it."""

    __tablename__ = "ground_village"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "name"),)
    __label__ = _l("Village")
    __labels__ = {
        "name": lazy_pgettext("ground", "Name"), "kind": _l("Kind"),
        "zone": _l("Police office or zone"),
        "households": _l("Households"), "registered_population": _l("Registered population"),
        "resident_population": _l("Resident population"), "note": _l("Note"),
        "position": _l("Order"), "officer_id": _l("Responsible officer"),
        "auxiliary_id": _l("Village auxiliary"), "active": _l("In use"),
    }

    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), default=VILLAGE)
    zone: Mapped[str | None] = mapped_column(String(60))
    households: Mapped[int | None]
    registered_population: Mapped[int | None]
    resident_population: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(SQLText)
    # The station's own order of its villages (a route sheet follows it).
    position: Mapped[int] = mapped_column(default=0)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    auxiliary_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    former_names: Mapped[list["VillageName"]] = relationship(
        viewonly=True, order_by="VillageName.until.desc()")
    grids: Mapped[list["Grid"]] = relationship(
        viewonly=True, order_by="Grid.active.desc(), Grid.name")

    @property
    def population(self) -> int | None:
        """The people it serves: the resident population, else the registered one."""
        if self.resident_population is not None:
            return self.resident_population
        return self.registered_population


class VillageName(TenantScoped, db.Model):
    """A name a village went by until it was renamed: old papers still say it."""

    __tablename__ = "ground_village_name"
    __tenant_table_args__ = (tenant_foreign_key("village_id", "ground_village"),)
    __label__ = _l("Former name")
    __labels__ = {"village_id": _l("Village"), "name": lazy_pgettext("ground", "Name"),
                  "until": _l("Until")}

    village_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    until: Mapped[datetime] = mapped_column(default=utcnow)


class Grid(TenantScoped, db.Model):
    """A grid (网格) inside a village. Its grid workers are the forces who cover it."""

    __tablename__ = "ground_grid"
    __tenant_table_args__ = (
        tenant_foreign_key("village_id", "ground_village"),
        UniqueConstraint("tenant_id", "village_id", "name"),
    )
    __label__ = _l("Grid")
    __labels__ = {"village_id": _l("Village"), "name": lazy_pgettext("ground", "Name"),
                  "note": _l("Note"), "active": _l("In use")}

    village_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(SQLText)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship(
        viewonly=True,
        primaryjoin="and_(Grid.village_id == Village.id, Grid.tenant_id == Village.tenant_id)",
        foreign_keys="[Grid.tenant_id, Grid.village_id]",
    )


class KeyPlace(TenantScoped, db.Model):
    """A key place: a school (护学岗), a key enterprise (一企一警), a scenic area, a
    market; the village it stands in and the officer assigned to it."""

    __tablename__ = "ground_place"
    __tenant_table_args__ = (
        tenant_foreign_key("village_id", "ground_village"),
        UniqueConstraint("tenant_id", "name"),
    )
    __label__ = _l("Key place")
    __labels__ = {"kind": _l("Kind"), "name": lazy_pgettext("ground", "Name"),
                  "village_id": _l("Village"),
                  "officer_id": _l("Assigned officer"), "note": _l("Note"),
                  "active": _l("In use")}

    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    village_id: Mapped[int]
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(SQLText)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship(
        viewonly=True,
        primaryjoin="and_(KeyPlace.village_id == Village.id, "
                    "KeyPlace.tenant_id == Village.tenant_id)",
        foreign_keys="[KeyPlace.tenant_id, KeyPlace.village_id]",
    )


class Force(TenantScoped, db.Model):
    """One of the community forces (群防群治力量): a grid worker, household head, security
    director, mediator, volunteer or activist who works with the station without being
    one of its members (linked to an account when they have one). What they cover is a
    village, or a grid of it (a grid worker's grid)."""

    __tablename__ = "ground_force"
    __tenant_table_args__ = (
        tenant_foreign_key("village_id", "ground_village"),
        tenant_foreign_key("grid_id", "ground_grid"),
        Index("ix_ground_force_kind", "tenant_id", "kind"),
    )
    # Their names are posted on every village board; their phones are theirs.
    __pii__ = {"phone": "phone"}
    __label__ = _l("Community force")
    __labels__ = {"kind": _l("Kind"), "village_id": _l("Village"), "grid_id": _l("Grid"),
                  "user_id": _l("Account"), "team": _l("Team or organisation"),
                  "note": _l("Note"), "active": _l("Active")}

    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    village_id: Mapped[int | None]
    grid_id: Mapped[int | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    team: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(SQLText)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Village | None] = relationship(
        viewonly=True,
        primaryjoin="and_(Force.village_id == Village.id, Force.tenant_id == Village.tenant_id)",
        foreign_keys="[Force.tenant_id, Force.village_id]",
    )
    grid: Mapped[Grid | None] = relationship(
        viewonly=True,
        primaryjoin="and_(Force.grid_id == Grid.id, Force.tenant_id == Grid.tenant_id)",
        foreign_keys="[Force.tenant_id, Force.grid_id]",
    )
