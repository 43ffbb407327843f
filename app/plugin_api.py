"""The plugin contract: everything a station module may declare and use.

A module is a package exposing one :class:`Plugin` object, found through the entry-point
group ``fengqiao.plugins``. It imports from here (and ``tenants`` for its scoped models)
and from nowhere else in the platform, and never from another module: links between
modules go through handoffs (:class:`HandoffTarget`, :func:`hand_off`).

Names follow the key and are checked when the plugin loads: blueprint ``plugin_<key>``
(API: ``plugin_<key>_api``), tables ``<key>_*``, permissions, metrics, jobs and handoff
targets ``<key>.*``. A plugin that breaks a rule is reported and skipped; the app starts.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, g
from flask_babel import get_locale
from flask_login import current_user
from marshmallow import Schema

from app import audit
from app.access import can, require
from app.extensions import db
from app.forms import (
    Form,
    Lines,
    Rows,
    Text,
    ValidationError,
    choices,
    fields,
    length,
    load,
    one_of,
    validate,
)
from app.jobs import enqueue
from app.navigation import NavItem as NavEntry  # endpoint, label, permission
from app.outbox import outbox_messages, queue_message
from app.permissions import COUNTY_ROLES, STATION_PII, STATION_ROLES, STATION_VIEW
from app.pii import mask
from app.rate_limits import client_address, rate_limit
from tenants.context import current_station_id
from tenants.models import Station, utcnow
from tenants.row_security import disable as disable_row_security
from tenants.row_security import enable as enable_row_security
from tenants.scoping import TenantScoped, tenant_foreign_key
from tenants.web import public_station_blueprint, station_blueprint
from tenants.web import scoped_or_404 as get_or_404

__all__ = [
    "ALL_ROLES", "COUNTY_ROLES", "STATION_PII", "STATION_ROLES", "STATION_VIEW",
    "Form", "Handoff", "HandoffTarget", "Job", "Lines", "Metric", "NavEntry", "Period",
    "Permission", "Plugin", "Receipt", "Rows", "Station", "TenantScoped", "Text",
    "ValidationError", "api_blueprint", "audit_event", "blueprint", "can", "choices",
    "client_address", "current_role", "current_station", "current_user", "db",
    "disable_row_security", "enable_row_security", "enqueue", "fields", "get_or_404",
    "day_arg", "hand_off", "handoff_targets", "handoffs_from", "handoffs_to", "length", "load",
    "local_now", "local_today", "mask", "members", "one_of", "outbox_messages",
    "public_blueprint", "queue_message", "rate_limit", "require", "settings",
    "tenant_foreign_key", "user_names", "utcnow", "validate",
]

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
ALL_ROLES = STATION_ROLES + COUNTY_ROLES


# -- what a plugin declares ----------------------------------------------------------------

@dataclass(frozen=True)
class Permission:
    """A permission ``<key>.<what>`` and the roles that hold it by default."""

    key: str
    label: Any
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Period:
    """A span of days, ``start`` included and ``end`` excluded."""

    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        days = calendar.monthrange(year, month)[1]
        start = date(year, month, 1)
        return cls(start, start + timedelta(days=days))

    @classmethod
    def parse(cls, text: str | None, today: date | None = None) -> Period:
        """``YYYY-MM`` (a month) or ``YYYY`` (a year); the current month otherwise."""
        today = today or local_today()
        text = (text or "").strip()
        if re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", text):
            return cls.month(int(text[:4]), int(text[5:]))
        if re.fullmatch(r"20\d\d", text):
            return cls(date(int(text), 1, 1), date(int(text) + 1, 1, 1))
        return cls.month(today.year, today.month)

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.start.month == 1 and self.end == date(
            self.start.year + 1, 1, 1
        ):
            return f"{self.start.year}"
        return self.start.strftime("%Y-%m")

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class Metric:
    """A figure for the county dashboard.

    ``compute(period)`` runs inside one station's context and returns a number (or None
    when there is nothing to measure, e.g. a share of zero cases).
    """

    key: str
    label: Any
    unit: Any
    compute: Callable[[Period], float | int | None]
    description: Any = ""


@dataclass(frozen=True)
class Job:
    """A recurring job: ``func()`` runs in the context of each station that has the
    module on, on the ``cron`` schedule (minute hour day month weekday)."""

    key: str
    func: Callable[[], Any]
    cron: str
    label: Any = ""


@dataclass(frozen=True)
class Handoff:
    """Something one module hands to another: what it is, and where it came from."""

    source_plugin: str
    object_type: str
    object_id: int
    title: str
    summary: str = ""
    # Personal data ({"name": ..., "phone": ...}): it stays in the station, the receiving
    # module masks it by default as the sender does, and the handoff is audited.
    people: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """What the receiving module made of a handoff."""

    object_type: str
    object_id: int
    label: str


@dataclass(frozen=True)
class HandoffTarget:
    """A kind of thing a module can open from another module's item, e.g.
    ``mediation.case``: "open this concern as a mediation case"."""

    key: str
    label: Any
    receive: Callable[[Handoff], Receipt]
    permission: str


@dataclass
class Plugin:
    """One station module. Only ``key``, names and ``version`` are required."""

    key: str
    name_zh: str
    name_en: str
    version: str
    description_zh: str = ""
    description_en: str = ""
    blueprint: Blueprint | None = None
    api_blueprint: Blueprint | None = None
    # Pages for residents and visitors, open without an account (see public_blueprint).
    public_blueprint: Blueprint | None = None
    models: tuple[type, ...] = ()
    settings: type[Schema] | None = None
    permissions: tuple[Permission, ...] = ()
    navigation: tuple[NavEntry, ...] = ()
    metrics: tuple[Metric, ...] = ()
    jobs: tuple[Job, ...] = ()
    demo_data: Callable[[Station], dict[str, int]] | None = None
    requires: tuple[str, ...] = ()
    handoff_targets: tuple[HandoffTarget, ...] = ()
    # (object_type, object_id) -> the page of that object, for handoff links.
    object_url: Callable[[str, int], str | None] | None = None
    # The HTML of a card for the station's home page (its own template, rendered), or None.
    home_card: Callable[[], Any] | None = None
    package: str = field(default="", compare=False)  # set by the host

    @property
    def name(self) -> str:
        return self.name_zh if str(get_locale()) == "zh" else self.name_en

    @property
    def description(self) -> str:
        zh = str(get_locale()) == "zh"
        return (self.description_zh if zh else self.description_en) or self.description_en

    def default_settings(self) -> dict:
        return self.settings().load({}) if self.settings else {}


# -- what a plugin uses --------------------------------------------------------------------

def blueprint(key: str, import_name: str, **kwargs) -> Blueprint:
    """The module's pages, under ``/s/<station>/<key>/``, in the station's context."""
    return station_blueprint(
        f"plugin_{key}", import_name, url_prefix=f"/{key}", template_folder="templates", **kwargs
    )


def api_blueprint(key: str, import_name: str, **kwargs) -> Blueprint:
    """The module's JSON API, under ``/api/v1/s/<station>/<key>/``."""
    return station_blueprint(f"plugin_{key}_api", import_name, url_prefix=f"/{key}",
                             api=True, **kwargs)


