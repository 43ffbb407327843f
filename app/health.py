"""Probes for the orchestrator: ``/healthz`` (the process answers) and ``/readyz`` (it can
serve: the database and Redis answer). No sign-in, no station, JSON only."""

from flask import Blueprint, current_app
from sqlalchemy import text

from app.extensions import csrf, db
from app.logs import describe

bp = Blueprint("health", __name__)
csrf.exempt(bp)

STATEMENT_TIMEOUT = "2s"
REDIS_TIMEOUT_SECONDS = 2


@bp.get("/healthz")
def healthz():
    # Never the database: a liveness probe failing during a database outage would have
    # every pod restarted, which cures nothing.
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    checks = {"database": _check(_ping_database), "redis": "not configured"}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _check(_ping_redis)
    ready = all(result in ("ok", "not configured") for result in checks.values())
    if ready:
        return {"status": "ready", "checks": checks}
    return {"status": "unavailable", "checks": checks}, 503


def _check(ping) -> str:
    try:
        ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return f"unreachable: {describe(exc)}"
    return "ok"


def _ping_database() -> None:
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # A server that accepts connections but cannot answer is not ready either.
            conn.execute(text(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"))
        conn.execute(text("SELECT 1"))
        conn.rollback()


def _ping_redis() -> None:
    from redis import Redis

    client = Redis.from_url(
        current_app.config["REDIS_URL"],
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def init_app(app) -> None:
    app.register_blueprint(bp)
