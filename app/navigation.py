"""The navigation, built from what the user may do where the request is: the station's
home, then the entries of the modules it has switched on, then the core's pages."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.access import can
from app.permissions import (
    COUNTY_AUDIT,
    COUNTY_STATIONS,
    COUNTY_VIEW,
    STATION_AUDIT,
    STATION_MODULES,
    STATION_USERS,
    STATION_VIEW,
)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, rendered in the request's language
    permission: str


STATION_HOME = NavItem("station.home", _l("Home"), STATION_VIEW)
STATION_NAV = [
    NavItem("station.notices", _l("Notices"), STATION_VIEW),
    NavItem("station.members", _l("People"), STATION_USERS),
    NavItem("station.modules", _l("Modules"), STATION_MODULES),
    NavItem("station.audit_log", _l("Audit log"), STATION_AUDIT),
]
COUNTY_NAV = [
    NavItem("county.home", _l("Stations"), COUNTY_VIEW),
    NavItem("county.dashboard", _l("Dashboard"), COUNTY_VIEW),
    NavItem("county.station_new", _l("New station"), COUNTY_STATIONS),
    NavItem("county.audit_log", _l("Audit log"), COUNTY_AUDIT),
]


def station_nav() -> list[NavItem]:
    from app.plugin_host import host

    modules = [entry for plugin in host().enabled() for entry in plugin.navigation]
    return [item for item in (STATION_HOME, *modules, *STATION_NAV) if can(item.permission)]


def county_nav() -> list[NavItem]:
    return [item for item in COUNTY_NAV if can(item.permission)]


def init_app(app) -> None:
    app.add_template_global(station_nav)
    app.add_template_global(county_nav)
    app.add_template_global(can)
