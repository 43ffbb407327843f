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
import os
import re
from concurrent.futures import ProcessPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from json.encoder import c_make_encoder, encode_basestring
from json.scanner import make_scanner
from operator import call

from flask import current_app, g, has_request_context, request
from sqlalchemy import Connection, Text, cast, create_engine, func, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.pool import NullPool

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
    """The keyed hash ``row`` (a mapping) must carry; None when its key is not among
    ``keys``. (Rows from before keyed links were re-linked with the key by migration 0007.)"""
    key = keys.get(row["key_id"])
    if key is None:
        return None
    return hmac.new(key, _payload([row[name] for name in _ORDER]), hashlib.sha256).hexdigest()


def signing_key() -> tuple[str, bytes]:
    """The id and secret of the key that signs new rows (the first configured)."""
    return next(iter(current_app.config["AUDIT_KEYS"].items()))


def _canonical(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


# The canonical content of a row, which its hash is over: the JSON of the keyed columns
# with every datetime as its ISO text, keys sorted, compact, unescaped unicode, i.e.
#     json.dumps({name: _canonical(row[name]) for name in _KEYED}, sort_keys=True,
#                ensure_ascii=False, separators=(",", ":"))
# The top level's keys are fixed, so it is a template filled with each value's own JSON;
# every chain ever written depends on these bytes (tests hold them to json.dumps).
_ORDER = tuple(sorted(_KEYED))
_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in _ORDER) + "}"
# Nested values (``changes``): the C encoder json.dumps ends in, made once rather than per
# call (None where Python has no C accelerator). No circular check: the values come from
# the app's own dicts or from JSON, and a cycle could not be stored anyway.
_nested = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_encoder = c_make_encoder and c_make_encoder(
    None, _nested.default, encode_basestring, None, ":", ",", True, False, True)


def _json(value) -> str:
    """``value`` as json.dumps with the options above writes it."""
    return "".join(_encoder(value, 0)) if _encoder else _nested.encode(value)


def _json_of_any(value) -> str:
    return _json(_canonical(value))


def _json_of_datetime(value: datetime) -> str:
    return encode_basestring(value.isoformat(timespec="microseconds"))


def _json_of_none(_value) -> str:
    return "null"


# Exact types only: a subclass (bool is an int) goes the general way, as json.dumps would.
_JSON_OF = {str: encode_basestring, int: int.__repr__, type(None): _json_of_none,
            datetime: _json_of_datetime, dict: _json, list: _json}


def _payload(values) -> bytes:
    """The canonical content of a row from its keyed values in ``_ORDER``. The one
    serialisation both appending and verifying use; each value goes to its type's encoder
    through ``map`` rather than a Python loop, for speed: verify runs it on every row."""
    encoders = map(_JSON_OF.get, map(type, values), repeat(_json_of_any))
    return (_TEMPLATE % tuple(map(call, encoders, values))).encode()


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


_NEXT = text("SELECT id, seq, prev_hash FROM fengqiao_audit_next(:chain)")
_WRITE = text("SELECT fengqiao_audit_write(:id, :chain, :seq, :prev_hash, :created_at, "
              ":station_id, :county_id, :actor_id, :actor_name, :action, :object_type, "
              ":object_id, CAST(:changes AS json), :ip, :request_id, :key_id, :hash)")


def _append_through_functions(connection: Connection, row: dict, secret: bytes) -> None:
    # Reserving locks the head's row until the transaction ends: two writers of one
    # chain go one after the other and never fork it.
    reserved = connection.execute(_NEXT, {"chain": row["chain"]}).one()
    row.update(id=reserved.id, seq=reserved.seq, prev_hash=reserved.prev_hash)
    row["hash"] = row_hash(row, {row["key_id"]: secret})
    connection.execute(
        _WRITE,
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
           published: dict[str, tuple[int, str]] | None = None,
           workers: int = 1) -> Verification:
    """Check every chain (or one) with the configured keys; report the first bad row of
    each broken chain. ``published`` (chain: (seq, hash), from :mod:`app.audit.heads`)
    are heads seen outside the database: each chain must still hold that row, unchanged,
    so a tail cut off with its head moved back, or a whole chain dropped, is found.

    With ``workers`` above one, on PostgreSQL inside a REPEATABLE READ transaction, the
    chains are checked by that many processes at once, all reading ``connection``'s
    snapshot; otherwise one after the other on ``connection``."""
    keys = current_app.config["AUDIT_KEYS"]
    published = published or {}
    heads = {r.key: (r.seq, r.head_hash) for r in connection.execute(select(_chains))}
    # Every station and county has written at least its own creation: its chain must exist.
    expected = {chain_key(s, None) for s in connection.scalars(select(Station.id))}
    expected |= {chain_key(None, c) for c in connection.scalars(select(Station.county_id))}
    expected |= set(published)
    keys_seen = set(heads) | expected | set(connection.scalars(select(_events.c.chain).distinct()))
    if only_chain:
        keys_seen &= {only_chain}
    chains = [(key, heads.get(key), published.get(key)) for key in sorted(keys_seen)]
    workers = min(workers, len(chains))
    if workers > 1 and _snapshot_holds(connection):
        outcomes = _verify_in_parallel(connection, chains, keys, workers)
    else:
        outcomes = [_verify_chain(connection, *chain, keys) for chain in chains]
    result = Verification(chains=len(chains))
    for (key, _head, _published), (rows, problem) in zip(chains, outcomes, strict=True):
        result.rows += rows
        if problem:
            result.problems.append(f"{key}: {problem}")
    return result


class CheckNotRun(RuntimeError):
    """A parallel check could not run to its end: no chain was found good or bad."""


