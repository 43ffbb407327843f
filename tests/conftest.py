"""Shared fixtures. The suite runs against SQLite by default, and against PostgreSQL and
Redis when TEST_DATABASE_URL / TEST_REDIS_URL are set (the second pass of `make test`).
Each PostgreSQL run builds its own throw-away database with the real migrations."""

import os
import re
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, make_url, text

from app import create_app
from app.extensions import db
from tests import previous_release

PG = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")
# Apps built in production mode by tests need their audit key, like production does.
os.environ.setdefault("FENGQIAO_AUDIT_KEYS", "test-key:not-a-secret-test-audit-key")
REDIS_URL = os.environ.get("TEST_REDIS_URL")


# On PostgreSQL the app connects as a role like production's: it owns nothing, cannot
# bypass row-level security and may only append to the audit log. Migrations, cleaning
# between tests and tests that play an attacker with the owner's rights use the owner.
APP_ROLE = os.environ.get("TEST_APP_ROLE", "fengqiao_app")


def _pg_admin_url() -> str:
    return os.environ["TEST_DATABASE_URL"]


def _ensure_app_role(admin) -> None:
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}):
            return
        try:
            conn.execute(text(f'CREATE ROLE "{APP_ROLE}" LOGIN NOSUPERUSER NOBYPASSRLS '
                              "NOCREATEDB NOCREATEROLE"))
        except Exception:  # noqa: BLE001 - another run created it at the same moment
            if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                               {"r": APP_ROLE}):
                raise


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """(owner URL, app URL) of a throw-away database; the same file twice on SQLite."""
    if not PG:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        yield url, url
        return
    name = f"fengqiao_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    _ensure_app_role(admin)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    owner = make_url(_pg_admin_url()).set(database=name)
    app_url = owner.set(username=APP_ROLE, password=None)
    yield (owner.render_as_string(hide_password=False),
           app_url.render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(database_urls):
    """The URL the app connects with."""
    return database_urls[1]


@pytest.fixture(scope="session")
def owner_engine(database_urls):
    """A connection with the owner's rights (on SQLite, the one database file)."""
    engine = create_engine(database_urls[0])
    yield engine
    engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path, database_urls):
    """An empty database of its own, for a test that runs the migrations itself."""
    if not PG:
        yield "sqlite:///" + str(tmp_path / "empty.db")
        return
    name = f"fengqiao_mig_{uuid.uuid4().hex[:8]}"
    base = database_urls[0].rsplit("/", 1)[0]  # the owner may create databases
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def previous_demo(empty_database_url):
    """The app on a database at the previous release, filled by its demo; its rows."""
    data = previous_release.load()
    app = create_app({"ENV": "test", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        for revision in data["revisions"]:
            upgrade(revision=revision)
        with db.engine.begin() as conn:
            previous_release.fill(conn, data["tables"])
        yield app, data["tables"]
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def previous_demo_of_a_plain_owner(database_urls):
    """The previous release's demo in a database whose owner cannot bypass row security
    (as in production): the app migrating as that owner, and a superuser's engine to look."""
    data = previous_release.load()
    role, name = f"fq_owner_{uuid.uuid4().hex[:6]}", f"fengqiao_mig_{uuid.uuid4().hex[:8]}"
    base = make_url(database_urls[0])
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{role}"'))
    owner = base.set(database=name, username=role, password=None).render_as_string(False)
    looker = create_engine(base.set(database=name))
    try:
        app = create_app({"ENV": "test", "SQLALCHEMY_DATABASE_URI": owner})
        with app.app_context():
            for revision in data["revisions"]:
                upgrade(revision=revision)
            with looker.begin() as conn:  # filled past the station policy
                previous_release.fill(conn, data["tables"])
            yield looker, data["tables"]
            db.session.remove()
            db.engine.dispose()
    finally:
        looker.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def _settings(url: str) -> dict:
    return {
        "ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": None,
        "SERVER_NAME": "fengqiao.test",
    }


@pytest.fixture(scope="session")
def app(database_urls, tmp_path_factory):
    os.environ["FENGQIAO_INSTANCE"] = str(tmp_path_factory.mktemp("instance"))
    owner_url, app_url = database_urls
    migrator = create_app(_settings(owner_url))
    with migrator.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")  # the real migrations, so every test also proves them
        if PG:
            from tenants.row_security import grant_app_role

            with db.engine.begin() as conn:
                grant_app_role(conn, APP_ROLE)
        db.engine.dispose()
    yield create_app(_settings(app_url))


_OWNER = {}


@pytest.fixture(scope="session", autouse=True)
def owner_app(app, database_urls):
    """The app connected as the database owner: what county IT's CLI does with the
    owner's URL (make a platform admin, set a password without proof, verify the log)."""
    _OWNER["app"] = create_app(_settings(database_urls[0]))
    return _OWNER["app"]


def owner_context():
    """An app context as the database owner, for helpers that read every audit chain."""
    return _OWNER["app"].app_context()


def _emptying_sql(tables, serial) -> str:
    """One round trip that empties ``tables`` (children first) and, on PostgreSQL, starts
    their ids again from 1. DELETE, not TRUNCATE: on tables this small TRUNCATE's fixed
    cost per table (new files, a lock on each) made every test a quarter second slower."""
    statements = [f'DELETE FROM "{t}"' for t in tables]
    if PG:
        statements += [f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), 1, false)"
                       for t in tables if t in serial]
    return ";\n".join(statements)


