"""The navigation, built from what the user may do where the request is: the station's
home, then the entries of the modules it has switched on, then the core's pages."""

from flask_babel import lazy_gettext as _l

from app.access import can
from app.permissions import (
    COUNTY_AUDIT,
    COUNTY_STATIONS,
    COUNTY_TARGETS,
    COUNTY_USERS,
    COUNTY_VIEW,
    STATION_AUDIT,
    STATION_MODULES,
    STATION_USERS,
    STATION_VIEW,
)
from app.plugin_contract import NavEntry
from app.plugin_host import host

STATION_HOME = NavEntry("station.home", _l("Home"), STATION_VIEW)
# The ground every module stands on comes first after home.
GROUND = NavEntry("ground.index", _l("Ground"), STATION_VIEW)
STATION_NAV = [
    NavEntry("station.notices", _l("Notices"), STATION_VIEW),
    NavEntry("station.members", _l("People"), STATION_USERS),
    NavEntry("station.modules", _l("Modules"), STATION_MODULES),
    NavEntry("station.audit_log", _l("Audit log"), STATION_AUDIT),
]
COUNTY_NAV = [
    NavEntry("county.home", _l("Stations"), COUNTY_VIEW),
    NavEntry("county.dashboard", _l("Dashboard"), COUNTY_VIEW),
    NavEntry("county.reports", _l("Reports"), COUNTY_VIEW),
    NavEntry("county.targets", _l("Targets"), COUNTY_TARGETS),
    NavEntry("county.station_new", _l("New station"), COUNTY_STATIONS),
    NavEntry("county.users", _l("County people"), COUNTY_USERS),
    NavEntry("county.audit_log", _l("Audit log"), COUNTY_AUDIT),
]


def station_nav() -> list[NavEntry]:
    modules = [entry for plugin in host().enabled() for entry in plugin.navigation]
    entries = (STATION_HOME, GROUND, *modules, *STATION_NAV)
    return [item for item in entries if can(item.permission)]


def county_nav() -> list[NavEntry]:
    return [item for item in COUNTY_NAV if can(item.permission)]


def init_app(app) -> None:
    app.add_template_global(station_nav)
    app.add_template_global(county_nav)
    app.add_template_global(can)
