"""The product at county scale, measured from outside against the bare floor in one run.

Makes a county (bench/county.py: stations × days of every module's history, through the
product's own code), then serves it with gunicorn and the project's own config, as a
database role without ownership (row-level security on), next to the bare floor
(bench/floor.py: plain Flask + SQLAlchemy running the very SQL each page ran, under the
same row security, rendering every row), also under gunicorn with the same config. Then:

1. one client, the pages interleaved product / floor: p50, p95 and the ratio per page,
   with the SQL statements each page ran;
2. an open-loop load at ``--rate`` requests/s over a mix of the station pages, product
   and floor in alternating phases: p50, p95, p99, errors;
3. the product workers' memory after the load; with ``--explain FILE``, the plans
   (``EXPLAIN (ANALYZE, BUFFERS)``) of every page's statements, slowest first.

    .venv/bin/python bench/county_scale.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    ... --stations 40 --days 365 --rate 100 --seconds 60      # the county of issue 23
"""

import argparse
import http.cookiejar
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from county import COUNTY_SLUG, PASSWORD, VIEWER, _scale, generate, station_slug  # noqa: E402
from floor import Recorder  # noqa: E402
from harness import app_role, database, drop, drop_role  # noqa: E402
from load import Result, get, open_loop  # noqa: E402

SECRET = "bench-secret-key-0123456789"  # noqa: S105 - a throw-away database
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _pages(app, slug: str, county_year: int) -> dict[str, str]:
    """The pages measured, for the station ``slug``: name -> path."""
    from sqlalchemy import func, select

    from app.extensions import db
    from plugins.appointments.models import Booking
    from plugins.mediation.models import Case
    from tenants.context import station_context
    from tenants.models import Station

    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == slug))
        with station_context(station):
            case = db.session.scalar(select(func.min(Case.id)))
            busiest = db.session.execute(
                select(Booking.day, func.count()).group_by(Booking.day)
                .order_by(func.count().desc(), Booking.day.desc()).limit(1)).first()
    base = f"/s/{slug}"
    return {
        "station home": f"{base}/",
        "courtyard concerns": f"{base}/courtyard/concerns",
        "mediation list, filtered": f"{base}/mediation/?status=closed",
        "mediation case": f"{base}/mediation/cases/{case}",
        "appointments day": f"{base}/appointments/?day={busiest[0].isoformat()}",
        "tourism roster week": f"{base}/tourism/roster",
        "county dashboard, month": f"/county/{COUNTY_SLUG}/dashboard",
        "county metric, month": f"/county/{COUNTY_SLUG}/dashboard/mediation.rate",
        "county station, 13 months": f"/county/{COUNTY_SLUG}/stations/{slug}/figures",
        "county dashboard, year": f"/county/{COUNTY_SLUG}/dashboard?period={county_year}",
    }


def _client(app, username: str):
    client = app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    answer = client.post("/auth/sign-in", data={
        "username": username, "password": PASSWORD, "csrf_token": CSRF.search(page).group(1)})
    assert answer.status_code == 302, (username, answer.status_code)
    return client


def _record(app, pages: dict[str, str], admin: str) -> dict[str, list]:
    """Each page's statements, from one real request of the product (after a warm-up)."""
    from app.extensions import db

    clients = {"station": _client(app, admin), "county": _client(app, VIEWER)}
    with app.app_context():
        recorder = Recorder(db.engine)
    recorded = {}
    for name, path in pages.items():
        client = clients["county" if path.startswith("/county") else "station"]
        client.get(path)
        recorder.statements.clear()
        recorder.recording = True
        answer = client.get(path)
        recorder.recording = False
        assert answer.status_code == 200, (path, answer.status_code)
        recorded[name] = list(recorder.statements)
    return recorded


def _kept(url: str, name: str) -> tuple[str, None]:
    """Database ``name`` next to ``url``, made if missing, never dropped."""
    from sqlalchemy import create_engine, text

    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
        raise SystemExit("--keep: a database name of lower-case letters, digits and _")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name, None


_COMPLETE = "fengqiao bench county, complete"


def _mark_complete(url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{_COMPLETE}'"))
    engine.dispose()


def _made(db) -> dict | None:
    """What a kept database holds already, or None when its county is still to make."""
    from sqlalchemy import func, select, text

    from app.audit.models import AuditEvent
    from tenants.models import County, Station

    county = db.session.scalar(select(County).where(County.slug == COUNTY_SLUG))
    if county is None:
        return None
    if db.session.scalar(text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()")) != _COMPLETE:
        raise SystemExit("--keep: that database's county was not finished; drop it first")
    stations = db.session.scalar(select(func.count()).select_from(Station)
                                 .where(Station.county_id == county.id))
    rows = db.session.scalar(text("SELECT sum(n_live_tup) FROM pg_stat_user_tables"))
    return {"stations": stations, "rows": int(rows or 0),
            "audit_events": db.session.scalar(select(func.count()).select_from(AuditEvent))}


def _analyze(url: str, *tables: str) -> None:
    """What autovacuum does soon after a table fills (as the owner: the app's role may
    not): without it the first reads of a freshly filled table are planned blind."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for table in tables:
            conn.execute(text(f'ANALYZE "{table}"'))
    engine.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app_spec: str, env: dict, folder: str, chdir: Path, servers: list) -> str:
    """Start gunicorn with the project's config on a free loopback port; its base URL."""
    port = _free_port()
    log = open(os.path.join(folder, f"gunicorn-{port}.log"), "wb")  # noqa: SIM115 - kept open
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "python:app.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), app_spec],
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}", **env},
        stdout=log, stderr=log)
    servers.append(server)
    for _ in range(300):
        if server.poll() is not None:
            break
        try:
            get(f"http://127.0.0.1:{port}/healthz", {}, 1)
            return f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start; see {log.name}")


