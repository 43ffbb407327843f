"""Background jobs: one entry point, RQ when ``REDIS_URL`` is set, in-process otherwise.

A job is a module-level function named by its import path. It always runs inside the
context of the station it was enqueued for, re-entered from the station's id, never from
whatever context happened to be current when it runs.

On RQ a job survives a worker that dies under it: it is pushed only once the transaction
that asked for it has committed (so a worker never looks for rows that do not exist yet,
and a rolled-back request leaves no job behind), it is retried, and it carries an
idempotency key. The key goes into ``job_run`` (unique) in the same transaction as the
job's own changes, so a retry of a job whose work was committed finds the key and does
nothing: the effect is applied exactly once.
"""

import importlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import ForeignKey, String, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.audit.chain import system_actor
from app.extensions import db
from tenants.context import enter, leave, station_context
from tenants.models import Station, utcnow

log = logging.getLogger(__name__)


class JobRun(db.Model):
    """A job's idempotency key, written with the job's work: the key is there if and only
    if the work was committed."""

    __tablename__ = "job_run"
    __audit__ = False  # bookkeeping; the job's own changes are audited as they happen

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    job: Mapped[str] = mapped_column(String(200))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    done_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class _Pending:
    job_id: str
    path: str
    station_id: int | None
    args: tuple
    kwargs: dict
    key: str


def _path(fn: Callable) -> str:
    if "<" in fn.__qualname__:
        raise ValueError("a job must be a module-level function")
    return f"{fn.__module__}:{fn.__qualname__}"


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def enqueue(fn: Callable, *args, station: Station | None = None, key: str | None = None,
            **kwargs):
    """Run ``fn(*args, **kwargs)`` as a job in ``station``'s context.

    ``key`` makes the job idempotent across enqueues too (a recurring job's key names its
    station and slot); without one, each call is its own job and only its retries share
    a key. With Redis configured, returns the RQ job id, and the job is pushed when the
    current transaction commits (at once outside a transaction); without Redis, runs it
    now and returns its result.
    """
    pending = _Pending(
        job_id=uuid.uuid4().hex,
        path=_path(fn),
        station_id=station.id if station is not None else None,
        args=args,
        kwargs=kwargs,
        key=key or f"job:{uuid.uuid4().hex}",
    )
    if not current_app.config.get("REDIS_URL"):
        return run(pending.path, pending.station_id, args, kwargs, pending.key)
    session = db.session()
    if session.in_transaction() and (session.info.get(_WROTE) or session.new or session.dirty
                                     or session.deleted):
        session.info.setdefault(_PENDING, []).append(pending)
    else:  # nothing to wait for: this transaction has written nothing
        _push([pending])
    return pending.job_id


_PENDING = "fengqiao.pending_jobs"
_WROTE = "fengqiao.transaction_wrote"


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _push_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    pending = session.info.pop(_PENDING, None)
    if pending:
        try:
            _push(pending)
        except Exception:
            # The work is committed; raising here would leave the session unusable. The
            # jobs are lost: say which, so they can be run again by hand.
            log.exception("could not push %d jobs after commit: %s", len(pending),
                          ", ".join(p.path for p in pending))


@event.listens_for(Session, "after_transaction_end")
def _drop_rolled_back(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outer transaction is over
        session.info.pop(_WROTE, None)
        dropped = session.info.pop(_PENDING, None)
        if dropped:
            log.info("dropped %d jobs with their rolled-back transaction", len(dropped))


def _push(pending: list[_Pending]) -> None:
    from rq import Retry

    queue = job_queue()
    intervals = current_app.config["JOB_RETRY_SECONDS"]  # before the 1st, 2nd, ... retry
    for job in pending:
        queue.enqueue(
            run, job.path, job.station_id, job.args, job.kwargs, job.key,
            job_id=job.job_id,
            retry=Retry(max=len(intervals), interval=intervals),
            job_timeout=current_app.config["JOB_TIMEOUT_SECONDS"],
            description=job.path,  # never the arguments: they may name a person
        )


def job_queue():
    """The RQ queue every process of this deployment shares."""
    from rq import Queue

    config = current_app.config
    return Queue(config["JOB_QUEUE"], connection=redis_connection(config["REDIS_URL"]))


def redis_connection(url: str):
    from redis import Redis

    return Redis.from_url(url)


def run(path: str, station_id: int | None, args=(), kwargs=None, key: str | None = None):
    """Execute a job (called in-process, or by the RQ worker)."""
    if has_app_context():
        return _run_in_app(path, station_id, args, kwargs or {}, key)
    from app import create_app

    with create_app().app_context():
        return _run_in_app(path, station_id, args, kwargs or {}, key)


def _run_in_app(path: str, station_id: int | None, args, kwargs, key: str | None):
    fn = _resolve(path)
    token = system_actor.set(f"job:{path}")
    try:
        if station_id is None:
            scope = enter(None)  # never the caller's station
            try:
                result = _claimed(fn, args, kwargs, path, station_id, key)
            finally:
                leave(scope)
        else:
            station = db.session.get(Station, station_id)
            if station is None:
                raise LookupError(f"station {station_id} does not exist")
            # The key is claimed in the station's context: the database lets a station's
            # job see and write its own keys only.
            with station_context(station):
                result = _claimed(fn, args, kwargs, path, station_id, key)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise
    finally:
        system_actor.reset(token)


def _claimed(fn, args, kwargs, path: str, station_id: int | None, key: str | None):
    if key is not None and not _claim(key, path, station_id):
        log.info("job %s already done (key %s): skipped", path, key)
        return None
    return fn(*args, **kwargs)


def _claim(key: str, path: str, station_id: int | None) -> bool:
    """Insert the job's key in this transaction. A second runner of the same key waits
    here for the first to finish: if the first commits, the insert fails and the job is
    done; if it rolls back (or its worker died), the key is free and this one does it."""
    if db.session.get_bind().dialect.name != "postgresql":
        # One writer at a time (SQLite), and its driver would commit a released savepoint.
        if db.session.get(JobRun, key) is not None:
            return False
        db.session.add(JobRun(key=key, job=path, station_id=station_id))
        db.session.flush()
        return True
    try:
        with db.session.begin_nested():
            db.session.add(JobRun(key=key, job=path, station_id=station_id))
        return True
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != UNIQUE_VIOLATION:
            raise
        return False  # the savepoint is undone; the caller's transaction goes on


UNIQUE_VIOLATION = "23505"


def run_recurring(key: str, station_slug: str | None = None, slot: str | None = None) -> int:
    """Enqueue recurring job ``key`` for each active station that has its module on;
    returns how many stations it was enqueued for. ``slot`` (the schedule's tick) makes
    each station's job idempotent: a tick enqueued twice runs once per station."""
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
            enqueue(job.func, station=station,
                    key=f"{key}:{station.id}:{slot}" if slot else None)
            count += 1
    return count
