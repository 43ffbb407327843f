"""Configuration from the environment (twelve-factor), and how the database pool finds a
dead connection."""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from sqlalchemy import event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.pool import Pool


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "fengqiao.db")
    # Accept the URLs that hosting platforms hand out and use psycopg 3 for them.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _log_format(value: str | None, development: bool) -> str:
    if not value:
        return "text" if development else "json"
    if value not in {"json", "text"}:
        raise ConfigError(f"FENGQIAO_LOG_FORMAT must be json or text, not {value!r}.")
    return value


def _base_url(value: str | None, development: bool) -> str | None:
    """Where people open the app, for links made outside a request (the CLI's invitation
    links). Unset in production: no host is guessed, the CLI prints the path and says so."""
    if not value:
        return "http://127.0.0.1:5000" if development else None  # where `make run` serves
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"FENGQIAO_BASE_URL must be the address people open, like "
            f"https://fq.county.internal, not {value!r}."
        )
    return value.strip().rstrip("/")


def _page_size(value: str | None) -> int:
    if value is None or not value.strip():
        return 50
    if not value.strip().isascii() or not value.strip().isdigit() \
            or not 1 <= int(value) <= 1000:
        raise ConfigError(f"FENGQIAO_PAGE_SIZE must be a whole number from 1 to 1000, "
                          f"not {value!r}.")
    return int(value)


