"""Words for what the audit log stores, in the reader's language: the kinds of object
(tables), their fields, and the values (yes/no, local times, people, codes).

A model names itself with ``__label__`` and its fields with ``__labels__`` (fields every
table has, such as ``created_at``, take the common words below); ``__value_labels__``
maps a field's stored codes to words. Actions and object kinds that are not tables (a
route sheet, an export) are labelled by the module that records them
(``Plugin.audit_labels``) or here, for the core's.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import format_datetime, gettext
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
    "hour": _l("Hour"),
    "add": _l("Added"),
    "page": _l("Page"),
}

# Words for values that events (not models) carry.
EVENT_VALUES = {
    "print": _l("printing"),
    "assignee": _l("the person assigned"),
}

# Object kinds of the core that are not a table of their own.
CORE_OBJECTS: dict[str, object] = {}

_extra_labels: dict[str, object] = {}


def register(labels: dict[str, object]) -> None:
    """Labels for a module's audit actions and non-table object kinds (the host calls it)."""
    _extra_labels.update(labels)


def extra_object_types() -> list[str]:
    """Registered keys that name object kinds (``backpack_route_sheet``), not actions."""
    return [k for k in [*_extra_labels, *CORE_OBJECTS] if "." not in k]


def extra_label(key: str) -> str | None:
    label = _extra_labels.get(key) or CORE_OBJECTS.get(key)
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


def describe(event, people: dict[int, str]) -> list[Change]:
    """The event's changes in words: each field's label, and its values as a person reads
    them (是/否, the county's local time, a person's name, a code's word)."""
    if not event.changes:
        return []
    model = model_for(event.object_type)
    out = []
    for name, value in event.changes.items():
        label = field_label(event.object_type, name)
        if isinstance(value, list | tuple) and len(value) == 2 and name not in (
                "fields", "personal_data", "requests"):
            out.append(Change(label, _value(model, name, value[0], people),
                              _value(model, name, value[1], people)))
        elif name in ("fields", "personal_data") and isinstance(value, list | tuple):
            out.append(Change(label, None, "、".join(
                field_label(event.object_type, f) for f in value), single=True))
        else:
            out.append(Change(label, None, _value(model, name, value, people), single=True))
    return out


def _value(model, name: str, value, people: dict[int, str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    codes = (getattr(model, "__value_labels__", {}) or {}).get(name) if model else None
    if codes and str(value) in codes:
        return str(codes[str(value)])
    if model is not None and _is_person(model, name) and str(value).isdigit():
        return people.get(int(value), f"#{value}")
    if model is not None and _is_datetime(model, name) and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, str) and value in EVENT_VALUES:
        return str(EVENT_VALUES[value])
    return str(value)


def _column(model, name: str):
    return model.__table__.columns.get(name)


def _is_datetime(model, name: str) -> bool:
    column = _column(model, name)
    return column is not None and isinstance(column.type, DateTime)


def _is_person(model, name: str) -> bool:
    column = _column(model, name)
    return column is not None and any(
        fk.column.table.name == "user_account" for fk in column.foreign_keys)


def people_of(events) -> dict[int, str]:
    """Names of the staff the events' person fields point at, in one query."""
    from app.users import User

    ids = set()
    for event in events:
        model = model_for(event.object_type)
        for name, value in (event.changes or {}).items():
            if model is None or not _is_person(model, name):
                continue
            for v in value if isinstance(value, list | tuple) else (value,):
                if isinstance(v, int | str) and str(v).isdigit():
                    ids.add(int(v))
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name)
                                   .where(User.id.in_(ids))).all())


def object_choices(object_types) -> list[tuple[str, str]]:
    """``(object_type, label)`` for the viewer's filter, sorted by label."""
    return sorted(((t, object_label(t)) for t in object_types if t), key=lambda p: p[1])
