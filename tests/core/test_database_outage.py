"""When the database is down every page is a clean 503 in the user's language, logged once
without personal data, and the app recovers by itself when the database is back."""

import contextlib
import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from app import create_app, user_sessions
from app.extensions import db
from tests.conftest import CSRF_RE, PG, Browser, free_port

UNAVAILABLE_ZH = "服务暂时不可用"


def app_without_database(**overrides):
    """The app configured for a PostgreSQL server that is not running."""
    return create_app({
        "ENV": "test",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI":
            f"postgresql+psycopg://fengqiao:s3cret-pw@127.0.0.1:{free_port()}/fengqiao",
        "REDIS_URL": None,
        **overrides,
    })


def signed_in(client, user_id=1):
    """``client`` carries the session of a user who signed in before the database went."""
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:0"
        session[user_sessions._KEY] = "the-token-of-a-session-the-database-holds"
    return client


def outage_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "database unreachable" in line]


def test_a_signed_in_page_is_a_503_in_chinese_logged_once(app, capsys):
    client = signed_in(app_without_database(LOG_FORMAT="json").test_client())
    response = client.get("/s/dongling/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503  # not a redirect to the sign-in page
    assert UNAVAILABLE_ZH in page and "无法连接数据库" in page
    assert "Traceback" not in page
    [line] = outage_lines(capsys.readouterr().err)
    assert json.loads(line)["request_id"] == response.headers["X-Request-ID"] != ""


def test_the_503_page_speaks_english_when_chosen(app):
    client = signed_in(app_without_database().test_client())
    client.set_cookie("fengqiao_lang", "en")
    page = client.get("/s/dongling/").get_data(as_text=True)
    assert "Service temporarily unavailable" in page and "database cannot be reached" in page


def test_the_api_answers_a_json_503(app):
    client = signed_in(app_without_database().test_client())
    response = client.get("/api/v1/s/dongling/courtyard/concerns")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == 503
    assert response.headers["Retry-After"]


def test_signing_in_is_a_503_and_the_log_keeps_no_username_or_password(app, capsys):
    down = app_without_database(LOG_FORMAT="json")
    browser = Browser(down.test_client())
    response = browser.sign_in("13800138000", password="张三的密码")
    assert response.status_code == 503
    assert UNAVAILABLE_ZH in response.get_data(as_text=True)
    err = capsys.readouterr().err
    [line] = outage_lines(err)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["request_id"] == response.headers["X-Request-ID"]
    assert "13800138000" not in err and "张三" not in err
    assert "s3cret-pw" not in err


def test_a_broken_query_is_a_500_not_an_outage(app, tmp_path):
    # An empty database has no tables: that is a bug to fix, not a reason to wait.
    empty = create_app({
        "ENV": "test", "SECRET_KEY": "test-secret", "REDIS_URL": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "empty.db"),
    })
    response = Browser(empty.test_client()).sign_in("dongling-officer")
    assert response.status_code == 500
    assert UNAVAILABLE_ZH not in response.get_data(as_text=True)


# -- a real PostgreSQL, stopped and started again ------------------------------------------

def _postgres_bin() -> Path | None:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    return max((Path(p).parent for p in found), key=lambda p: int(p.parent.name))


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, so stopping it disturbs no one else."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="fengqiao-pg-"))
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        # PostgreSQL refuses to run as root: then the cluster belongs to postgres.
        self.as_user = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin_dir / program), *args],
                       check=True, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.root / "data"), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale=C")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off")
        self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "log"),
                  "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):  # stopped already
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres():
    if not PG:
        pytest.skip("the PostgreSQL pass of `make test` runs this")
    bin_dir = _postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL's server programs are missing (initdb, pg_ctl)")
        pytest.skip("PostgreSQL's server programs are not installed")
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


class Http:
    """Real HTTP with cookies; redirects are answers, not followed."""

    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), self._NoRedirects()
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path, None)

    def post(self, path: str, form: dict) -> tuple[int, str]:
        return self._open(path, urllib.parse.urlencode(form).encode())

    def _open(self, path, body) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@pytest.fixture
def served(private_postgres):
    """The app on the private cluster, migrated and seeded, served over real HTTP."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app.demo import seed

    served_app = create_app({
        "ENV": "test", "SECRET_KEY": "test-secret", "REDIS_URL": None,
        "SQLALCHEMY_DATABASE_URI": private_postgres.url,
    })
    with served_app.app_context():
        upgrade(revision="heads")
        seed()
    server = make_server("127.0.0.1", 0, served_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Http(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        with served_app.app_context():
            db.engine.dispose()


@pytest.mark.postgres
def test_stopping_postgresql_gives_503s_and_starting_it_again_recovers(
    app, private_postgres, served
):
    token = CSRF_RE.search(served.get("/auth/sign-in")[1]).group(1)
    status, _ = served.post("/auth/sign-in", {
        "username": "dongling-officer", "password": "fengqiao-demo", "csrf_token": token,
    })
    assert status == 302
    assert served.get("/s/dongling/")[0] == 200

    private_postgres.stop()
    status, page = served.get("/s/dongling/")
    assert status == 503 and UNAVAILABLE_ZH in page and "无法连接数据库" in page
    status, body = served.get("/readyz")
    assert status == 503
    assert json.loads(body)["checks"]["database"].startswith("unreachable")
    status, body = served.get("/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}

    private_postgres.start()  # the app is not restarted: its pool reconnects by itself
    status, page = served.get("/s/dongling/")
    assert status == 200 and "东岭派出所" in page
    status, body = served.get("/readyz")
    assert status == 200 and json.loads(body)["checks"]["database"] == "ok"
