"""Log lines are JSON in production, carry the request, station and user, and never the
personal data a request brings (query strings, names, phones)."""

import json
import logging
import threading
import urllib.parse
import urllib.request

import pytest
from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import config, create_app, logs
from app.extensions import db
from app.users import User
from tenants.web import station_blueprint
from tests.conftest import Browser

NAME, PHONE = "张三", "13800138000"


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.fixture
def make_app(app, database_url):
    """Apps of the test's own on the test database; the session app's logging after."""
    made = []

    def make(**overrides):
        made.append(create_app({
            "ENV": "test", "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": None, "LOG_FORMAT": "json", **overrides,
        }))
        return made[-1]

    yield make
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    for served in made:
        with served.app_context():
            db.engine.dispose()


@pytest.fixture
def failing_station_page(make_app):
    """An app with a station page that logs a warning and then fails."""
    served = make_app()
    probe = station_blueprint("log_probe", __name__, url_prefix="/log-probe")

    @probe.get("/")
    def fail():
        current_app.logger.warning("about to fail")
        raise RuntimeError("boom")

    served.register_blueprint(probe)
    return served


def test_an_error_in_a_station_is_one_json_line_with_request_station_and_user(
    failing_station_page, demo, capsys
):
    browser = Browser(failing_station_page.test_client())
    assert browser.sign_in("dongling-officer").status_code == 302
    capsys.readouterr()

    query = urllib.parse.urlencode({"q": NAME, "phone": PHONE})
    response = browser.get(f"/s/dongling/log-probe/?{query}")

    assert response.status_code == 500
    lines = json_lines(capsys.readouterr().err)  # every line is JSON
    [error] = [line for line in lines if line["message"] == "unhandled error"]
    with failing_station_page.app_context():
        officer = db.session.scalar(select(User).where(User.username == "dongling-officer"))
    assert error["level"] == "ERROR" and error["logger"] == "app"
    assert error["time"].endswith("+00:00")
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert error["station"] == "dongling"
    assert error["station_id"] == demo.station("dongling").id
    assert error["user_id"] == officer.id
    assert "RuntimeError: boom" in error["exception"]
    assert [line["message"] for line in lines] == ["about to fail", "unhandled error"]
    assert NAME not in json.dumps(lines, ensure_ascii=False) and PHONE not in str(lines)


def test_a_failed_sign_in_leaves_no_name_or_phone_in_the_log(make_app, demo, capsys):
    served = make_app(ENV="production", SECRET_KEY="x" * 32)
    sql_log = logging.getLogger("sqlalchemy.engine")
    level = sql_log.level
    sql_log.setLevel(logging.INFO)  # an operator chasing a problem logs every statement
    try:
        response = Browser(served.test_client()).sign_in(PHONE, password=NAME)
    finally:
        sql_log.setLevel(level)
    assert response.status_code == 401
    err = capsys.readouterr().err
    assert "SELECT" in err and "user_account" in err
    assert PHONE not in err and NAME not in err


def test_the_development_server_logs_requests_without_their_query_string(make_app, capsys):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, make_app(), threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        query = urllib.parse.urlencode({"name": NAME})
        with urllib.request.urlopen(
            f"http://127.0.0.1:{server.server_port}/healthz?{query}", timeout=10
        ) as response:
            assert response.status == 200
    finally:
        server.shutdown()
        thread.join(5)
    err = capsys.readouterr().err
    [request_line] = [line for line in json_lines(err) if line["logger"] == "werkzeug"]
    assert "GET /healthz HTTP/1.1" in request_line["message"]
    assert NAME not in err and query not in err


def test_production_sql_errors_do_not_carry_their_parameters(make_app):
    served = make_app(ENV="production", SECRET_KEY="x" * 32)
    with served.app_context(), pytest.raises(DBAPIError) as caught:
        db.session.execute(
            text("SELECT no_such_column FROM user_account WHERE username = :name"), {"name": NAME}
        )
    assert NAME not in str(caught.value)


def test_creating_the_app_again_does_not_repeat_log_lines(make_app, capsys):
    make_app()
    make_app()
    logging.getLogger("fengqiao.test").warning("once")
    assert capsys.readouterr().err.count('"once"') == 1


def test_text_in_development_and_a_clear_error_for_an_unknown_format(monkeypatch, tmp_path):
    monkeypatch.delenv("FENGQIAO_LOG_FORMAT", raising=False)
    assert config.load(str(tmp_path), {"ENV": "development"})["LOG_FORMAT"] == "text"
    assert config.load(str(tmp_path), {"ENV": "production", "SECRET_KEY": "x"})["LOG_FORMAT"] \
        == "json"
    monkeypatch.setenv("FENGQIAO_LOG_FORMAT", "xml")
    with pytest.raises(config.ConfigError, match="FENGQIAO_LOG_FORMAT"):
        config.load(str(tmp_path), {"ENV": "production", "SECRET_KEY": "x"})
