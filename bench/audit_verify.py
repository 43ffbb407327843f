"""How fast `fengqiao audit verify` checks the audit log, side by side with the floor: a
bare fetch of the very same rows with plain psycopg, doing nothing with them.

Builds a fresh database with a county of S stations (default 20) and writes N audit events
(default 200,000) through the product's own append path, as a role without ownership (on
PostgreSQL: reserving each link and writing it through the owner's functions), spread over
the stations' chains as unevenly as a real county (the town's station busiest), in short
transactions, one writer process per CPU. Then, as the owner (as the command runs), times
interleaved and prints events/s for:

- the floor, every column as the driver gives it (it parses ``changes``' JSON itself);
- the floor, the columns as verify reads them (``changes`` as its text);
- verify in one process, and in one per CPU (each chain's rows on one connection, all in
  one snapshot).

    .venv/bin/python bench/audit_verify.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

With a PostgreSQL URL a throw-away database is created next to it and dropped afterwards.
Without one, a SQLite file (verify in one process only, no floor).
"""

import argparse
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import app_role, database, drop, drop_role  # noqa: E402 - beside this script
from sqlalchemy import text  # noqa: E402

# Events per transaction while writing: each moves its chain's head row, and in a much
# longer transaction PostgreSQL walks ever more versions of that row.
BATCH = 100
# The audit log's columns; the floors read them as a plain client does.
COLUMNS = ("id, chain, seq, prev_hash, created_at, station_id, county_id, actor_id, "
           "actor_name, action, object_type, object_id, {changes}, ip, request_id, key_id, hash")


def _county(app, stations: int) -> list[tuple[int, int]]:
    """A county and its stations: their (station id, county id)."""
    from app.extensions import db
    from tenants.onboarding import create_county, create_station

    with app.app_context():
        county = create_county({"name": "基准测试县公安局", "slug": "bench"})
        made = [create_station(county, {
            "name": f"第{i + 1}派出所", "slug": f"bench-{i}", "admin_username": f"admin-{i}",
            "admin_full_name": "测试员", "admin_phone": f"139{i:08d}"})[0]
            for i in range(stations)]
        db.session.commit()
        return [(s.id, county.id) for s in made]


def _write(url: str, picks: list[tuple[int, int]]) -> int:
    """In a writer process: one audit row per pick (station id, county id), through
    ``append`` as the product writes them, ``BATCH`` to a transaction."""
    from app import create_app
    from app.audit.chain import append
    from app.extensions import db

    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "REDIS_URL": None,
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), db.engine.connect() as conn:
        for start in range(0, len(picks), BATCH):
            with conn.begin():
                for n, (station_id, county_id) in enumerate(picks[start:start + BATCH], start):
                    append(conn, action="update", station_id=station_id, county_id=county_id,
                           object_type="ground_village", object_id=n,
                           changes={"households": [300 + n % 7, 301 + n % 7],
                                    "name": [None, f"第{n % 40}村 \"东岭\""],
                                    "officer": {"before": None, "after": n % 12}},
                           actor=(1, "bench-admin"))
        db.engine.dispose()
    return len(picks)


def _write_all(url: str, places: list[tuple[int, int]], events: int, writers: int) -> float:
    """``events`` rows over ``places``' chains, by ``writers`` processes each writing its
    own stations' (so none waits for another's lock on a chain); seconds taken."""
    # Station i gets a share of 1/(i+1) (a Zipf spread): the first chain is the longest.
    picks = random.Random(23).choices(places, weights=[1 / (i + 1) for i in range(len(places))],
                                      k=events)
    writer_of = {place: i % writers for i, place in enumerate(places)}
    shares = [[p for p in picks if writer_of[p] == w] for w in range(writers)]
    started = time.perf_counter()
    with ProcessPoolExecutor(writers) as pool:
        written = sum(pool.map(_write, [url] * writers, shares))
    assert written == events, written
    return time.perf_counter() - started


def _floor(url: str, changes: str) -> int:
    """Fetch every chain's rows in order, as verify reads them (a server-side cursor per
    chain), with plain psycopg; do nothing with them."""
    import psycopg

    columns = COLUMNS.format(changes=changes)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM audit_chain ORDER BY key")]
        count = 0
        for key in keys:
            with conn.cursor(name="floor") as cursor:
                cursor.itersize = 5000
                cursor.execute(f"SELECT {columns} FROM audit_event WHERE chain = %s "  # noqa: S608
                               "ORDER BY seq", (key,))
                for _ in cursor:
                    count += 1
    return count


def _verify(app, workers: int) -> int:
    """What `fengqiao audit verify` does (without a heads document): one snapshot."""
    from app.audit import verify
    from app.extensions import db

    with app.app_context():
        options = ({"isolation_level": "REPEATABLE READ"}
                   if db.engine.dialect.name == "postgresql" else {})
        with db.engine.connect().execution_options(**options) as connection, \
                connection.begin():
            result = verify(connection, workers=workers)
        assert result.ok, result.problems
        return result.rows


def _timed(run) -> tuple[int, float]:
    """(rows, rows per second) of ``run``."""
    started = time.perf_counter()
    rows = run()
    return rows, rows / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="fengqiao-bench-")
    os.environ["FENGQIAO_INSTANCE"] = folder
    url, dropper = database(args.database_url, folder)
    from flask_migrate import upgrade

    from app import create_app
    from app.audit.chain import usable_cpus
    from app.extensions import db

    settings = {"ENV": "test", "SECRET_KEY": "bench", "REDIS_URL": None}
    owner = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    postgres = url.startswith("postgresql")
    app_url, role = url, None
    try:
        with owner.app_context():
            upgrade(revision="heads")
        places = _county(owner, args.stations)
        with owner.app_context():
            db.engine.dispose()
        app_url, role = app_role(url) if postgres else (url, None)
        # SQLite has one writer at a time.
        took = _write_all(app_url, places, args.events, usable_cpus() if postgres else 1)
        print(f"database: {url.split(':', 1)[0]}; cpus: {usable_cpus()}; "
              f"{args.events:,} events written over {args.stations} stations' chains in "
              f"{took:.0f} s ({args.events / took:,.0f}/s)"
              f"{', as a role without ownership' if app_url != url else ''}")
        if postgres:
            with owner.app_context(), db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE audit_event"))
        cpus = usable_cpus()
        runs = {
            # The rows as a client reads them: the driver parses the JSON of ``changes``.
            "floor, every column as the driver gives it": lambda: _floor(url, "changes"),
            # What verify itself reads: ``changes`` as its text, parsed by verify.
            "floor, the columns as verify reads them": lambda: _floor(url, "changes::text"),
            "audit verify, 1 process": lambda: _verify(owner, 1),
            f"audit verify, {cpus} processes": lambda: _verify(owner, cpus),
        }
        if not postgres or cpus == 1:
            runs = {k: v for k, v in runs.items() if k.startswith("audit verify, 1 ")}
        rates = {name: [] for name in runs}
        for _ in range(args.rounds):  # interleaved: a busy moment of the machine hits all
            for name, run in runs.items():
                rows, rate = _timed(run)
                rates[name].append(rate)
        print(f"{rows:,} rows (the events and the stations' own), best of {args.rounds}:")
        for name, measured in rates.items():
            print(f"  {name + ':':<46} {max(measured):>9,.0f} events/s")
        with owner.app_context():
            db.engine.dispose()
    finally:
        drop_role(url, role)
        drop(dropper)


if __name__ == "__main__":
    main()
