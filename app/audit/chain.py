"""Appending to and verifying the audit hash chains.

Each row stores the hash of its predecessor in the same chain and a keyed hash (HMAC)
over its own canonical content, its id and sequence number among it, so an edited row
breaks its own hash and a removed row breaks the sequence or its successor's link. The
key is not in the database (``FENGQIAO_AUDIT_KEYS``; each row names its key's id, so
keys can be rotated): whoever can write to the database cannot recompute a link. The
chain head (``audit_chain``) catches removal of the newest rows, and the heads published
outside the database (:mod:`app.audit.heads`) catch a head moved back or a chain dropped.

On PostgreSQL the app's role writes rows only through the owner's functions: it reserves
the next link, then writes the row, and the head moves only to that row.
"""

import getpass
import hashlib
import hmac
import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, g, has_request_context, request
from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.dialects import sqlite

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

_KEYED = (
    "id", "chain", "seq", "prev_hash", "created_at", "station_id", "county_id", "actor_id",
    "actor_name", "action", "object_type", "object_id", "changes", "ip", "request_id",
    "key_id",
)


def chain_key(station_id: int | None, county_id: int | None) -> str:
    if station_id is not None:
        return f"station:{station_id}"
    if county_id is not None:
        return f"county:{county_id}"
    return "platform"


def row_hash(row, keys: dict[str, bytes]) -> str | None:
    """The keyed hash ``row`` must carry; None when its key is not among ``keys``. (Rows
    from before keyed links were re-linked with the key by migration 0007.)"""
    key = keys.get(row["key_id"])
    if key is None:
        return None
    return hmac.new(key, _payload(row, _KEYED), hashlib.sha256).hexdigest()


def _payload(row, names) -> bytes:
    content = {name: _canonical(row[name]) for name in names}
    return json.dumps(content, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def signing_key() -> tuple[str, bytes]:
    """The id and secret of the key that signs new rows (the first configured)."""
    return next(iter(current_app.config["AUDIT_KEYS"].items()))


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
    row = {
        "chain": key,
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
    row["key_id"], secret = signing_key()
    if connection.dialect.name == "postgresql":
        _append_through_functions(connection, row, secret)
    else:
        _append_in_place(connection, row, secret)


def _append_through_functions(connection: Connection, row: dict, secret: bytes) -> None:
    # Reserving locks the head's row until the transaction ends: two writers of one
    # chain go one after the other and never fork it.
    reserved = connection.execute(
        text("SELECT id, seq, prev_hash FROM fengqiao_audit_next(:chain)"),
        {"chain": row["chain"]}).one()
    row.update(id=reserved.id, seq=reserved.seq, prev_hash=reserved.prev_hash)
    row["hash"] = row_hash(row, {row["key_id"]: secret})
    connection.execute(
        text("SELECT fengqiao_audit_write(:id, :chain, :seq, :prev_hash, :created_at, "
             ":station_id, :county_id, :actor_id, :actor_name, :action, :object_type, "
             ":object_id, CAST(:changes AS json), :ip, :request_id, :key_id, :hash)"),
        {**row, "changes": None if row["changes"] is None else json.dumps(row["changes"])})


def _append_in_place(connection: Connection, row: dict, secret: bytes) -> None:
    # SQLite has one writer at a time and no roles: the same steps as plain statements.
    row["seq"], row["prev_hash"] = _advance(connection, row["chain"])
    row["id"] = (connection.scalar(select(func.max(_events.c.id))) or 0) + 1
    row["hash"] = row_hash(row, {row["key_id"]: secret})
    connection.execute(insert(_events).values(**row))
    connection.execute(update(_chains).where(_chains.c.key == row["chain"])
                       .values(head_hash=row["hash"]))


def _advance(connection: Connection, key: str) -> tuple[int, str]:
    bump = (
        update(_chains)
        .where(_chains.c.key == key)
        .values(seq=_chains.c.seq + 1)
        .returning(_chains.c.seq, _chains.c.head_hash)
    )
    row = connection.execute(bump).first()
    if row is None:
        connection.execute(
            sqlite.insert(_chains).values(key=key, seq=0, head_hash=GENESIS)
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


def verify(connection: Connection, only_chain: str | None = None,
           published: dict[str, tuple[int, str]] | None = None) -> Verification:
    """Check every chain (or one) with the configured keys; report the first bad row of
    each broken chain. ``published`` (chain: (seq, hash), from :mod:`app.audit.heads`)
    are heads seen outside the database: each chain must still hold that row, unchanged,
    so a tail cut off with its head moved back, or a whole chain dropped, is found."""
    keys = current_app.config["AUDIT_KEYS"]
    heads = {r.key: r for r in connection.execute(select(_chains))}
    # Every station and county has written at least its own creation: its chain must exist.
    expected = {chain_key(s, None) for s in connection.scalars(select(Station.id))}
    expected |= {chain_key(None, c) for c in connection.scalars(select(Station.county_id))}
    expected |= set(published or ())
    keys_seen = set(heads) | expected | set(connection.scalars(select(_events.c.chain).distinct()))
    if only_chain:
        keys_seen &= {only_chain}
    result = Verification()
    for key in sorted(keys_seen):
        result.chains += 1
        problem = _verify_chain(connection, key, heads.get(key), result, keys,
                                (published or {}).get(key))
        if problem:
            result.problems.append(f"{key}: {problem}")
    return result


def _verify_chain(connection: Connection, key: str, head, result: Verification,
                  keys: dict[str, bytes], published: tuple[int, str] | None) -> str | None:
    rows = connection.execute(
        select(_events).where(_events.c.chain == key).order_by(_events.c.seq)
    ).mappings()
    expected_seq, prev, count = 1, GENESIS, 0
    for row in rows:
        result.rows += 1
        count += 1
        where = f"row id={row['id']} (seq {row['seq']})"
        if row["seq"] != expected_seq:
            return f"{where}: sequence jumps from {expected_seq - 1}; a row was removed before it"
        if row["prev_hash"] != prev:
            return f"{where}: link to the previous row is broken; a row before it was altered"
        wanted = row_hash(row, keys)
        if wanted is None:
            return f"{where}: signed with key {row['key_id']!r}, which is not configured"
        if not hmac.compare_digest(wanted, row["hash"]):
            return f"{where}: content does not match its hash; the row was edited or forged"
        if published and row["seq"] == published[0] and row["hash"] != published[1]:
            return f"{where}: differs from the published head; the chain was rewritten"
        expected_seq, prev = expected_seq + 1, row["hash"]
    if published and expected_seq - 1 < published[0]:
        return (f"the last row is seq {expected_seq - 1} but seq {published[0]} was "
                "published; the newest rows were removed" if count else
                f"the whole chain is missing, though seq {published[0]} was published")
    if head is None:
        return "chain head is missing" if count else "the whole chain is missing"
    if head.seq != expected_seq - 1 or head.head_hash != prev:
        return (
            f"chain head says seq {head.seq} but the last row is seq {expected_seq - 1}; "
            "the newest rows were removed"
        )
    return None
