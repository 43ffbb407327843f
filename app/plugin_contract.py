"""What a station module declares: the shapes of the plugin contract.

The host reads these declarations and the façade (:mod:`app.plugin_api`) hands them to
modules; both import them from here, so neither imports the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint
from flask_babel import get_locale
from marshmallow import Schema

from app.periods import Period
from tenants.models import Station

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


@dataclass(frozen=True)
class Permission:
    """A permission ``<key>.<what>`` and the roles that hold it by default."""

    key: str
    label: Any
    roles: tuple[str, ...]


@dataclass(frozen=True)
class NavEntry:
    """An entry of the navigation: the page, its label (lazy, rendered in the request's
    language) and the permission that shows it."""

    endpoint: str
    label: Any
    permission: str


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
    village_id: int | None = None  # the station's village it happened in, when known
    # Personal data ({"name": ..., "phone": ...}): it stays in the station, the receiving
    # module masks it by default as the sender does, and the handoff is audited.
    people: tuple[dict, ...] = ()
    # The user id of the person in charge of the item at the source (a concern's owner),
    # who could already reveal its personal data there; None when no one is. The receiver
    # may put them in charge of what it opens (when its own rules allow them), never
    # whoever tapped the handoff merely because they tapped it.
    owner_id: int | None = None


@dataclass(frozen=True)
class Receipt:
    """What the receiving module made of a handoff."""

    object_type: str
    object_id: int
    label: str


@dataclass(frozen=True)
class HandoffTarget:
    """A kind of thing a module can open from another module's item, e.g.
    ``mediation.case``: "open this concern as a mediation case". An item is handed to
    the same target once."""

    key: str
    label: Any
    receive: Callable[[Handoff], Receipt]
    permission: str


@dataclass(frozen=True)
class VillageRecords:
    """Records of a module that stand in a village of the station's ground: counted per
    village (the county's comparison, 五无 villages) and listed on the village's page.

    ``query()`` returns a SELECT of the module's models with four labelled columns:
    ``village_id``, ``id``, ``title`` (a short text) and ``day`` (a date or time, for
    periods and order; may be NULL). ``endpoint`` is the page of one record, reached with
    ``{id_arg: id}``. ``key`` is ``<module>.<what>``.
    """

    key: str
    label: Any
    query: Callable[[], Any]
    endpoint: str
    id_arg: str


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
    # The records that stand in a village of the station's ground (see VillageRecords).
    village_records: tuple[VillageRecords, ...] = ()
    # (object_type, object_id) -> the page of that object, for handoff links.
    object_url: Callable[[str, int], str | None] | None = None
    # The HTML of a card for the station's home page (its own template, rendered), or None.
    home_card: Callable[[], Any] | None = None
    # Words for the audit log: the module's own actions (``<key>.export``) and the kinds
    # of object it audits that are not a table (``<key>_route_sheet``).
    audit_labels: dict[str, Any] = field(default_factory=dict)
    package: str = field(default="", compare=False)  # set by the host

    @property
    def name(self) -> str:
        return self.name_zh if str(get_locale()) == "zh" else self.name_en

    @property
    def description(self) -> str:
        zh = str(get_locale()) == "zh"
        return (self.description_zh if zh else self.description_en) or self.description_en

    @property
    def view_permission(self) -> str | None:
        """``<key>.view`` when the module declares it: who may read the module's pages
        (and its figures); None when it declares no such permission."""
        wanted = f"{self.key}.view"
        return wanted if any(p.key == wanted for p in self.permissions) else None

    def default_settings(self) -> dict:
        return self.settings().load({}) if self.settings else {}
