"""Background jobs: one entry point, RQ when ``REDIS_URL`` is set, in-process otherwise.

A job is a module-level function named by its import path. It always runs inside the
context of the station it was enqueued for, re-entered from the station's id, never from
whatever context happened to be current when it runs.
"""

import importlib
from collections.abc import Callable

from flask import current_app, has_app_context

from app.audit.chain import system_actor
from app.extensions import db
from tenants.context import enter, leave, station_context
from tenants.models import Station


def _path(fn: Callable) -> str:
    if "<" in fn.__qualname__:
        raise ValueError("a job must be a module-level function")
    return f"{fn.__module__}:{fn.__qualname__}"


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def enqueue(fn: Callable, *args, station: Station | None = None, **kwargs):
    """Run ``fn(*args, **kwargs)`` as a job in ``station``'s context.

    With Redis configured, returns the RQ job; without, runs it now and returns its result.
    """
    station_id = station.id if station is not None else None
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        return run(_path(fn), station_id, args, kwargs)
    from rq import Queue

    return Queue(connection=redis_connection(redis_url)).enqueue(
        run, _path(fn), station_id, args, kwargs
    )


def redis_connection(url: str):
    from redis import Redis

    return Redis.from_url(url)


def run(path: str, station_id: int | None, args=(), kwargs=None):
    """Execute a job (called in-process, or by the RQ worker)."""
    if has_app_context():
        return _run_in_app(path, station_id, args, kwargs or {})
    from app import create_app

    with create_app().app_context():
        return _run_in_app(path, station_id, args, kwargs or {})


def _run_in_app(path: str, station_id: int | None, args, kwargs):
    fn = _resolve(path)
    token = system_actor.set(f"job:{path}")
    try:
        if station_id is None:
            scope = enter(None)  # never the caller's station
            try:
                result = fn(*args, **kwargs)
            finally:
                leave(scope)
        else:
            station = db.session.get(Station, station_id)
            if station is None:
                raise LookupError(f"station {station_id} does not exist")
            with station_context(station):
                result = fn(*args, **kwargs)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise
    finally:
        system_actor.reset(token)


def run_recurring(key: str, station_slug: str | None = None) -> int:
    """Enqueue recurring job ``key`` for each active station that has its module on;
    returns how many stations it was enqueued for."""
    from sqlalchemy import select

    from app.modules import station_modules
    from app.plugin_host import host

    found = [(p, j) for p in host().plugins.values() for j in p.jobs if j.key == key]
    if not found:
        raise LookupError(f"no recurring job {key!r}")
    plugin, job = found[0]
    query = select(Station).where(Station.active.is_(True)).order_by(Station.id)
    if station_slug:
        query = query.where(Station.slug == station_slug)
    count = 0
    for station in db.session.scalars(query).all():
        with station_context(station):
            row = station_modules(station).get(plugin.key)
        if row is not None and row.enabled:
            enqueue(job.func, station=station)
            count += 1
    return count
