"""An audit chain that a database writer cannot rewrite.

The attacker here has write access to the database (the owner's rights, past every
grant) and knows how the chain is hashed, but not the audit key, which is never in the
database. Each attack got through when the links were plain SHA-256; each fails now.
"""

import hashlib
import json

import pytest
from sqlalchemy import func, select, text

from app.audit import heads, verify
from app.audit.chain import _KEYED, _canonical, append
from app.audit.models import AuditChain, AuditEvent
from app.extensions import db
from tests.conftest import PG


def _sha(row) -> str:
    """The link as an attacker without the key would recompute it."""
    content = {name: _canonical(row[name]) for name in _KEYED}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def _rows(conn, chain):
    return [dict(r) for r in conn.execute(
        select(AuditEvent.__table__).where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq)).mappings()]


def _rewrite(conn, chain, rows):
    """Write ``rows`` back with every link recomputed, and move the head to the last."""
    prev = "0" * 64
    for row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = _sha(row)
        conn.execute(AuditEvent.__table__.update().where(AuditEvent.id == row["id"])
                     .values(**{k: v for k, v in row.items() if k != "id"}))
    conn.execute(AuditChain.__table__.update().where(AuditChain.key == chain)
                 .values(seq=rows[-1]["seq"] if rows else 0, head_hash=prev))


def _check(owner_app, published=None):
    with owner_app.app_context(), db.engine.connect() as conn:
        return verify(conn, published=published)


@pytest.fixture
def chain(demo):
    return f"station:{demo.station('qingshi').id}"


def test_an_untouched_log_verifies_against_its_published_heads(owner_app, demo):
    with owner_app.app_context():
        path = heads.publish()
        published = heads.load(path)
    assert published and _check(owner_app, published).ok


