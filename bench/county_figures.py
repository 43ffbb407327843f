"""The county's comparison at 1,000 stations: stored figures, a month recomputed, and the
month's screen and a metric's page, beside the bare floor in one run.

The county of bench/county.py (made through the product's code, kept by
``county_scale.py --keep NAME``) is copied into a new database and its stations' records
copied by SQL to ``--stations`` stations (each copy a station of its own, ids shifted, so
every station-owned row and composite key stays its station's). Then, as the app's role
(row security on):

1. every figure of the periods the county's pages show stored (what the job does first),
   and one closed month recomputed for every station (what a change to it costs);
2. the month's screen and one metric's page (13 months' trend) served in-process, from
   the stored figures and, with them gone, from the records; each beside the floor
   (bench/floor.py: the very SQL the page ran, run bare, its rows rendered).

    .venv/bin/python bench/county_scale.py --database-url $PG --stations 40 --keep county40
    .venv/bin/python bench/county_figures.py --database-url $PG --from county40 --stations 1000
"""

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from county import COUNTY_SLUG, PASSWORD, VIEWER  # noqa: E402
from floor import TEMPLATE, Recorder, run_page, timed  # noqa: E402
from harness import app_role, drop_role, percentiles  # noqa: E402

SHIFT = 50_000_000  # ids of the k-th copy: id + k × SHIFT (the originals' stay below)
STATION_SHIFT = 1000


def _copy_database(url: str, source: str, name: str):
    from sqlalchemy import create_engine, text

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def _copies(url: str, stations: int) -> dict:
    """Copy the county's stations until it has ``stations``; what was copied."""
    from sqlalchemy import create_engine, text

    from app.extensions import db
    from tenants.scoping import TenantScoped

    owned = {m.local_table.name for m in db.Model.registry.mappers
             if issubclass(m.class_, TenantScoped)}
    tables = [t for t in db.metadata.sorted_tables if t.name in owned
              and t.name not in ("stored_figure",)]
    engine = create_engine(url)
    started = time.perf_counter()
    rows = 0
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stored_figure"))
        originals = conn.scalars(text(
            "SELECT s.id FROM station s JOIN county c ON c.id = s.county_id "
            "WHERE c.slug = :slug ORDER BY s.id"), {"slug": COUNTY_SLUG}).all()
        station_columns = conn.scalars(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'station' "
            "ORDER BY ordinal_position")).all()
        wanted = stations - len(originals)
        k = 0
        while wanted > 0:
            k += 1
            chosen = originals[:wanted]
            wanted -= len(chosen)
            ids = ",".join(map(str, chosen))
            pick = {"id": f"id + {k * STATION_SHIFT}", "slug": f"slug || '-{k}'",
                    "name": f"name || '{k}'"}
            conn.execute(text(
                f"INSERT INTO station ({', '.join(station_columns)}) SELECT "  # noqa: S608
                + ", ".join(pick.get(c, c) for c in station_columns)
                + f" FROM station WHERE id IN ({ids})"))
            for table in tables:
                shifted = {c.name for c in table.columns if c.name == "id" or any(
                    fk.column.table.name in owned and fk.column.name == "id"
                    for fk in c.foreign_keys)}
                columns = [c.name for c in table.columns]
                select = ", ".join(
                    f"tenant_id + {k * STATION_SHIFT}" if c == "tenant_id"
                    else (f'"{c}" + {k * SHIFT}' if c in shifted else f'"{c}"')
                    for c in columns)
                names = ", ".join(f'"{c}"' for c in columns)
                # Names from the models' metadata, numbers from the loop: nothing typed.
                result = conn.execute(text(
                    f'INSERT INTO "{table.name}" ({names}) '  # noqa: S608
                    f'SELECT {select} FROM "{table.name}" WHERE tenant_id IN ({ids})'))
                rows += result.rowcount
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"stations": stations, "copied_rows": rows, "seconds": time.perf_counter() - started}


def _signed_in(app):
    import re

    client = app.test_client()
    page = client.get("/auth/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    answer = client.post("/auth/sign-in", data={"username": VIEWER, "password": PASSWORD,
                                                "csrf_token": token.group(1) if token else ""})
    assert answer.status_code == 302, answer.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL, e.g. "
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--from", dest="source", required=True,
                        help="the database county_scale.py --keep made")
    parser.add_argument("--into", default="county_figures_bench", help="the copy (remade)")
    parser.add_argument("--stored-only", action="store_true",
                        help="measure the pages from the stored figures only")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the copy --into left by an earlier run as it is")
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--times", type=int, default=10, help="requests a page")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.county.figures import refresh_county, window
    from app.extensions import db
    from app.periods import Period
    from tenants.models import County

    settings = {"ENV": "test", "SECRET_KEY": "bench-secret-key-0123456789", "REDIS_URL": None}
    if args.reuse:  # its stored figures kept: only what is missing is stored
        url = args.database_url.rsplit("/", 1)[0] + "/" + args.into
    else:
        url = _copy_database(args.database_url, args.source, args.into)
    owner = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    with owner.app_context():
        upgrade(revision="heads")
        if not args.reuse:
            made = _copies(url, args.stations)
            print(f"county: {made['stations']} stations ({made['copied_rows']:,} rows "
                  f"copied in {made['seconds']:.0f} s)")
        db.engine.dispose()
    app_url, role = app_role(url)
    try:
        app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": app_url})
        recorder = Recorder(_engine(app))
        with app.app_context():
            county = db.session.scalar(select(County).where(County.slug == COUNTY_SLUG))
            started = time.perf_counter()
            stored = refresh_county(county, everything=not args.reuse)
            db.session.commit()
            print(f"stored the figures of {len(window())} periods: {stored:,} figures in "
                  f"{time.perf_counter() - started:.1f} s")
            _analyze(url)  # what autovacuum does soon after the table fills
            month = Period.last_full_month()
            started = time.perf_counter()
            again = refresh_county(county, [month], everything=True)
            db.session.commit()
            print(f"recomputed {month.label} for {args.stations} stations: {again:,} figures "
                  f"in {time.perf_counter() - started:.1f} s  (target ≤ 60 s)")
        client = _signed_in(app)
        pages = {"month's screen": f"/county/{COUNTY_SLUG}/dashboard",
                 "metric, 13 months": f"/county/{COUNTY_SLUG}/dashboard/mediation.rate"}
        floor_engine = _engine(app)
        from flask import Flask, render_template_string

        bare = Flask("floor")
        for source in ("stored",) if args.stored_only else ("stored", "from the records"):
            if source == "from the records":
                _truncate(url)
            for name, path in pages.items():
                recorder.statements.clear()
                recorder.recording = True
                answer = client.get(path)
                recorder.recording = False
                assert answer.status_code == 200, (path, answer.status_code)
                statements = list(recorder.statements)
                times = 3 if source == "from the records" else args.times
                product = timed(lambda p=path: client.get(p), times)

                def floor(statements=statements, name=name):
                    with bare.app_context():
                        render_template_string(TEMPLATE, title=name, links=[],
                                               results=run_page(floor_engine, statements))

                floored = timed(floor, times)
                print(f"{name:<20} {source:<17} product {percentiles(product)}; "
                      f"floor {percentiles(floored)}; {len(statements)} statements, "
                      f"{len(answer.data) // 1024} KB")
    finally:
        drop_role(url, role)


def _engine(app):
    with app.app_context():
        from app.extensions import db

        return db.engine


def _analyze(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE stored_figure"))
        conn.execute(text("ANALYZE figure_generation"))
    engine.dispose()


def _truncate(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stored_figure"))
    engine.dispose()


if __name__ == "__main__":
    main()
