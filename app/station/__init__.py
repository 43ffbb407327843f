"""The core's pages inside a station: home, notices, members, modules and the audit log."""

from app.station import audit_log, home, members, modules, notices  # noqa: F401 - they add routes
from app.station.blueprint import bp

__all__ = ["bp"]