def _serial_tables() -> set[str]:
    """Tables whose ids come from a sequence."""
    return {t.name for t in db.metadata.sorted_tables
            if "id" in t.c and t.c.id.primary_key and t.c.id.autoincrement}


@pytest.fixture(autouse=True)
def _clean_database(app, owner_engine):
    yield
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        serial = _serial_tables()
    with owner_engine.begin() as conn:
        if PG:
            conn.exec_driver_sql(_emptying_sql(tables, serial))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    # Heads published by the test describe chains that are gone now.
    for published in Path(app.config["AUDIT_HEADS_DIR"]).glob("heads-*.json"):
        published.unlink()


# -- raw SQL past the app, for the tests of what the database itself refuses ---------------

def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def as_app(database_url):
    """A raw connection as the app's role, outside SQLAlchemy and its listeners: what an
    SQL injection or a compromised pod has."""
    import psycopg

    with psycopg.connect(_dsn(database_url)) as conn:
        yield conn


@pytest.fixture
def as_owner(database_urls):
    import psycopg

    with psycopg.connect(_dsn(database_urls[0])) as conn:
        yield conn


def set_scope(conn, county="", station="", user="", token="") -> None:
    """Set the per-transaction context the way the app does."""
    conn.execute("SELECT set_config('fengqiao.county_id', %s, true),"
                 " set_config('fengqiao.station_id', %s, true),"
                 " set_config('fengqiao.user_id', %s, true),"
                 " set_config('fengqiao.token', %s, true)",
                 tuple(str(v) for v in (county, station, user, token)))


# -- for tests that run the app's own processes ---------------------------------------------

FENGQIAO = str(Path(sys.executable).parent / "fengqiao")  # the venv's command


@contextmanager
def statements_run(app):
    """The SQL statements the app's engine runs meanwhile: a list that fills."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def statements_of(app, browser, path: str, warm: bool = False) -> list[str]:
    """The SQL statements one GET of ``path`` by ``browser`` runs (a 200 expected); with
    ``warm``, after a first GET that warms what every page reads once."""
    if warm:
        assert browser.get(path).status_code == 200, path
    with statements_run(app) as seen:
        response = browser.get(path)
    assert response.status_code == 200, path
    return seen


def free_port() -> int:
    """A local port nothing listens on (until someone binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail the test naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.5)


def within_station(app, slug, fn):
    """``fn()`` in an app context inside station ``slug``'s tenant context; its result."""
    from sqlalchemy import select

    from tenants.context import station_context
    from tenants.models import Station

    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == slug))
        with station_context(station):
            return fn()


@pytest.fixture
def ctx(app):
    """An app context for tests that work with the models directly."""
    with app.app_context():
        yield
        db.session.remove()


@dataclass
class Demo:
    county: object
    stations: dict
    password: str
    # Per station, one id of each kind of object its modules' demo_data made (the keys a
    # URL's parameters take, e.g. case_id): what the sweeps fill their URLs with.
    module_ids: dict

    def station(self, slug):
        return self.stations[slug]


SNAPSHOT = "demo_snapshot"


@pytest.fixture(scope="session")
def _demo_copy(app, owner_engine, tmp_path_factory):
    """The demo county seeded once per run and kept aside, in a schema of its own
    (PostgreSQL) or an attached file (SQLite), with every module's demo data: seeding it
    anew for each test (accounts, modules, the audit chain) cost a second or more."""
    from unittest import mock

    from app import demo as app_demo

    module_ids: dict[str, dict[str, int]] = {}
    real = app_demo.load_modules

    def keeping_the_ids(station):
        loaded = real(station)
        module_ids[station.slug] = {k: v for ids in loaded.values() for k, v in ids.items()}
        return loaded

    with app.app_context(), mock.patch.object(app_demo, "load_modules", keeping_the_ids):
        app_demo.seed()
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        serial = _serial_tables()
    attach = None if PG else str(tmp_path_factory.mktemp("demo") / "demo.db")
    with owner_engine.connect() as conn:
        if attach:
            conn.exec_driver_sql(f"ATTACH DATABASE '{attach}' AS {SNAPSHOT}")
            conn.commit()
        with conn.begin():
            if PG:
                conn.execute(text(f"CREATE SCHEMA {SNAPSHOT}"))
            for table in tables:
                conn.execute(text(
                    f'CREATE TABLE {SNAPSHOT}."{table}" AS SELECT * FROM "{table}"'))
        if attach:
            conn.exec_driver_sql(f"DETACH DATABASE {SNAPSHOT}")
            conn.commit()
    return tables, serial, attach, module_ids


