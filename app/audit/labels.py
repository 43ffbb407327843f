"""Words for what the audit log stores, in the reader's language: the kinds of object
(tables), their fields, and the values (yes/no, local times, people, codes).

A model names itself with ``__label__`` and its fields with ``__labels__`` (fields every
table has, such as ``created_at``, take the common words below); ``__value_labels__``
maps a field's stored codes to words, and ``__audit_words__`` says that a field holds a
module's key (``"module"``) or a handoff target's (``"handoff_target"``). References to
people, stations and counties are found from the foreign keys. Actions and object kinds
that are not tables (a route sheet, an export) are labelled by the module that records
them (``Plugin.audit_labels``).
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache

from flask_babel import format_datetime, get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, select

from app.extensions import db

# Fields many tables share; a model's own ``__labels__`` win over these.
COMMON_FIELDS = {
    "id": _l("Number"),
    "tenant_id": _l("Station"),
    "station_id": _l("Station"),
    "county_id": _l("County"),
    "created_at": _l("Created at"),
    "created_by": _l("Created by"),
    "updated_at": _l("Changed at"),
    "updated_by": _l("Changed by"),
    "author_id": _l("Written by"),
    "recorded_by": _l("Recorded by"),
    "user_id": _l("Staff member"),
    "officer_id": _l("Officer in charge"),
    "status": _l("Status"),
    "name": _l("Name"),
    "full_name": _l("Full name"),
    "phone": _l("Phone"),
    "title": _l("Title"),
    "notes": _l("Notes"),
    "note": _l("Note"),
    "kind": _l("Kind"),
    "day": _l("Day"),
    "active": _l("Active"),
    "village": _l("Village"),
    "reason": _l("Reason"),
    "version": _l("Version"),
    # What non-model events carry (a reveal, an export, a handoff).
    "fields": _l("Fields"),
    "for": _l("For"),
    "as": _l("As"),
    "rows": _l("Rows"),
    "filters": _l("Filters"),
    "target": _l("Handed to"),
    "personal_data": _l("Personal data"),
    "requests": _l("Requests"),
    "ids": _l("Records shown"),
    "hour": _l("Hour"),
    "add": _l("Added"),
    "page": _l("Page"),
}

# Words for values that events (not models) carry.
EVENT_VALUES = {
    "print": _l("printing"),
    "export": _l("an export"),
    "assignee": _l("the person assigned"),
}

_extra_labels: dict[str, object] = {}
_modules: dict[str, object] = {}  # installed modules by key: names, targets, settings


def register(plugin) -> None:
    """The host tells the log about each installed module it loads: the words for the
    module's audit actions and non-table object kinds, its name, its handoff targets and
    its settings' labels."""
    _modules[plugin.key] = plugin
    _extra_labels.update(plugin.audit_labels)


def extra_object_types() -> list[str]:
    """Registered keys that name object kinds (``backpack_route_sheet``), not actions."""
    return [k for k in _extra_labels if "." not in k]


def extra_label(key: str) -> str | None:
    label = _extra_labels.get(key)
    return str(label) if label is not None else None


@cache
def _models() -> dict[str, type]:
    return {m.local_table.name: m.class_ for m in db.Model.registry.mappers}


def model_for(object_type: str | None) -> type | None:
    return _models().get(object_type or "")


def object_label(object_type: str | None) -> str:
    """The kind of object, in words: 调解案件 for ``mediation_case``."""
    if not object_type:
        return ""
    model = model_for(object_type)
    label = getattr(model, "__label__", None) if model else None
    return str(label) if label is not None else (extra_label(object_type) or object_type)


def field_label(object_type: str | None, name: str) -> str:
    # A page of the log names the same few fields on every row: their words are looked up
    # once per language and field, not once per change.
    return _field_label(str(get_locale()), object_type, name)


@lru_cache(maxsize=4096)
def _field_label(locale: str, object_type: str | None, name: str) -> str:
    model = model_for(object_type)
    label = (getattr(model, "__labels__", {}) or {}).get(name) if model else None
    label = label or COMMON_FIELDS.get(name)
    return str(label) if label is not None else name


def unlabelled_fields(model) -> list[str]:
    """The columns of ``model`` with no words (a test keeps this empty)."""
    own = getattr(model, "__labels__", {}) or {}
    return [c.key for c in model.__table__.columns
            if c.key not in own and c.key not in COMMON_FIELDS]


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None
    single: bool = False  # a plain value (a reveal's fields), not a before → after pair


def describe(event, names: "Names") -> list[Change]:
    """The event's changes in words: each field's label, and its values as a person reads
    them (是/否, the county's local time, a person's or a station's name, a module's name, a
    code's word). An odd stored row reads as its text rather than breaking the page."""
    if not event.changes:
        return []
    try:
        return [_change(event, name, value, names) for name, value in event.changes.items()]
    except Exception:  # noqa: BLE001 - one odd old row must not take the log down
        return [Change(gettext("Changes"), None, str(event.changes), single=True)]


