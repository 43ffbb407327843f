"""Booking throughput and latency on the public appointments page under concurrency.

Serves the app over real HTTP (werkzeug, threaded) on a fresh database, then has
``--clients`` residents at once post bookings through the page, in two runs:

- hot slot: every attempt asks for the same time slot, which has ``--capacity`` places,
  so nearly all are refused as full (the contended path: one row, one conditional UPDATE);
- spread: attempts spread over services, days and times, so nearly all succeed.

Each run prints attempts, wall time, attempts per second, latency percentiles of the
successes and of the refusals, and checks that the slots' counts and the bookings agree.

    .venv/bin/python bench/appointments_booking.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

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

SERVICES = ["居民身份证申领、换领", "居民身份证挂失补领", "户口迁移", "出生登记", "居住证办理"]
STARTS = ["08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
          "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _station(app, capacity: int) -> None:
    from app.extensions import db
    from app.modules import enable
    from tenants.context import station_context
    from tenants.onboarding import create_county, create_station

    with app.app_context():
        county = create_county({"name": "基准测试县公安局", "slug": "bench"})
        station, _ = create_station(county, {
            "name": "基准派出所", "slug": "bench", "admin_username": "bench-admin",
            "admin_full_name": "测试员", "admin_phone": "13900009999"})
        with station_context(station):
            enable(station, "appointments", settings={
                "capacity": capacity, "book_days_ahead": 30, "closed_weekdays": []})
            db.session.commit()


class Resident:
    """One phone: its own cookies and CSRF token, its own network address."""

    def __init__(self, base: str, n: int):
        self.base, self.address = base, f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                                  _NoRedirect)
        page = self._open(f"{base}/p/bench/appointments/").read().decode()
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def _open(self, url, data=None):
        request = urllib.request.Request(  # noqa: S310 - the bench's own local server
            url, data, headers={"X-Forwarded-For": self.address})
        return self.opener.open(request, timeout=120)

    def book(self, form: dict) -> tuple[int, float]:
        data = urllib.parse.urlencode({"csrf_token": self.token, **form}).encode()
        started = time.perf_counter()
        try:
            status = self._open(f"{self.base}/p/bench/appointments/", data).status
        except urllib.error.HTTPError as answer:
            status = answer.code
        return status, time.perf_counter() - started


def run(label: str, base: str, forms: list[dict], clients: int, first: int) -> None:
    residents = [Resident(base, first + i) for i in range(len(forms))]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(lambda pair: pair[0].book(pair[1]), zip(residents, forms,
                                                                        strict=True)))
    wall = time.perf_counter() - started
    ok = [t for s, t in answers if s == 302]
    full = [t for s, t in answers if s == 400]
    other = sorted({s for s, _t in answers if s not in (302, 400)})
    print(f"{label}: {len(forms)} attempts by {clients} clients at once in {wall:.1f} s "
          f"= {len(forms) / wall:.0f} attempts/s")
    print(f"  booked  {len(ok):4d}: {percentiles(ok)}")
    print(f"  refused {len(full):4d}: {percentiles(full)}")
    if other:
        print(f"  other answers: {other}")


def _agree(app) -> tuple[int, int]:
    """(places counted in the slots, live bookings): the two must be equal."""
    from sqlalchemy import func, select

    from app.extensions import db
    from plugins.appointments.models import BOOKED, Booking, Slot
    from tenants.context import station_context
    from tenants.models import Station

    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "bench"))
        with station_context(station):
            counted = db.session.scalar(select(func.coalesce(func.sum(Slot.booked), 0)))
            live = db.session.scalar(select(func.count()).select_from(Booking)
                                     .where(Booking.status == BOOKED))
    return counted, live


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--attempts", type=int, default=400)
    parser.add_argument("--capacity", type=int, default=20)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="fengqiao-bench-")
    os.environ["FENGQIAO_INSTANCE"] = folder
    url, dropper = database(args.database_url, folder)
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db

    settings = {"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                "REDIS_URL": None, "TRUSTED_PROXIES": 1,  # each resident its own address
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.clients + 4}}
    app = create_app(settings)
    server = None
    try:
        with app.app_context():
            upgrade(revision="heads")
        _station(app, args.capacity)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        print(f"database: {url.split(':', 1)[0]}; capacity {args.capacity} a slot; "
              f"cores: {os.cpu_count()}")

        day = date.today() + timedelta(days=2)
        hot = [{"service": SERVICES[0], "day": day.isoformat(), "starts": "09:00",
                "name": "测试", "phone": f"138{n:08d}"} for n in range(args.attempts)]
        run("hot slot", base, hot, args.clients, 0)
        spread = [{"service": SERVICES[n % len(SERVICES)],
                   "day": (day + timedelta(days=1 + n // 300 % 20)).isoformat(),
                   "starts": STARTS[n // len(SERVICES) % len(STARTS)],
                   "name": "测试", "phone": f"137{n:08d}"} for n in range(args.attempts)]
        run("spread", base, spread, args.clients, args.attempts)
        counted, live = _agree(app)
        print(f"slots count {counted} places taken, {live} live bookings: "
              f"{'agree' if counted == live else 'DISAGREE'}")
    finally:
        if server is not None:
            server.shutdown()
        with app.app_context():
            db.engine.dispose()
        drop(dropper)


if __name__ == "__main__":
    main()
