"""A station's module switch: one ``station_plugin`` row per station and module, whether
it is on and with which settings."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from tenants.models import utcnow
from tenants.scoping import TenantScoped


class StationPlugin(TenantScoped, db.Model):
    __tablename__ = "station_plugin"
    __label__ = _l("Station module")
    __labels__ = {"plugin": _l("Module"), "enabled": _l("Switched on"),
                  "settings": _l("Settings"), "changed_at": _l("Changed at")}
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    plugin: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict | None] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __audit_ignore__ = ("changed_at",)
    __audit_words__ = {"plugin": "module"}
