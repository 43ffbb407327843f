"""The previous release's demo data, for tests of the migrations that move it on: its rows
(``fengqiao demo`` at core 0007, courtyard 0003, mediation 0003, backpack 0001, tourism
0001, appointments 0002; passwords and audit left out) and how to put them back into a
database migrated to those revisions."""

import json
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import JSON, Boolean, Date, DateTime, MetaData, Time, insert, text
from sqlalchemy.dialects.postgresql import JSONB

FIXTURE = Path(__file__).parent / "fixtures" / "demo_before_ground.json"


def load() -> dict:
    """``{"revisions": [...], "tables": {name: [row, ...]}}``."""
    return json.loads(FIXTURE.read_text())


def _value(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, JSON | JSONB):
        return json.loads(value) if isinstance(value, str) else value
    return value


def fill(conn, tables: dict) -> None:
    """Insert the rows, ids and all, into a database at the previous revisions."""
    meta = MetaData()
    meta.reflect(conn)
    for name, rows in tables.items():
        if not rows:
            continue
        table = meta.tables[name]
        conn.execute(insert(table), [{k: _value(table.c[k], v) for k, v in row.items()}
                                     for row in rows])
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                              f"(SELECT max(id) FROM \"{name}\"))"))