# A node's CPUs can be many more than the pod's quota; more processes than this gain little
# (the longest chain sets the pace) and each holds a connection.
MAX_DEFAULT_WORKERS = 4


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _snapshot_holds(connection: Connection) -> bool:
    """Whether other connections can be given this transaction's very snapshot."""
    if connection.dialect.name != "postgresql":
        return False
    level = connection.exec_driver_sql("SHOW transaction_isolation").scalar()
    return level in ("repeatable read", "serializable")


def _verify_in_parallel(connection: Connection, chains: list, keys: dict[str, bytes],
                        workers: int) -> list[tuple[int, str | None]]:
    """``_verify_chain`` of every chain, in ``workers`` processes with one connection
    each (from the engine's URL), all in ``connection``'s snapshot: rows committed
    meanwhile are seen by none, as if one connection read them all. The chains are shared
    out by their heads' length, longest first to the least loaded, so the processes finish
    about together."""
    def length(index: int) -> int:  # its head's seq: about how many rows the chain has
        head = chains[index][1]
        return head[0] if head else 0

    groups, loads = [[] for _ in range(workers)], [0] * workers
    for index in sorted(range(len(chains)), key=length, reverse=True):
        lightest = loads.index(min(loads))
        groups[lightest].append(index)
        loads[lightest] += length(index) + 1
    url = connection.engine.url
    try:
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        with ProcessPoolExecutor(workers) as pool:
            done = [pool.submit(_verify_group, url, snapshot, [chains[i] for i in group],
                                keys) for group in groups]
            outcomes = {}
            for group, future in zip(groups, done, strict=True):
                outcomes.update(zip(group, future.result(), strict=True))
    except Exception as exc:  # a worker could not connect, or died: nothing was judged
        raise CheckNotRun(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) \
            from exc
    return [outcomes[i] for i in range(len(chains))]


def _verify_group(url, snapshot: str, chains: list,
                  keys: dict[str, bytes]) -> list[tuple[int, str | None]]:
    """In a worker process: ``_verify_chain`` of each of ``chains`` on a connection of
    its own that imports ``snapshot``."""
    if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    # A worker that cannot connect fails fast: the command then says the check did not run.
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            # On the driver's connection: it must be the transaction's first statement, and
            # a statement through SQLAlchemy is preceded by the row-security settings.
            conn.connection.driver_connection.execute(
                f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return [_verify_chain(conn, *chain, keys) for chain in chains]
    finally:
        engine.dispose()


# What verify reads of a row: the keyed columns in ``_ORDER`` (the payload), then the hash.
# ``changes`` comes as its text, parsed by ``_json_loads``: the drivers' JSON loaders call
# json.loads, whose Python layers (encoding detection, whitespace) cost more than parsing.
_READ = [cast(_events.c.changes, Text) if name == "changes" else _events.c[name]
         for name in _ORDER] + [_events.c.hash]
_ID, _SEQ, _PREV, _KEY_ID, _CHANGES = (
    _ORDER.index(n) for n in ("id", "seq", "prev_hash", "key_id", "changes"))
_scan = make_scanner(json.JSONDecoder())  # the scanner json.loads itself ends in


def _json_loads(text: str):
    """json.loads(text), straight to its scanner when the value spans the whole text (as
    the JSON the app writes does); anything else, e.g. around whitespace, goes the long way."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        end = None
    return value if end == len(text) else json.loads(text)


def _verify_chain(connection: Connection, key: str, head: tuple[int, str] | None,
                  published: tuple[int, str] | None,
                  keys: dict[str, bytes]) -> tuple[int, str | None]:
    """(rows read, the first problem of chain ``key`` or None)."""
    # Each key's HMAC with its secret already taken in: a copy per row skips that work.
    hmacs = {key_id: hmac.new(secret, digestmod=hashlib.sha256)
             for key_id, secret in keys.items()}
    query = select(*_READ).where(_events.c.chain == key).order_by(_events.c.seq)
    expected_seq, prev, count = 1, GENESIS, 0
    # Streamed (a server-side cursor on PostgreSQL), as plain rows: no ORM objects.
    with connection.execution_options(yield_per=5000).execute(query) as rows:
        for count, (*values, stored) in enumerate(rows, 1):
            if values[_CHANGES] is not None:
                values[_CHANGES] = _json_loads(values[_CHANGES])
            seq = values[_SEQ]
            if seq != expected_seq:
                return count, (f"{_where(values)}: sequence jumps from {expected_seq - 1}; "
                               "a row was removed before it")
            if values[_PREV] != prev:
                return count, (f"{_where(values)}: link to the previous row is broken; "
                               "a row before it was altered")
            keyed = hmacs.get(values[_KEY_ID])
            if keyed is None:
                return count, (f"{_where(values)}: signed with key {values[_KEY_ID]!r}, "
                               "which is not configured")
            keyed = keyed.copy()
            keyed.update(_payload(values))
            if not hmac.compare_digest(keyed.hexdigest(), stored):
                return count, (f"{_where(values)}: content does not match its hash; the row "
                               "was edited or forged")
            if published and seq == published[0] and stored != published[1]:
                return count, (f"{_where(values)}: differs from the published head; the "
                               "chain was rewritten")
            expected_seq, prev = expected_seq + 1, stored
    if published and expected_seq - 1 < published[0]:
        return count, (f"the last row is seq {expected_seq - 1} but seq {published[0]} was "
                       "published; the newest rows were removed" if count else
                       f"the whole chain is missing, though seq {published[0]} was published")
    if head is None:
        return count, "chain head is missing" if count else "the whole chain is missing"
    if head != (expected_seq - 1, prev):
        return count, (f"chain head says seq {head[0]} but the last row is seq "
                       f"{expected_seq - 1}; the newest rows were removed")
    return count, None


def _where(values) -> str:
    return f"row id={values[_ID]} (seq {values[_SEQ]})"
