"""The station's ground at the size of a big station: 40 villages, 200 grids, 300
community forces and 20 key places. Times the coverage page (and the ground's overview
and forces list) in the server, side by side with the bare floor (bench/floor.py: plain
Flask + SQLAlchemy running the very SQL the page ran, under the same row security),
interleaved in one run.

    .venv/bin/python bench/ground_coverage.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

With a PostgreSQL URL a throw-away database is created next to it and dropped afterwards,
and both apps connect as a role without ownership, so row-level security is on as in
production. Without one, a SQLite file.
"""

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from floor import Recorder, floor_app, timed  # noqa: E402 - beside this script
from harness import app_role, database, drop, drop_role, percentiles  # noqa: E402

PASSWORD = "bench-password"  # noqa: S105 - a throw-away database
PAGES = ("/s/bench/ground/coverage", "/s/bench/ground/", "/s/bench/ground/forces")


def _ground(app) -> None:
    """The station and its ground, with gaps in every kind of coverage."""
    from app.enrolment import enrol
    from app.extensions import db
    from app.ground.models import Force, Grid, KeyPlace, Village
    from tenants.context import station_context
    from tenants.onboarding import create_county, create_station

    with app.app_context():
        county = create_county({"name": "基准测试县公安局", "slug": "bench"})
        station, _ = create_station(county, {
            "name": "基准派出所", "slug": "bench", "admin_username": "bench-admin",
            "admin_full_name": "测试员", "admin_phone": "13900009999"},
            admin_password=PASSWORD)
        with station_context(station):
            staff = [enrol(username=f"bench-{role}-{i}", full_name=f"民警{i}",
                           phone=f"139000{i:05d}", role=role, station=station,
                           password=PASSWORD).membership.user_id
                     for i, role in enumerate(["officer"] * 12 + ["auxiliary"] * 30)]
            officers, auxiliaries = staff[:12], staff[12:]
            for v in range(40):
                village = Village(name=f"第{v + 1}村", zone=f"第{v // 4 + 1}片区",
                                  households=300 + v, resident_population=1000 + 10 * v,
                                  position=v, officer_id=officers[v % 12],
                                  auxiliary_id=auxiliaries[v] if v < 30 else None)
                db.session.add(village)
                db.session.flush()
                for g in range(5):
                    grid = Grid(village_id=village.id, name=f"第{g + 1}网格")
                    db.session.add(grid)
                    db.session.flush()
                    if (v * 5 + g) % 17:  # one grid in seventeen without its worker
                        db.session.add(Force(name=f"网格员{v}-{g}", kind="grid_worker",
                                             phone=f"1350000{v:02d}{g:02d}",
                                             village_id=village.id, grid_id=grid.id,
                                             active=(v * 5 + g) % 23 != 0))
                for k in range(3):
                    db.session.add(Force(name=f"百户长{v}-{k}", kind="household_head",
                                         phone=f"1360000{v:02d}{k:02d}",
                                         village_id=village.id))
                if v % 2 == 0:
                    db.session.add(KeyPlace(kind="school", name=f"第{v + 1}村小学",
                                            village_id=village.id,
                                            officer_id=officers[v % 12] if v % 6 else None))
            db.session.commit()
            forces = db.session.query(Force).count()
        print(f"ground: 40 villages, 200 grids, {forces} forces, 20 key places, "
              f"{len(staff)} members")


class Client:
    """The product's test client, signed in as the station's admin."""

    def __init__(self, app):
        self.client = app.test_client()
        token = self._token("/auth/sign-in")
        answer = self.client.post("/auth/sign-in", data={
            "username": "bench-admin", "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 302, answer.status_code

    def _token(self, path):
        page = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, path):
        answer = self.client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--times", type=int, default=200)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="fengqiao-bench-")
    os.environ["FENGQIAO_INSTANCE"] = folder
    url, dropper = database(args.database_url, folder)
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    settings = {"ENV": "test", "SECRET_KEY": "bench", "REDIS_URL": None}
    owner = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    role = None
    try:
        with owner.app_context():
            upgrade(revision="heads")
        _ground(owner)
        with owner.app_context():
            db.engine.dispose()
        app_url, role = app_role(url) if url.startswith("postgresql") else (url, None)
        app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": app_url})
        client = Client(app)
        with app.app_context():
            recorder = Recorder(db.engine)
        print(f"database: {url.split(':', 1)[0]}"
              f"{' as a role without ownership (row security on)' if app_url != url else ''}; "
              f"cores: {os.cpu_count()}; {args.times} requests each, interleaved")
        for path in PAGES:
            recorder.statements.clear()
            recorder.recording = True
            size = len(client.get(path).data)
            recorder.recording = False
            bare = floor_app(app_url, {"": list(recorder.statements)})
            floor = bare.test_client()
            product_times, floor_times = [], []
            for _ in range(args.times // 10):
                product_times += timed(lambda p=path: client.get(p), 10)
                floor_times += timed(lambda f=floor: f.get("/"), 10)
            p = sorted(product_times)[len(product_times) // 2]
            f = sorted(floor_times)[len(floor_times) // 2]
            print(f"{path} ({size // 1024} KB, {len(recorder.statements)} statements)")
            print(f"  product: {percentiles(product_times)}")
            print(f"  floor:   {percentiles(floor_times)}   ratio p50 {p / f:.1f}×")
            bare.engine.dispose()
        with app.app_context():
            db.engine.dispose()
    finally:
        drop_role(url, role)
        drop(dropper)


if __name__ == "__main__":
    main()
