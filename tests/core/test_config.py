"""Configuration comes from the environment, and refuses to start unsafely."""

import pytest

from app import config, create_app


def test_missing_secret_key_outside_development_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FENGQIAO_ENV", "production")
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    cfg = config.load(str(tmp_path), {"ENV": "production"})
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["SESSION_COOKIE_HTTPONLY"]
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_database_url_defaults_to_sqlite_and_accepts_postgres(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    cfg = config.load(str(tmp_path), {"ENV": "development"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/fengqiao.db"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/fq")
    cfg = config.load(str(tmp_path), {"ENV": "development"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/fq"


def test_demo_is_seeded_once(app, demo):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert "已存在" in result.output or "already" in result.output
    assert "dongling-officer" in result.output


def test_user_create_validates(app, demo):
    result = app.test_cli_runner().invoke(args=[
        "user", "create", "--username", "dongling-admin", "--name", "某", "--password", "short",
    ])
    assert result.exit_code == 2
    assert "username" in result.output and "password" in result.output


@pytest.mark.parametrize("hops, seen", [(0, "10.0.0.2"), (1, "203.0.113.9")])
def test_the_client_address_is_believed_only_from_trusted_proxies(database_url, hops, seen):
    from flask import request

    app = create_app({"ENV": "test", "SQLALCHEMY_DATABASE_URI": database_url,
                      "TRUSTED_PROXIES": hops})

    @app.get("/_address")
    def address():
        return request.remote_addr

    response = app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.text == seen


@pytest.mark.parametrize("value", ["0", "-5", "abc", "²", "5000"])
def test_a_page_size_that_would_break_every_list_is_refused_at_start(monkeypatch, tmp_path,
                                                                     value):
    monkeypatch.setenv("FENGQIAO_PAGE_SIZE", value)
    with pytest.raises(config.ConfigError, match="FENGQIAO_PAGE_SIZE"):
        config.load(str(tmp_path), {"ENV": "development"})
    monkeypatch.setenv("FENGQIAO_PAGE_SIZE", "20")
    assert config.load(str(tmp_path), {"ENV": "development"})["PAGE_SIZE"] == 20
