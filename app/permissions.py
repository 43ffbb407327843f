"""Roles and the permissions they grant.

Station roles act inside one station; county roles act across the stations of one county
(and inside each of them, as the table says); platform admins run the deployment and may
do everything. Modules add their own permissions with :func:`grant`.
"""

from collections import defaultdict

STATION_ROLES = ("station_admin", "officer", "auxiliary")
COUNTY_ROLES = ("county_admin", "county_viewer")
ROLES = STATION_ROLES + COUNTY_ROLES

STATION_VIEW = "station.view"
STATION_USERS = "station.users.manage"
STATION_AUDIT = "station.audit.view"
STATION_NOTICES = "station.notices.manage"
STATION_PII = "station.pii.reveal"
STATION_MODULES = "station.modules.manage"
STATION_GROUND = "station.ground.manage"
COUNTY_VIEW = "county.view"
COUNTY_STATIONS = "county.stations.manage"
COUNTY_USERS = "county.users.manage"
COUNTY_AUDIT = "county.audit.view"
COUNTY_TARGETS = "county.targets.manage"

_grants: dict[str, set[str]] = defaultdict(set)


def grant(permission: str, roles) -> None:
    """Give ``permission`` to each of ``roles`` (idempotent)."""
    for role in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        _grants[role].add(permission)


def permissions_for(role: str | None) -> frozenset[str]:
    return frozenset(_grants.get(role, ())) if role else frozenset()


grant(STATION_VIEW, ROLES)
grant(STATION_USERS, ("station_admin", "county_admin"))
grant(STATION_AUDIT, ("station_admin", "county_admin"))
grant(STATION_NOTICES, ("station_admin", "county_admin"))
grant(STATION_PII, ("station_admin", "county_admin"))
grant(STATION_MODULES, ("station_admin", "county_admin"))
grant(STATION_GROUND, ("station_admin", "county_admin"))
grant(COUNTY_VIEW, COUNTY_ROLES)
grant(COUNTY_STATIONS, ("county_admin",))
grant(COUNTY_USERS, ("county_admin",))
grant(COUNTY_AUDIT, ("county_admin",))
grant(COUNTY_TARGETS, ("county_admin",))
