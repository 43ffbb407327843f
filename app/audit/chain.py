"""Appending to and verifying the audit hash chains.

Each row stores the SHA-256 of its predecessor in the same chain and a hash over its own
canonical content, so an edited row breaks its own hash and a removed row breaks the
sequence or its successor's link. The chain head (``audit_chain``) catches removal of the
newest rows.
"""

import getpass
import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.audit.models import GENESIS, AuditChain, AuditEvent
from app.extensions import db
from tenants.models import Station, utcnow

_events = AuditEvent.__table__
_chains = AuditChain.__table__

# Who acts outside a request (CLI, jobs): set by the command or job runner.
system_actor: ContextVar[str | None] = ContextVar("fengqiao_system_actor", default=None)


def act_as_cli() -> None:
    """What a command does from here on is audited as ``cli:<the system user>``."""
    system_actor.set(f"cli:{getpass.getuser()}")

_HASHED = (
    "chain", "seq", "prev_hash", "created_at", "station_id", "county_id", "actor_id",
    "actor_name", "action", "object_type", "object_id", "changes", "ip", "request_id",
)


def chain_key(station_id: int | None, county_id: int | None) -> str:
    if station_id is not None:
        return f"station:{station_id}"
    if county_id is not None:
        return f"county:{county_id}"
    return "platform"


def row_hash(row) -> str:
    content = {name: _canonical(row[name]) for name in _HASHED}
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _canonical(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def _actor() -> tuple[int | None, str | None, str | None, str | None]:
    """(actor id, actor name, ip, request id) of whoever is acting now."""
    if has_request_context():
        from flask_login import current_user

        user_id = name = None
        if current_user and current_user.is_authenticated:
            user_id, name = current_user.id, current_user.username
        return user_id, name, request.remote_addr, g.get("request_id")
    return None, system_actor.get(), None, None


def append(
    connection: Connection,
    *,
    action: str,
    station_id: int | None = None,
    county_id: int | None = None,
    object_type: str | None = None,
    object_id=None,
    changes: dict | None = None,
    actor: tuple[int | None, str | None] | None = None,
) -> None:
    """Write one audit row on ``connection``, inside the caller's transaction."""
    if station_id is not None and county_id is None:
        county_id = connection.scalar(select(Station.county_id).where(Station.id == station_id))
    actor_id, actor_name, ip, request_id = _actor()
    if actor is not None:
        actor_id, actor_name = actor
    key = chain_key(station_id, county_id)
    seq, prev_hash = _advance(connection, key)
    row = {
        "chain": key,
        "seq": seq,
        "prev_hash": prev_hash,
        "created_at": utcnow(),
        "station_id": station_id,
        "county_id": county_id,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "changes": changes,
        "ip": ip,
        "request_id": request_id,
    }
    row["hash"] = row_hash(row)
    connection.execute(insert(_events).values(**row))
    connection.execute(update(_chains).where(_chains.c.key == key).values(head_hash=row["hash"]))


def _advance(connection: Connection, key: str) -> tuple[int, str]:
    # The UPDATE takes the head row's lock before anything is read, so two transactions
    # appending to one chain run one after the other and never fork it.
    bump = (
        update(_chains)
        .where(_chains.c.key == key)
        .values(seq=_chains.c.seq + 1)
        .returning(_chains.c.seq, _chains.c.head_hash)
    )
    row = connection.execute(bump).first()
    if row is None:
        dialect = {"postgresql": postgresql, "sqlite": sqlite}[connection.dialect.name]
        connection.execute(
            dialect.insert(_chains)
            .values(key=key, seq=0, head_hash=GENESIS)
            .on_conflict_do_nothing()
        )
        row = connection.execute(bump).first()
    return row.seq, row.head_hash


def record(
    action: str,
    *,
    station_id: int | None = None,
    county_id: int | None = None,
    object_type: str | None = None,
    object_id=None,
    changes: dict | None = None,
    actor: tuple[int | None, str | None] | None = None,
) -> None:
    """Audit an act that is not a model change (sign-in, revealing personal data, ...).

    The row joins the session's transaction: it is committed with the caller's work.
    """
    append(
        db.session.connection(),
        action=action,
        station_id=station_id,
        county_id=county_id,
        object_type=object_type,
        object_id=object_id,
        changes=changes,
        actor=actor,
    )


@dataclass
class Verification:
    chains: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(connection: Connection, only_chain: str | None = None) -> Verification:
    """Check every chain (or one); report the first bad row of each broken chain."""
    heads = {r.key: r for r in connection.execute(select(_chains))}
    # Every station and county has written at least its own creation: its chain must exist.
    expected = {chain_key(s, None) for s in connection.scalars(select(Station.id))}
    expected |= {chain_key(None, c) for c in connection.scalars(select(Station.county_id))}
    keys = set(heads) | expected | set(connection.scalars(select(_events.c.chain).distinct()))
    if only_chain:
        keys &= {only_chain}
    result = Verification()
    for key in sorted(keys):
        result.chains += 1
        problem = _verify_chain(connection, key, heads.get(key), result)
        if problem:
            result.problems.append(f"{key}: {problem}")
    return result


def _verify_chain(connection: Connection, key: str, head, result: Verification) -> str | None:
    rows = connection.execute(
        select(_events).where(_events.c.chain == key).order_by(_events.c.seq)
    ).mappings()
    expected_seq, prev = 1, GENESIS
    for row in rows:
        result.rows += 1
        where = f"row id={row['id']} (seq {row['seq']})"
        if row["seq"] != expected_seq:
            return f"{where}: sequence jumps from {expected_seq - 1}; a row was removed before it"
        if row["prev_hash"] != prev:
            return f"{where}: link to the previous row is broken; a row before it was altered"
        if row_hash(row) != row["hash"]:
            return f"{where}: content does not match its hash; the row was edited"
        expected_seq, prev = expected_seq + 1, row["hash"]
    if head is None:
        return "chain head is missing" if result.rows else "the whole chain is missing"
    if head.seq != expected_seq - 1 or head.head_hash != prev:
        return (
            f"chain head says seq {head.seq} but the last row is seq {expected_seq - 1}; "
            "the newest rows were removed"
        )
    return None