def _change(event, name: str, value, names: "Names") -> Change:
    model = model_for(event.object_type)
    label = field_label(event.object_type, name)
    if name in ("fields", "personal_data") and isinstance(value, list | tuple):
        return Change(label, None, "、".join(
            field_label(event.object_type, str(f)) for f in value), single=True)
    if isinstance(value, list | tuple) and len(value) == 2 and name not in EVENT_LISTS:
        before, after = value
        if isinstance(before, dict) and isinstance(after, dict):  # settings: what changed
            changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
            return Change(label, None, gettext("changed: %(what)s", what="、".join(
                _setting_label(k) for k in changed)), single=True)
        return Change(label, _value(model, name, before, names),
                      _value(model, name, after, names))
    return Change(label, None, _value(model, name, value, names), single=True)


def _value(model, name: str, value, names: "Names") -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    codes = (getattr(model, "__value_labels__", {}) or {}).get(name) if model else None
    if codes and str(value) in codes:
        return str(codes[str(value)])
    kind = _kind(model, name)
    if kind == "person" and str(value).isdigit():
        return names.people.get(int(value), f"#{value}")
    if kind in ("station", "county") and str(value).isdigit():
        return getattr(names, f"{kind}s").get(int(value), f"#{value}")
    ground = getattr(names, "ground", {})
    if kind in ground and str(value).isdigit():
        return ground[kind].get(int(value), f"#{value}")
    if kind in ("module", "handoff_target"):
        return _module_word(kind, str(value))
    if kind == "datetime" and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "、".join(_setting_label(k) for k in value)
    if isinstance(value, str) and value in EVENT_VALUES:
        return str(EVENT_VALUES[value])
    return str(value)


# Fields of events that are not model changes (a reveal, a handoff) that name people, and
# that hold lists (not a before/after pair, whatever their length).
EVENT_PEOPLE = {"officer_id", "user_id", "actor_id"}
EVENT_LISTS = {"requests", "ids", "fields", "personal_data"}
# The station's ground a record stands on, named in the log by its name, not its id.
GROUND_KINDS = {"ground_village": "village", "ground_grid": "grid", "ground_place": "place",
                "ground_force": "force"}


@lru_cache(maxsize=4096)
def _kind(model, name: str) -> str | None:
    """What a stored value refers to: a person, a station, a module, a time, or nothing."""
    words = (getattr(model, "__audit_words__", {}) or {}).get(name) if model else None
    if words:
        return words
    column = model.__table__.columns.get(name) if model is not None else None
    if column is None:
        return "person" if name in EVENT_PEOPLE else None
    targets = {fk.column.table.name for fk in column.foreign_keys}
    if "user_account" in targets:
        return "person"
    if "station" in targets:
        return "station"
    if "county" in targets:
        return "county"
    for table in targets & GROUND_KINDS.keys():
        return GROUND_KINDS[table]
    if isinstance(column.type, DateTime):
        return "datetime"
    return None


def _module_word(kind: str, key: str) -> str:
    if kind == "module":
        return _modules[key].name if key in _modules else key
    for plugin in _modules.values():  # a handoff target, e.g. mediation.case
        for target in plugin.handoff_targets:
            if target.key == key:
                return str(target.label)
    return key


def _setting_label(key: str) -> str:
    """A module setting's words, from whichever installed module's schema declares it."""
    for plugin in _modules.values():
        field_obj = plugin.settings().fields.get(key) if plugin.settings else None
        if field_obj is not None and "label" in field_obj.metadata:
            return str(field_obj.metadata["label"])
    return key


@dataclass(frozen=True)
class Names:
    """The names of the people, stations and counties a page of events refers to."""

    people: dict[int, str]
    stations: dict[int, str]
    counties: dict[int, str]
    ground: dict[str, dict[int, str]]  # villages, grids, places, forces by kind


def names_of(events) -> Names:
    """Names of the staff, stations and counties the events' fields point at, a query
    for each kind at most."""
    from app.ground.models import Force, Grid, KeyPlace, Village
    from app.users import User
    from tenants.models import County, Station

    ground = {"village": Village, "grid": Grid, "place": KeyPlace, "force": Force}
    wanted: dict[str, set[int]] = {"person": set(), "station": set(), "county": set(),
                                   **{kind: set() for kind in ground}}
    for event in events:
        model = model_for(event.object_type)
        for name, value in (event.changes or {}).items() if isinstance(event.changes,
                                                                         dict) else ():
            kind = _kind(model, name)
            if kind not in wanted:
                continue
            for v in value if isinstance(value, list | tuple) else (value,):
                if isinstance(v, int | str) and str(v).isdigit():
                    wanted[kind].add(int(v))
    def lookup(column_id, column_name, ids):
        return dict(db.session.execute(select(column_id, column_name).where(
            column_id.in_(ids))).all()) if ids else {}

    return Names(lookup(User.id, User.full_name, wanted["person"]),
                 lookup(Station.id, Station.name, wanted["station"]),
                 lookup(County.id, County.name, wanted["county"]),
                 {kind: lookup(model.id, model.name, wanted[kind])
                  for kind, model in ground.items()})


def object_choices(object_types) -> list[tuple[str, str]]:
    """``(object_type, label)`` for the viewer's filter, sorted by label."""
    return sorted(((t, object_label(t)) for t in object_types if t), key=lambda p: p[1])