def public_blueprint(key: str, import_name: str, **kwargs) -> Blueprint:
    """The module's pages open to anyone, without signing in, under
    ``/p/<station>/<key>/`` (a booking page, a lost-and-found search).

    Views run in the station's context with no role: ``can()`` is always False there, and
    the station's rows are all a query can reach. Templates extend ``public_base.html``.
    Such a page must show nothing personal of anyone, and should guard what it accepts
    with :func:`rate_limit`. The module gate applies: off for the station means 404.
    """
    return public_station_blueprint(f"plugin_{key}_public", import_name, url_prefix=f"/{key}",
                                    template_folder="templates", **kwargs)


def local_now() -> datetime:
    """The county's wall-clock time (naive), in ``FENGQIAO_TIMEZONE``, not the server's:
    a server on UTC would otherwise still be on yesterday until 08:00 in Beijing."""
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return datetime.now(ZoneInfo(zone)).replace(tzinfo=None)


def local_today() -> date:
    """Today where the county is (see :func:`local_now`)."""
    return local_now().date()


def day_arg(text: str | None) -> date | None:
    """The day a URL or form names as ``YYYY-MM-DD``, or None: only years 2000 to 2100, so
    a page can step a day or a week either side of it and still have a date."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else None


def current_station() -> Station:
    """The station a request, a job or ``demo_data`` works in."""
    station = g.get("station")
    if station is None or station.id != current_station_id():
        station = db.session.get(Station, current_station_id())
    return station


def current_role() -> str | None:
    """The role the user acts with in the current station (``platform_admin`` included)."""
    return g.get("role")


def settings(key: str) -> dict:
    """The current station's settings for module ``key``, defaults filled in."""
    from app.plugin_host import host

    return host().settings_for(key)


def audit_event(action: str, *, object_type: str, object_id, changes: dict | None = None):
    """Audit an act that is not a model change, in the current station's chain."""
    audit.record(action, station_id=g.station.id, object_type=object_type,
                 object_id=object_id, changes=changes)


def handoff_targets(exclude_plugin: str | None = None) -> list[HandoffTarget]:
    """The handoff targets of the modules this station has on that the user may use."""
    from app.plugin_host import host

    return host().handoff_targets(exclude_plugin)


def hand_off(target_key: str, handoff: Handoff):
    """Hand ``handoff`` to the module owning ``target_key``; returns the recorded link.

    Raises ``LookupError`` when the target is not installed, not on here or not allowed.
    The caller commits.
    """
    from app.handoffs import hand_off as _hand_off

    return _hand_off(target_key, handoff)


def handoffs_from(plugin_key: str, object_type: str, object_id: int) -> list:
    """Where this object was handed to (links for its page)."""
    from app.handoffs import links

    return links(source=(plugin_key, object_type, object_id))


def handoffs_to(plugin_key: str, object_type: str, object_id: int) -> list:
    """Where this object came from (links for its page)."""
    from app.handoffs import links

    return links(target=(plugin_key, object_type, object_id))


def members(station: Station | None = None) -> list[tuple[int, str]]:
    """``(user_id, name)`` of the station's active members (the current station by
    default), for "owner" or "host" pickers."""
    from app.users import Membership, User

    station = station or g.station
    rows = db.session.execute(
        db.select(User.id, User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.station_id == station.id, Membership.active.is_(True),
               User.active.is_(True))
        .order_by(User.full_name)
    ).all()
    return [(uid, name) for uid, name in rows]


def user_names(ids) -> dict[int, str]:
    """Full names of users by id (staff names are not masked inside their own station)."""
    from app.users import User

    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = db.session.execute(db.select(User.id, User.full_name).where(User.id.in_(ids)))
    return dict(rows.all())