def _restore_demo(owner_engine, tables, serial, attach) -> None:
    """Copy the kept demo county back into the (clean) tables, ids and all."""
    with owner_engine.connect() as conn:
        if attach:
            conn.exec_driver_sql(f"ATTACH DATABASE '{attach}' AS {SNAPSHOT}")
            conn.commit()
        with conn.begin():
            if PG:  # the owner is a superuser here: emptying and copying bypass RLS
                conn.exec_driver_sql(_emptying_sql(list(reversed(tables)), serial))
            else:
                for table in reversed(tables):
                    conn.execute(text(f'DELETE FROM "{table}"'))
            for table in tables:
                conn.execute(text(f'INSERT INTO "{table}" SELECT * FROM {SNAPSHOT}."{table}"'))
                if PG and table in serial:  # the next id follows the copied rows
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence(:t, 'id'), max(id)) "
                        f'FROM "{table}" HAVING max(id) IS NOT NULL'), {"t": table})
        if attach:
            conn.exec_driver_sql(f"DETACH DATABASE {SNAPSHOT}")
            conn.commit()


@pytest.fixture
def demo(app, owner_engine, _demo_copy):
    """The demo county: three stations with an admin, an officer and an auxiliary each,
    the first two running every installed module with its demo data."""
    from app.demo import PASSWORD
    from tenants.models import County, Station

    *snapshot, module_ids = _demo_copy
    _restore_demo(owner_engine, *snapshot)
    with app.app_context():
        county = db.session.query(County).filter_by(slug="demo").one()
        stations = {s.slug: s for s in db.session.query(Station).all()}
        db.session.expunge_all()
    return Demo(county=county, stations=stations, password=PASSWORD, module_ids=module_ids)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client that behaves like a person's browser: it reads the CSRF token from
    the pages it gets and sends it with its forms."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def get(self, url, **kwargs):
        response = self.client.get(url, **kwargs)
        self._remember_token(response)
        return response

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        response = self.client.post(url, data=data, **kwargs)
        if response.status_code == 302 and url.startswith(("/auth/sign-in", "/auth/invite/")):
            self._token = None  # signing in starts a new session with a new token
        self._remember_token(response)
        return response

    def token(self):
        if self._token is None:
            # The sign-in page, or the home page it sends a signed-in person to.
            self.get("/auth/sign-in", follow_redirects=True)
        return self._token

    def _remember_token(self, response):
        if response.mimetype != "text/html":
            return  # a download, JSON: no form in it
        match = CSRF_RE.search(response.get_data(as_text=True))
        if match:
            self._token = match.group(1)

    def sign_in(self, username, password="fengqiao-demo", **kwargs):
        return self.post("/auth/sign-in", {"username": username, "password": password}, **kwargs)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def make_browser(app):
    def make(username=None, password="fengqiao-demo"):
        b = Browser(app.test_client())
        if username:
            response = b.sign_in(username, password)
            assert response.status_code == 302, response.get_data(as_text=True)
        return b

    return make


@pytest.fixture
def live_server(app, database_url):
    """The app served over real HTTP on a free local port, for browser tests."""
    import threading

    from werkzeug.serving import make_server

    served = create_app({
        "ENV": "test", "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": None,
    })
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with served.app_context():
        db.engine.dispose()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (it cannot download its own browser here)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        ])
        yield browser
        browser.close()


def sign_in_page(page, base: str, username: str, password: str = "fengqiao-demo") -> None:
    """Sign ``username`` in through the sign-in form of the live server at ``base``."""
    page.goto(base + "/")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


@pytest.fixture
def phone(chromium):
    """A phone-sized page (360×800, the narrowest the UI is made for)."""
    context = chromium.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    artifacts = os.environ.get("TEST_ARTIFACTS")
    if artifacts:
        os.makedirs(artifacts, exist_ok=True)
        page.screenshot(path=os.path.join(artifacts, f"{uuid.uuid4().hex[:8]}.png"))
    context.close()