def _signed_in(base: str, username: str) -> dict:
    """The Cookie header of a session signed in over HTTP."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(base + "/auth/sign-in", timeout=30).read().decode()
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrf_token": CSRF.search(page).group(1)}).encode()
    try:
        opener.open(base + "/auth/sign-in", data, timeout=30)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302, exc.code
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar)}


def _rss_mb(master: int) -> list[float]:
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", status, re.M):
            out.append(int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)) / 1024)
    return sorted(out)


def _p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _one_client(pages, recorded, product, floor, headers, times, warm_ups) -> None:
    print(f"\n1. one client, {times} requests a page each, interleaved product / floor")
    print(f"{'page':28} {'SQL':>5} {'product p50':>12} {'p95':>7} {'floor p50':>10} "
          f"{'p95':>7} {'ratio':>6}")
    names = list(pages)
    times_of = {n: ([], []) for n in names}
    for _ in range(3 * warm_ups):  # every worker of both sides has served every page
        for name in names:
            get(product + pages[name], headers[name], 120)
            get(floor + "/" + urllib.parse.quote(name), {}, 120)
    for _ in range(times):
        for name in names:
            for side, url, h in ((0, product + pages[name], headers[name]),
                                 (1, floor + "/" + urllib.parse.quote(name), {})):
                started = time.perf_counter()
                status, _ = get(url, h, 120)
                assert status == 200, (url, status)
                times_of[name][side].append(time.perf_counter() - started)
    for name in names:
        mine, bare = times_of[name]
        reads = sum(1 for s, _p2, _w in recorded[name]
                    if s.lstrip().upper().startswith(("SELECT", "WITH")))
        print(f"{name:28} {reads:5d} {1000 * _p(mine, .5):9.1f} ms {1000 * _p(mine, .95):7.1f}"
              f" {1000 * _p(bare, .5):7.1f} ms {1000 * _p(bare, .95):7.1f}"
              f" {_p(mine, .5) / _p(bare, .5):5.2f}×")


def _load(pages, product, floor, headers, rate, seconds) -> None:
    mix = [n for n in pages if not n.startswith("county")]
    print(f"\n2. open loop, {rate:g} requests/s over {len(mix)} station pages, "
          f"{seconds:g} s each side, in alternating phases")
    sides = {"product": Result(), "floor": Result()}
    for _round in range(2):
        sides["product"].merge(open_loop(
            [(product + pages[n], headers[n]) for n in mix], rate, seconds / 2))
        sides["floor"].merge(open_loop(
            [(floor + "/" + urllib.parse.quote(n), {}) for n in mix], rate, seconds / 2))
    for side, result in sides.items():
        s = result.summary()
        print(f"  {side:8} {s['requests']} requests ({s['per_second']}/s), errors "
              f"{s['errors']}, p50 {s['p50']} ms, p95 {s['p95']} ms, p99 {s['p99']} ms, "
              f"max {s['max']} ms {s['error_samples'] or ''}")


def _explain(url: str, recorded: dict[str, list], path: str) -> None:
    """Every page's reads under EXPLAIN (ANALYZE, BUFFERS), slowest first, into ``path``."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with open(path, "w", encoding="utf-8") as out:
        for name, statements in recorded.items():
            plans = []
            for statement, parameters, wanted in statements:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                with engine.begin() as conn:
                    cursor = conn.connection.driver_connection.cursor()
                    cursor.execute(
                        "SELECT set_config('fengqiao.county_id', %s, true),"
                        " set_config('fengqiao.station_id', %s, true),"
                        " set_config('fengqiao.user_id', %s, true),"
                        " set_config('fengqiao.token', %s, true)", wanted)
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or ())
                    plan = [r[0] for r in cursor.fetchall()]
                ms = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
                plans.append((ms, statement, plan))
            plans.sort(key=lambda p: -p[0])
            total = sum(p[0] for p in plans)
            out.write(f"## {name}: {len(plans)} reads, {total:.2f} ms in the server\n\n")
            for ms, statement, plan in plans:
                out.write(f"-- {ms:.3f} ms\n{statement}\n" + "\n".join(plan) + "\n\n")
            top = plans[0] if plans else (0, "", [""])
            print(f"  {name:28} {len(plans):3d} reads, {total:7.2f} ms executing; slowest "
                  f"{top[0]:.2f} ms: {top[2][0].strip()[:70]}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="It creates a database and a login role on that server and drops both "
               "afterwards (the database stays with --keep).")
    parser.add_argument("--database-url", required=True,
                        help="a PostgreSQL server's URL, as a role that may create databases")
    parser.add_argument("--stations", type=int, default=4, help="stations of the county")
    parser.add_argument("--days", type=int, default=365, help="days of every module's history")
    parser.add_argument("--jobs", type=int, default=4, help="stations generated at once")
    parser.add_argument("--times", type=int, default=30, help="requests a page, one client")
    parser.add_argument("--rate", type=float, default=100, help="open-loop requests a second")
    parser.add_argument("--seconds", type=float, default=20, help="of load, each side")
    parser.add_argument("--explain", metavar="FILE",
                        help="write EXPLAIN (ANALYZE, BUFFERS) of every page's statements")
    parser.add_argument("--live-figures", action="store_true",
                        help="leave the county's figures unstored: its pages count them live")
    parser.add_argument("--keep", metavar="NAME", help="make the county in database NAME "
                        "and keep it; a later run with the same NAME measures it again")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="fengqiao-bench-")
    os.environ["FENGQIAO_INSTANCE"] = folder
    url, dropper = _kept(args.database_url, args.keep) if args.keep \
        else database(args.database_url, folder)
    servers, role, done = [], None, False
    from flask_migrate import upgrade

    from app import create_app
    from app.clock import local_today
    from app.extensions import db

    settings = {"ENV": "test", "SECRET_KEY": SECRET, "REDIS_URL": None}

    owner_config = {**settings, "SQLALCHEMY_DATABASE_URI": url}
    try:
        owner = create_app(owner_config)
        with owner.app_context():
            upgrade(revision="heads")
            made = _made(db)
            db.engine.dispose()
        if made:
            args.stations = made["stations"]
            print(f"county kept in {args.keep}: {made['stations']} stations, "
                  f"{made['rows']:,} rows, {made['audit_events']:,} audit events")
        else:
            print(f"generating {args.stations} stations × {args.days} days ...")
            made = generate(owner_config, args.stations, args.days, args.jobs)
            if args.keep:
                _mark_complete(url, args.keep)
            print(f"county: {args.stations} stations, {made['rows']:,} rows, "
                  f"{made['audit_events']:,} audit events, made in {made['seconds']:.0f} s")
        app_url, role = app_role(url)
        app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": app_url})
        if not args.live_figures:  # as the recurring job keeps them in production
            with app.app_context():
                from sqlalchemy import select

                from app.county.figures import refresh_county
                from tenants.models import County

                started = time.perf_counter()
                county = db.session.scalar(select(County).where(County.slug == COUNTY_SLUG))
                stored = refresh_county(county)
                db.session.commit()
                print(f"figures stored: {stored:,} in {time.perf_counter() - started:.1f} s")
                db.engine.dispose()
            _analyze(url, "stored_figure", "figure_generation")
        busiest = max(range(args.stations), key=_scale)
        slug = station_slug(busiest)
        with app.app_context():
            year = local_today().year
        pages = _pages(owner, slug, year)
        recorded = _record(app, pages, f"{slug}-admin")
        with app.app_context():
            db.engine.dispose()
        with open(os.path.join(folder, "pages.pickle"), "wb") as f:
            pickle.dump(recorded, f)

        env = {"FENGQIAO_ENV": "production", "DATABASE_URL": app_url, "SECRET_KEY": SECRET,
               "FENGQIAO_AUDIT_KEYS": f"dev:audit:{SECRET}", "SESSION_COOKIE_SECURE": "false",
               "FENGQIAO_AUDIT_HEADS_DIR": os.path.join(folder, "heads"),
               "FENGQIAO_LOG_LEVEL": "WARNING",
               "FLOOR_PAGES": os.path.join(folder, "pages.pickle"),
               "FLOOR_DATABASE_URL": app_url}
        product_url = _serve("app.wsgi:app", env, folder, ROOT, servers)
        floor_url = _serve("floor_server:app", env, folder, HERE, servers)
        product = servers[0]
        station = _signed_in(product_url, f"{slug}-admin")
        county = _signed_in(product_url, VIEWER)
        headers = {n: county if p.startswith("/county") else station for n, p in pages.items()}
        print(f"station measured: {slug} (the busiest); gunicorn workers: "
              f"{len(_rss_mb(product.pid))} each side; cores: {os.cpu_count()}")

        _one_client(pages, recorded, product_url, floor_url, headers, args.times,
                    len(_rss_mb(product.pid)))
        _load(pages, product_url, floor_url, headers, args.rate, args.seconds)
        rss = _rss_mb(product.pid)
        print(f"\n3. product workers' memory after the load: "
              f"{', '.join(f'{r:.0f}' for r in rss)} MB")
        if args.explain:
            _explain(app_url, recorded, args.explain)
            print(f"   plans in {args.explain}")
        done = True
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(30)
        if role:
            drop_role(url, role)
        drop(dropper)
        if done:  # its logs and the recorded SQL; kept to read when the run failed
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
