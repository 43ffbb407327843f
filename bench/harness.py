"""What the benchmark scripts share: a throw-away database and latency percentiles."""

import os
import statistics
import uuid

from sqlalchemy import create_engine, text


def database(url: str | None, folder: str):
    """A new database next to ``url`` (PostgreSQL), or a SQLite file in ``folder``: its
    URL and what :func:`drop` needs to remove it afterwards."""
    if not url:
        return "sqlite:///" + os.path.join(folder, "bench.db"), None
    name = f"fengqiao_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.rsplit("/", 1)[0] + "/" + name, (admin, name)


def drop(dropper) -> None:
    if dropper:
        admin, name = dropper
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_role(url: str) -> tuple[str, str]:
    """A new login role that owns nothing, granted what the app's role gets (PostgreSQL,
    so row security is on as in production): its URL and its name, for :func:`drop_role`."""
    from sqlalchemy import make_url

    from tenants.row_security import grant_app_role

    role = f"fq_bench_{uuid.uuid4().hex[:6]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        grant_app_role(conn, role)
    engine.dispose()
    return make_url(url).set(username=role, password=None).render_as_string(False), role


def drop_role(url: str, role: str | None) -> None:
    """Remove ``role`` and its grants in the database at ``url`` (kept or about to go)."""
    if role is None:
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))
    engine.dispose()


def percentiles(values: list[float]) -> str:
    """p50, p95 and max of durations in seconds, in ms."""
    if not values:
        return "—"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return (f"p50 {1000 * statistics.median(values):.0f} ms, p95 {1000 * p95:.0f} ms, "
            f"max {1000 * values[-1]:.0f} ms")