def test_a_row_rewritten_with_its_successors_recomputed_is_caught(owner_app, owner_engine,
                                                                   chain):
    with owner_engine.begin() as conn:
        rows = _rows(conn, chain)
        rows[len(rows) // 2]["actor_name"] = "someone-else"
        _rewrite(conn, chain, rows)
    result = _check(owner_app)
    assert not result.ok and "edited or forged" in " ".join(result.problems)


def test_rows_forged_as_unkeyed_old_ones_are_caught(owner_app, owner_engine, chain):
    with owner_engine.begin() as conn:
        rows = _rows(conn, chain)
        for row in rows:
            row["key_id"] = None  # as if written before keyed links
        _rewrite(conn, chain, rows)
    result = _check(owner_app)
    assert not result.ok and "not configured" in " ".join(result.problems)


def test_a_tail_cut_off_with_its_head_moved_back_is_caught_by_the_published_heads(
        owner_app, owner_engine, chain):
    with owner_app.app_context():
        published = heads.load(heads.publish())
    with owner_engine.begin() as conn:
        rows = _rows(conn, chain)
        cut = rows[-3:]
        conn.execute(AuditEvent.__table__.delete().where(
            AuditEvent.id.in_([r["id"] for r in cut])))
        conn.execute(AuditChain.__table__.update().where(AuditChain.key == chain)
                     .values(seq=rows[-4]["seq"], head_hash=rows[-4]["hash"]))
    assert _check(owner_app).ok  # among themselves the rows left still hold...
    result = _check(owner_app, published)  # ...but not against what was published
    assert not result.ok and "newest rows were removed" in " ".join(result.problems)
    # The CLI reads the newest published document by itself.
    outcome = owner_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert outcome.exit_code == 1 and chain in outcome.output


def test_a_dropped_chain_is_caught_even_the_platforms(owner_app, owner_engine, browser):
    # An unknown account's failed sign-in is the platform's.
    browser.post("/auth/sign-in", {"username": "nobody-at-all", "password": "x"})
    with owner_app.app_context():
        published = heads.load(heads.publish())
    assert "platform" in published
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE chain = 'platform'"))
        conn.execute(text("DELETE FROM audit_chain WHERE key = 'platform'"))
    assert _check(owner_app).ok  # nothing in the database says it existed
    result = _check(owner_app, published)
    assert not result.ok and "platform: the whole chain is missing" in " ".join(result.problems)


def test_swapped_row_ids_are_caught(owner_app, owner_engine, chain):
    with owner_engine.begin() as conn:
        first, second = _rows(conn, chain)[1:3]
        table = AuditEvent.__table__
        conn.execute(table.update().where(table.c.id == first["id"]).values(id=-1))
        conn.execute(table.update().where(table.c.id == second["id"]).values(id=first["id"]))
        conn.execute(table.update().where(table.c.id == -1).values(id=second["id"]))
    result = _check(owner_app)
    assert not result.ok and "edited or forged" in " ".join(result.problems)


def test_an_event_appended_without_the_key_is_caught(owner_app, owner_engine, chain, app):
    with owner_engine.begin() as conn:
        rows = _rows(conn, chain)
        forged = {**rows[-1], "id": rows[-1]["id"] + 100000, "seq": rows[-1]["seq"] + 1,
                  "prev_hash": rows[-1]["hash"], "action": "auth.sign_in",
                  "actor_name": "intruder"}
        forged["hash"] = _sha(forged)
        conn.execute(AuditEvent.__table__.insert().values(**forged))
        conn.execute(AuditChain.__table__.update().where(AuditChain.key == chain)
                     .values(seq=forged["seq"], head_hash=forged["hash"]))
    result = _check(owner_app)
    assert not result.ok and f"row id={forged['id']}" in " ".join(result.problems)


def test_an_altered_heads_document_is_refused(owner_app, demo, tmp_path):
    with owner_app.app_context():
        doc = json.loads(heads.publish().read_text())
        key = next(iter(doc["chains"]))
        doc["chains"][key]["seq"] -= 1  # to hide a cut tail
        altered = tmp_path / "heads-altered.json"
        altered.write_text(json.dumps(doc))
        with pytest.raises(heads.BadHeads, match="signature"):
            heads.load(altered)
    outcome = owner_app.test_cli_runner().invoke(
        args=["audit", "verify", "--heads", str(altered)])
    assert outcome.exit_code == 1


def test_a_log_line_carries_the_published_heads(owner_app, demo):
    import logging

    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger, keep = logging.getLogger("fengqiao.audit"), Keep()
    logger.addHandler(keep)
    try:
        with owner_app.app_context():
            heads.publish()
    finally:
        logger.removeHandler(keep)
    doc = json.loads(lines[-1].partition("published ")[2])
    with owner_app.app_context():
        assert heads.read(doc)


pg_only = pytest.mark.skipif(not PG, reason="processes share a snapshot on PostgreSQL only")


def _check_in_snapshot(owner_app, workers):
    """As `fengqiao audit verify` checks: one REPEATABLE READ snapshot."""
    with owner_app.app_context(), db.engine.connect().execution_options(
            isolation_level="REPEATABLE READ") as conn, conn.begin():
        return verify(conn, workers=workers)


@pg_only
def test_several_processes_find_what_one_finds(owner_app, owner_engine, demo, chain):
    intact = _check_in_snapshot(owner_app, 1)
    assert intact.ok and intact.chains >= 4
    assert _check_in_snapshot(owner_app, 3) == intact
    other = f"station:{demo.station('dongling').id}"
    with owner_engine.begin() as conn:
        edited, removed = _rows(conn, chain)[2], _rows(conn, other)[3]
        conn.execute(AuditEvent.__table__.update().where(AuditEvent.id == edited["id"])
                     .values(actor_name="someone-else"))
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.id == removed["id"]))
    alone = _check_in_snapshot(owner_app, 1)
    assert len(alone.problems) == 2
    assert f"row id={edited['id']}" in " ".join(alone.problems)
    assert _check_in_snapshot(owner_app, 3) == alone


@pg_only
def test_rows_written_while_verifying_are_seen_by_no_process(owner_app, owner_engine, chain):
    with owner_app.app_context(), db.engine.connect().execution_options(
            isolation_level="REPEATABLE READ") as conn, conn.begin():
        before = conn.scalar(select(func.count()).select_from(AuditEvent))  # the snapshot
        with owner_engine.begin() as writer:  # committed while the check runs
            append(writer, action="auth.sign_in", station_id=int(chain.split(":")[1]))
        result = verify(conn, workers=2)
    assert result.ok, result.problems
    assert result.rows == before


def _unreachable(*args, **kwargs):
    """A worker process that cannot reach the database (at module level: it is pickled)."""
    raise OSError("connection refused\nmore")


def test_a_check_that_cannot_run_is_not_reported_as_tampering(owner_app, demo, monkeypatch):
    """Exit 1 means a broken chain; a parallel check that could not run (a worker without
    a connection) exits 2 and says why."""
    from app.audit import chain

    monkeypatch.setattr(chain, "_snapshot_holds", lambda connection: True)
    monkeypatch.setattr(chain, "_verify_group", _unreachable)
    monkeypatch.setattr(chain, "usable_cpus", lambda: 2)
    outcome = owner_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output
    if PG:  # the worker's own reason (SQLite has no snapshot to share: that is the reason)
        assert "connection refused" in outcome.output
