"""Automatic audit of model changes: every INSERT, UPDATE and DELETE made through the ORM
becomes an audit row in the same flush, so no change exists without its record.

A model opts out with ``__audit__ = False``; ``__pii__`` maps columns to a mask kind
(their values are stored masked); ``__audit_redact__`` names columns whose values are
never stored (only the fact that they changed); ``__audit_ignore__`` names bookkeeping
columns left out of the record.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.audit.chain import append
from app.pii import mask
from tenants.context import current_scope
from tenants.scoping import TenantScoped

REDACTED = "[redacted]"


@event.listens_for(Session, "after_flush")
def _capture(session: Session, flush_context) -> None:
    # In after_flush the new/dirty/deleted sets and attribute histories still describe
    # this flush, and new rows already have their ids.
    changes = [("create", o) for o in session.new]
    changes += [("update", o) for o in session.dirty if session.is_modified(o)]
    changes += [("delete", o) for o in session.deleted]
    changes = [(action, o) for action, o in changes if getattr(o, "__audit__", True)]
    if not changes:
        return
    connection = session.connection()
    for action, obj in changes:
        diff = _diff(action, obj)
        if action == "update" and not diff:
            continue
        station_id, county_id = _scope_of(obj)
        mapper = inspect(obj).mapper
        append(
            connection,
            action=action,
            station_id=station_id,
            county_id=county_id,
            object_type=mapper.local_table.name,
            object_id=_identity(obj),
            changes=diff,
        )


def _scope_of(obj) -> tuple[int | None, int | None]:
    if hasattr(obj, "audit_scope"):
        return obj.audit_scope()
    if isinstance(obj, TenantScoped):
        return obj.tenant_id, None
    scope = current_scope()
    if scope is None:
        return None, None
    return scope.station_id, scope.county_id


def _identity(obj) -> str:
    # The identity key is only set once the flush completes; read the primary key itself.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in key if part is not None)


def _diff(action: str, obj) -> dict:
    state = inspect(obj)
    pii = getattr(obj, "__pii__", {})
    redact = getattr(obj, "__audit_redact__", set())
    ignore = getattr(obj, "__audit_ignore__", set())
    primary_key = {column.key for column in state.mapper.primary_key}
    diff = {}
    for attr in state.mapper.column_attrs:
        name = attr.key
        if name in ignore or name in primary_key:
            continue
        if action == "create":
            before, after = None, state.dict.get(name)
            if after is None:
                continue
        elif action == "delete":
            before, after = state.dict.get(name), None
            if before is None:
                continue
        else:
            history = state.attrs[name].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
        if name in redact:
            diff[name] = [None if before is None else REDACTED, None if after is None else REDACTED]
        elif name in pii:
            diff[name] = [mask(pii[name], before), mask(pii[name], after)]
        else:
            diff[name] = [_plain(before), _plain(after)]
    return diff


def _plain(value):
    """A JSON value that survives the round trip through the database unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):  # a JSON column (a module's settings): kept as JSON
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)
