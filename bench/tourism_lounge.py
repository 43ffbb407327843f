"""The lounge counter under desks clicking at once, and the roster and seasons pages over a
year of data.

Serves the app over real HTTP (werkzeug, threaded) on a fresh database. First ``--desks``
signed-in desks each click "+1 visitor" ``--clicks`` times, all at once: it prints clicks
per second, latency percentiles and whether the stored count is exactly desks × clicks
(an atomic ``UPDATE ... SET visitors = visitors + 1``, so no click may be lost). Then it
writes a year of hourly visitor counts and a fully staffed roster, and times the week's
roster page and the year's seasons report.

    .venv/bin/python bench/tourism_lounge.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

With a PostgreSQL URL a throw-away database is created next to it and dropped afterwards
(the app connects as its owner here: row-level security is not in the way of a bench).
"""

import argparse
import http.cookiejar
import os
import re
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import database, drop, percentiles  # noqa: E402 - beside this script

PASSWORD = "bench-password"  # noqa: S105 - a throw-away database


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _station(app):
    from app.extensions import db
    from app.modules import enable
    from tenants.context import station_context
    from tenants.onboarding import create_county, create_station

    with app.app_context():
        county = create_county({"name": "基准测试县公安局", "slug": "bench"})
        station, _ = create_station(county, {
            "name": "基准派出所", "slug": "bench", "admin_username": "bench-admin",
            "admin_full_name": "测试员", "admin_phone": "13900009999"},
            admin_password=PASSWORD)
        with station_context(station):
            enable(station, "tourism")
            db.session.commit()


class Desk:
    """One signed-in browser at the lounge desk: its cookies and its CSRF token."""

    def __init__(self, base: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                                  _NoRedirect)
        self.token = self._token("/auth/sign-in")
        self._post("/auth/sign-in", {"username": "bench-admin", "password": PASSWORD})
        self.token = self._token("/s/bench/tourism/lounge")

    def _token(self, path):
        page = self.opener.open(self.base + path, timeout=60).read().decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def _post(self, path, form, headers=None) -> int:
        data = urllib.parse.urlencode({"csrf_token": self.token, **form}).encode()
        request = urllib.request.Request(  # noqa: S310 - our own server, over http
            self.base + path, data, headers=headers or {})
        try:
            return self.opener.open(request, timeout=120).status
        except urllib.error.HTTPError as answer:
            return answer.code

    def click(self) -> tuple[int, float]:
        started = time.perf_counter()
        status = self._post("/s/bench/tourism/lounge/count", {"add": "1"},
                            {"HX-Request": "true"})
        return status, time.perf_counter() - started

    def get(self, path) -> float:
        started = time.perf_counter()
        self.opener.open(self.base + path, timeout=120).read()
        return time.perf_counter() - started


def _stored(app) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from plugins.tourism.models import VisitorCount
    from tenants.context import station_context
    from tenants.models import Station

    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "bench"))
        with station_context(station):
            return db.session.scalar(select(func.coalesce(func.sum(VisitorCount.visitors), 0)))


def _a_year(app, first: date) -> None:
    """A year of hourly counts (08:00-19:00) and every post-shift staffed by two people."""
    from sqlalchemy import select

    from app.extensions import db
    from app.plugin_api import settings
    from app.users import User
    from plugins.tourism.models import Assignment, RosterCell, VisitorCount
    from tenants.context import station_context
    from tenants.models import Station

    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "bench"))
        user = db.session.scalar(select(User.id).where(User.username == "bench-admin"))
        with station_context(station):
            config = settings("tourism")
            for n in range(365):
                day = first + timedelta(days=n)
                for hour in range(8, 20):
                    db.session.add(VisitorCount(day=day, hour=hour, visitors=5 + (n + hour) % 15))
                for shift in config["shifts"]:
                    for post in config["posts"]:
                        cell = RosterCell(day=day, shift=shift["name"], post=post["name"])
                        db.session.add(cell)
                        db.session.flush()
                        db.session.add(Assignment(cell_id=cell.id, user_id=user))
            db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--desks", type=int, default=8)
    parser.add_argument("--clicks", type=int, default=50)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="fengqiao-bench-")
    os.environ["FENGQIAO_INSTANCE"] = folder
    url, dropper = database(args.database_url, folder)
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db

    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "REDIS_URL": None,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.desks + 4}})
    server = None
    try:
        with app.app_context():
            upgrade(revision="heads")
        _station(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        print(f"database: {url.split(':', 1)[0]}; cores: {os.cpu_count()}")

        desks = [Desk(base) for _ in range(args.desks)]
        started = time.perf_counter()
        with ThreadPoolExecutor(args.desks) as pool:
            answers = list(pool.map(lambda d: [d.click() for _ in range(args.clicks)], desks))
        wall = time.perf_counter() - started
        clicks = [a for desk in answers for a in desk]
        bad = sorted({s for s, _t in clicks if s != 200})
        expected, stored = args.desks * args.clicks, _stored(app)
        print(f"counter: {len(clicks)} clicks by {args.desks} desks at once in {wall:.1f} s "
              f"= {len(clicks) / wall:.0f} clicks/s; {percentiles([t for _s, t in clicks])}")
        print(f"  stored {stored} of {expected}: {'none lost' if stored == expected else 'LOST'}"
              + (f"; other answers {bad}" if bad else ""))

        first = date(date.today().year - 1, 1, 1)
        _a_year(app, first)
        week = [desks[0].get(f"/s/bench/tourism/roster?week={first + timedelta(days=190)}")
                for _ in range(20)]
        seasons = [desks[0].get(f"/s/bench/tourism/seasons?year={first.year}")
                   for _ in range(10)]
        print(f"roster week page (3 posts × 2 shifts × 7 days, staffed): {percentiles(week)}")
        print(f"seasons report over a year (4,380 hourly counts, 2,190 shifts): "
              f"{percentiles(seasons)}")
    finally:
        if server is not None:
            server.shutdown()
        with app.app_context():
            db.engine.dispose()
        drop(dropper)


if __name__ == "__main__":
    main()
