"""A county at scale, made through the product's own code paths: onboarding creates the
stations and their admins, enrolment their people, and every installed module loads its
demo history over ``days`` days, each station as busy as its scale (so stations differ
in size, as the county's comparison needs). The audit log fills as the product writes it,
row by row through the ORM hooks.

    from county import generate
    generate({"SQLALCHEMY_DATABASE_URI": ...}, stations=40, days=365)
"""

import time

PASSWORD = "bench-password"  # noqa: S105 - a throw-away database
COUNTY_SLUG = "bench"
VIEWER = "bench-county-lead"


def station_slug(n: int) -> str:
    return f"s{n:04d}"


def _scale(n: int) -> float:
    # From a small station in the hills to a busy one by the town: 0.4 to 1.6.
    return 0.4 + 1.2 * ((n * 7) % 11) / 10


def generate(config: dict, stations: int, days: int, jobs: int = 4, log=print) -> dict:
    """Create the county ``bench`` with ``stations`` stations and ``days`` days of every
    module's history in each, ``jobs`` stations at a time (each in a process of its own,
    with its own app made with ``config``); returns what was made (the stations' slugs,
    rows, audit events, seconds)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from sqlalchemy import func, select, text

    from app import create_app
    from app.audit.models import AuditEvent
    from app.enrolment import enrol
    from app.extensions import db
    from tenants.onboarding import create_county

    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        jobs = 1  # one writer at a time
    started = time.perf_counter()
    app = create_app(config)
    with app.app_context():
        county = create_county({"name": "基准测试县公安局", "slug": COUNTY_SLUG})
        enrol(username=VIEWER, full_name="县局领导", phone="13900000001", role="county_viewer",
              county=county, password=PASSWORD)
        db.session.commit()
        db.engine.dispose()  # no connection crosses the fork
    with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
        work = [(config, n, days) for n in range(stations)]
        for done, _ in enumerate(pool.map(_station, work), start=1):
            if done % 10 == 0 or done == stations:
                log(f"  {done}/{stations} stations, {time.perf_counter() - started:.0f} s")
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        rows = _rows(db, text)
        db.engine.dispose()
    return {"slugs": [station_slug(n) for n in range(stations)], "rows": rows,
            "audit_events": events, "seconds": time.perf_counter() - started}


_apps: dict = {}


def _station(work) -> None:
    """One station with its people, ground and every module's history (in a worker)."""
    from sqlalchemy import select

    from app import create_app, demo
    from app.enrolment import enrol
    from app.extensions import db
    from tenants.context import station_context
    from tenants.models import County
    from tenants.onboarding import create_station

    config, n, days = work
    app = _apps.get("app") or _apps.setdefault("app", create_app(config))
    slug = station_slug(n)
    demo.SCALES[slug], demo.DAYS[slug] = _scale(n), days
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == COUNTY_SLUG))
        station, _ = create_station(county, {
            "name": f"第{n + 1}派出所", "slug": slug, "admin_username": f"{slug}-admin",
            "admin_full_name": "所长", "admin_phone": f"139{n:04d}0000"},
            admin_password=PASSWORD)
        for i, role in enumerate(("officer", "officer", "officer", "auxiliary")):
            enrol(username=f"{slug}-{role}-{i}", full_name=f"民警{i}",
                  phone=f"139{n:04d}{i + 1:04d}", role=role, station=station,
                  password=PASSWORD)
        with station_context(station):
            demo.demo_ground(station)
            demo.load_modules(station)
        db.session.commit()


def _rows(db, text) -> int:
    """Every row of every table (as the owner, so row security hides none)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            return int(conn.scalar(text(
                "SELECT sum(n_live_tup) FROM pg_stat_user_tables")) or 0)
    with engine.connect() as conn:
        names = conn.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'")).all()
        return sum(conn.scalar(text(f'SELECT count(*) FROM "{n}"')) for n in names)  # noqa: S608