def _audit_keys(value: str | None, development: bool, secret: str) -> dict[str, bytes]:
    """The keys of the audit chain's links, ``id:secret,id:secret`` with the one that
    signs new rows first (older ones stay to verify older rows). Kept out of the
    database, so whoever can write to it cannot recompute a link."""
    if not value or not value.strip():
        if not development:
            raise ConfigError(
                "FENGQIAO_AUDIT_KEYS is not set. Set it to `<key id>:<long random value>` "
                "(e.g. `2026a:` followed by `python -c 'import secrets; "
                "print(secrets.token_hex(32))'`), from a Secret the database never sees.")
        return {"dev": f"audit:{secret}".encode()}
    keys = {}
    for part in value.split(","):
        key_id, _, key = part.strip().partition(":")
        if not key_id or len(key_id) > 32 or not key_id.isascii() or len(key) < 16:
            raise ConfigError("FENGQIAO_AUDIT_KEYS must be `<id>:<secret>` pairs separated by "
                              "commas, each id at most 32 ASCII characters and each secret "
                              "at least 16 characters.")
        keys[key_id] = key.encode()
    return keys


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config from the environment, then apply ``overrides`` (tests)."""
    overrides = overrides or {}
    env = overrides.get("ENV") or os.environ.get("FENGQIAO_ENV", "production")
    development = env in {"development", "test"}

    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if not development:
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`), "
                "or set FENGQIAO_ENV=development for a local run."
            )
        secret = "dev-only-not-secret"  # noqa: S105 - development and tests only

    config = {
        "ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # hide_parameters: SQL parameters (names, phones) stay out of logged errors. No
        # pool_pre_ping: it costs a round trip on every request; a connection that has
        # been idle is checked instead (_ping_if_idle, below).
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": not development},
        # Seconds to wait for PostgreSQL to accept a connection: an unreachable server
        # makes pages a quick 503 rather than workers hanging until gunicorn kills them.
        "DATABASE_CONNECT_TIMEOUT": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", 5)),
        "LOG_FORMAT": _log_format(os.environ.get("FENGQIAO_LOG_FORMAT"), development),
        "LOG_LEVEL": os.environ.get("FENGQIAO_LOG_LEVEL", "INFO").upper(),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("FENGQIAO_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ("zh", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE"), not development),
        "SESSION_COOKIE_NAME": "fengqiao_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE"), not development),
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session, which expires on its own
        # Sign-in throttling: failures allowed in the window before the key is locked out.
        "THROTTLE_ACCOUNT_LIMIT": int(os.environ.get("THROTTLE_ACCOUNT_LIMIT", 5)),
        "THROTTLE_ADDRESS_LIMIT": int(os.environ.get("THROTTLE_ADDRESS_LIMIT", 20)),
        "THROTTLE_WINDOW_SECONDS": int(os.environ.get("THROTTLE_WINDOW_SECONDS", 900)),
        "INVITE_TTL_HOURS": 72,
        "AUDIT_KEYS": _audit_keys(os.environ.get("FENGQIAO_AUDIT_KEYS"), development, secret),
        # Where the signed heads of the audit chains are published, outside the database
        # (a mounted volume or bucket); they are also logged, for the log pipeline to ship.
        "AUDIT_HEADS_DIR": os.environ.get("FENGQIAO_AUDIT_HEADS_DIR")
        or str(Path(instance_path) / "audit-heads"),
        # Strict-Transport-Security outside development: browsers then refuse plain HTTP.
        "HSTS_SECONDS": 0 if development else int(os.environ.get("FENGQIAO_HSTS_SECONDS",
                                                                 31536000)),
        "BASE_URL": _base_url(os.environ.get("FENGQIAO_BASE_URL"), development),
        # Modules not packaged yet, as "package.module:plugin", besides the entry points.
        "EXTRA_PLUGINS": [r for r in os.environ.get("FENGQIAO_EXTRA_PLUGINS", "").split(",")
                          if r.strip()],
        # Rows per page of every list (the audit log's too).
        "PAGE_SIZE": _page_size(os.environ.get("FENGQIAO_PAGE_SIZE")),
        # Proxies in front of the app (the ingress controller): their X-Forwarded-For and
        # -Proto are believed, so sign-in throttling and logs see the client's address.
        "TRUSTED_PROXIES": int(os.environ.get("FENGQIAO_TRUSTED_PROXIES", 0)),
        # Jobs on RQ: the shared queue, how long one may run, and how soon a job whose
        # worker died is noticed (RQ adds 60 s to the monitoring interval) and retried.
        "JOB_QUEUE": os.environ.get("FENGQIAO_JOB_QUEUE", "fengqiao"),
        "JOB_TIMEOUT_SECONDS": int(os.environ.get("JOB_TIMEOUT_SECONDS", 600)),
        "JOB_RETRY_SECONDS": [int(s) for s in
                              os.environ.get("JOB_RETRY_SECONDS", "10,60,300").split(",")],
        "WORKER_MONITORING_SECONDS": int(os.environ.get("WORKER_MONITORING_SECONDS", 10)),
        "WORKER_MAINTENANCE_SECONDS": int(os.environ.get("WORKER_MAINTENANCE_SECONDS", 60)),
        "WORKER_TTL_SECONDS": int(os.environ.get("WORKER_TTL_SECONDS", 60)),
    }
    config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"connect_timeout": config["DATABASE_CONNECT_TIMEOUT"]},
            **config["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    return config


# -- dead connections --------------------------------------------------------------------
#
# A pooled connection dies when PostgreSQL restarts or a network device drops it while it
# is idle. SQLAlchemy's pool_pre_ping finds out by a round trip on every checkout, that is
# on every request. Here only a connection idle for longer than this is checked, the same
# way (an empty statement; a dead one is replaced, and the pool's older connections with
# it, before the request uses it). A connection used a moment ago is trusted: if the
# server went in between, that one request is a 503 (the error invalidates the pool) and
# the next ones connect anew.
PING_AFTER_IDLE_SECONDS = 10.0
_CHECKED_IN = "fengqiao.checked_in"


@event.listens_for(Pool, "checkin")
def _note_checkin(dbapi_connection, connection_record) -> None:
    if dbapi_connection is not None and connection_record is not None:
        connection_record.info[_CHECKED_IN] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
    checked_in = connection_record.info.get(_CHECKED_IN)  # none yet: a new connection
    if checked_in is None or time.monotonic() - checked_in <= PING_AFTER_IDLE_SECONDS \
            or not isinstance(dbapi_connection, psycopg.Connection):
        return  # SQLite has no server to lose
    try:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # the ping leaves no transaction open
        try:
            dbapi_connection.execute(";")
        finally:
            if not dbapi_connection.closed:
                dbapi_connection.autocommit = autocommit
    except psycopg.Error as exc:
        raise InvalidatePoolError(f"an idle connection is dead: {exc}") from exc
