"""What a station module declares: the shapes of the plugin contract.

The host reads these declarations and the façade (:mod:`app.plugin_api`) hands them to
modules; both import them from here, so neither imports the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint
from flask_babel import get_locale
from marshmallow import Schema

from app.periods import Period
from tenants.context import current_station_id
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


Figure = float | int | None

# What a metric is, for comparing stations fairly (app.county.fairness): a count of
# things (compared per resident or per officer, with a Poisson interval), a rate of a
# numerator over a denominator (a percentage, with a Wilson interval), a median over a
# number of cases, or a sum of money (yuan).
COUNT, RATE, MEDIAN, MONEY = "count", "rate", "median", "money"
KINDS = (COUNT, RATE, MEDIAN, MONEY)
# Which way is better; None when neither is (cancellations, visitors).
HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Measure:
    """A station's figure with what it stands on: a rate's numerator and denominator,
    a median's number of cases (``denominator``)."""

    value: Figure
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class Metric:
    """A figure for the county dashboard, for one station and one period: a number, or
    None when there is nothing to measure (e.g. a share of zero cases).

    It is computed in one of two ways.

    ``by_station(period, stations)`` computes it for many stations at once: the county
    dashboard calls it once, in the county's context, for all the stations that have the
    module on, so the page reads as many statements for 40 stations as for two.
    ``stations`` maps the id of each station to measure to the module's settings there
    (defaults filled in). It reads their rows restricted to
    ``Model.tenant_id.in_(list(stations))`` and grouped (or split) by ``Model.tenant_id``
    (it also runs in one station's context, for ``compute``: it assumes neither one
    station nor the whole county), and returns a mapping with an entry for every one of
    them: the station's figure, or, when the metric has ``figure``, the station's data
    that ``figure(data)`` turns into its figure. Metrics that pass the same ``by_station``
    function share what it reads: it is called once for them all (e.g. a module's closed
    cases, read once for five figures).

    ``compute(period)`` runs inside one station's context and returns that station's
    figure (the form of earlier modules: the dashboard then enters each station in turn,
    several statements per station and metric). With ``by_station`` it may be left out:
    it is then ``by_station`` for the current station alone, with its settings, so the
    module's pages, its JSON API and the dashboard cannot disagree (the host fills it in
    when it installs the module, from :meth:`for_station`).

        Metric("mediation.criminal", _l("Turned criminal"), _l("cases"),
               by_station=closed_cases, figure=turned_criminal, better=LOWER)

    ``kind`` says what the figure is (:data:`COUNT`, :data:`RATE`, :data:`MEDIAN`,
    :data:`MONEY`) and ``better`` which way is better (:data:`HIGHER`, :data:`LOWER` or
    None). A rate declares ``parts(data) -> (numerator, denominator)`` instead of a
    ``figure``: its figure is the percentage, None when the denominator is 0. A median
    declares ``volume(data)``, how many cases it is the median of. With them the county
    compares stations fairly and marks those with too few cases to judge. ``drill(period)``
    names the module's list, filtered to the records the figure counts (a rate: its
    denominator's), so a figure opens them.

        Metric("mediation.rate", _l("Mediation rate"), "%", kind=RATE, better=HIGHER,
               by_station=closed_cases, parts=settled_of_closed)
    """

    key: str
    label: Any
    unit: Any
    compute: Callable[[Period], Figure] | None = None
    description: Any = ""
    by_station: Callable[[Period, Mapping[int, dict]], Mapping[int, Any]] | None = None
    figure: Callable[[Any], Figure] | None = None
    kind: str = COUNT
    better: str | None = None
    parts: Callable[[Any], tuple[int, int]] | None = None
    volume: Callable[[Any], int] | None = None
    # The records behind a station's figure: (endpoint of the module's list, its query
    # arguments) for ``period``; the county's pages link each figure there.
    drill: Callable[[Period], tuple[str, dict]] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TypeError(f"metric {self.key!r}: kind must be one of {', '.join(KINDS)}")
        if self.better not in (HIGHER, LOWER, None):
            raise TypeError(f"metric {self.key!r}: better must be {HIGHER!r}, {LOWER!r} or None")
        if self.by_station is None:
            if self.compute is None:
                raise TypeError(f"metric {self.key!r} needs compute or by_station")
            if self.figure is not None or self.parts is not None or self.volume is not None:
                raise TypeError(f"metric {self.key!r}: figure, parts and volume need by_station")
            if self.kind in (RATE, MEDIAN):
                raise TypeError(f"metric {self.key!r}: a {self.kind} needs by_station")
        if (self.kind == RATE) != (self.parts is not None) or \
                (self.kind == RATE and self.figure is not None):
            raise TypeError(f"metric {self.key!r}: a rate, and only a rate, declares parts "
                            "(its figure follows from them)")
        if (self.kind == MEDIAN) != (self.volume is not None):
            raise TypeError(f"metric {self.key!r}: a median, and only a median, declares volume")

    def for_station(self, period: Period, settings: dict) -> Figure:
        """The current station's figure from ``by_station``, given the module's
        ``settings`` there."""
        station_id = current_station_id()
        return self.figures(period, {station_id: settings})[station_id]

    @property
    def module(self) -> str:
        """The key of the module the metric belongs to (``<module>.<what>``)."""
        return self.key.partition(".")[0]

    def figures(self, period: Period, stations: Mapping[int, dict],
                read: Mapping[int, Any] | None = None) -> dict[int, Figure]:
        """The figure of each of ``stations`` (id -> the module's settings there) from
        ``by_station``; ``read`` is what it already answered for them, when another metric
        of the same ``by_station`` asked first."""
        return {station_id: m.value
                for station_id, m in self.measures(period, stations, read).items()}

    def measures(self, period: Period, stations: Mapping[int, dict],
                 read: Mapping[int, Any] | None = None) -> dict[int, Measure]:
        """Like :meth:`figures`, each figure with what it stands on (:class:`Measure`)."""
        if self.by_station is None:
            raise TypeError(f"metric {self.key!r} is computed one station at a time")
        data = self.by_station(period, stations) if read is None else read
        return {station_id: self.measure(data[station_id]) for station_id in stations}

    def measure(self, data: Any) -> Measure:
        """One station's :class:`Measure` from what ``by_station`` read for it."""
        if self.kind == RATE:
            numerator, denominator = self.parts(data)
            value = round(100 * numerator / denominator, 1) if denominator else None
            return Measure(value, numerator, denominator)
        value = self.figure(data) if self.figure else data
        if self.kind == MEDIAN:
            return Measure(value, None, self.volume(data))
        return Measure(value)


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
