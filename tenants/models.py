"""Counties (县公安局) and their stations (派出所). A station is a tenant."""

import re
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def utcnow() -> datetime:
    # Naive UTC: SQLite and PostgreSQL then store and return the same value.
    return datetime.now(UTC).replace(tzinfo=None)


class County(db.Model):
    __tablename__ = "county"
    __label__ = _l("County")
    __labels__ = {"slug": _l("Short name")}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    stations: Mapped[list["Station"]] = relationship(
        back_populates="county", order_by="Station.name"
    )

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, self.id

    def __repr__(self) -> str:
        return f"<County {self.slug}>"


class Station(db.Model):
    __tablename__ = "station"
    __label__ = _l("Station")
    __labels__ = {"slug": _l("Short name")}

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    county: Mapped[County] = relationship(back_populates="stations")

    def audit_scope(self) -> tuple[int | None, int | None]:
        # Creating or renaming a station is the county's act, so it lands in the county chain.
        return None, self.county_id

    def __repr__(self) -> str:
        return f"<Station {self.slug}>"
