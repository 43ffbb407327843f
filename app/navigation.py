"""The left/top navigation, built from what the user may do where the request is.

Modules will add their entries for the stations that enabled them; the core's come first.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.access import can
from app.permissions import (
    COUNTY_AUDIT,
    COUNTY_STATIONS,
    COUNTY_VIEW,
    STATION_AUDIT,
    STATION_USERS,
    STATION_VIEW,
)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, rendered in the request's language
    permission: str


STATION_NAV = [
    NavItem("station.home", _l("Home"), STATION_VIEW),
    NavItem("station.notices", _l("Notices"), STATION_VIEW),
    NavItem("station.members", _l("People"), STATION_USERS),
    NavItem("station.audit_log", _l("Audit log"), STATION_AUDIT),
]
COUNTY_NAV = [
    NavItem("county.home", _l("Stations"), COUNTY_VIEW),
    NavItem("county.station_new", _l("New station"), COUNTY_STATIONS),
    NavItem("county.audit_log", _l("Audit log"), COUNTY_AUDIT),
]


def station_nav() -> list[NavItem]:
    return [item for item in STATION_NAV if can(item.permission)]


def county_nav() -> list[NavItem]:
    return [item for item in COUNTY_NAV if can(item.permission)]


def init_app(app) -> None:
    app.add_template_global(station_nav)
    app.add_template_global(county_nav)
    app.add_template_global(can)
