"""The job processes: ``fengqiao worker`` runs jobs from Redis, ``fengqiao scheduler``
enqueues the recurring jobs modules declare, on their cron schedules (run exactly one).

The scheduler enqueues one *tick* per schedule; a worker runs the tick, which enqueues
the job once per station that has its module on, keyed by station and tick, so a tick
that runs twice still does each station's work once.
"""

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.extensions import db
from app.jobs import job_queue, redis_connection, run, run_recurring


def _redis_url() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        click.echo(_("REDIS_URL is not set: jobs run in-process, no worker is needed."), err=True)
        sys.exit(2)
    return url


@click.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@with_appcontext
def worker_command(burst):
    """Run an RQ worker for the background jobs (needs REDIS_URL)."""
    from rq import Worker

    config = current_app.config
    _redis_url()  # refuses to start without Redis
    queue = job_queue()
    # Each job runs in a forked work horse: it must open its own database connections,
    # never use the parent's pooled sockets.
    db.session.remove()
    db.engine.dispose()
    os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
    worker = Worker(
        [queue],
        connection=queue.connection,
        job_monitoring_interval=config["WORKER_MONITORING_SECONDS"],
        maintenance_interval=config["WORKER_MAINTENANCE_SECONDS"],
        worker_ttl=config["WORKER_TTL_SECONDS"],
        log_job_description=True,  # the job's path only: arguments are never described
    )
    worker.work(burst=burst, with_scheduler=True)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Enqueue the modules' recurring jobs on their schedules (needs REDIS_URL; run one)."""
    # RQ reads cron expressions in the process's local time: make it the county's.
    os.environ["TZ"] = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    time.tzset()
    scheduler = recurring_schedule(redis_connection(_redis_url()))
    for job in scheduler.get_jobs():
        click.echo(f"{job.name:<32} {job.cron}")
    scheduler.start()


def recurring_schedule(connection):
    """An RQ cron scheduler with one tick per recurring job of the installed modules."""
    from rq.cron import CronScheduler

    from app.county.figures import REFRESH_CRON
    from app.plugin_host import host

    config = current_app.config
    scheduler = CronScheduler(connection=connection)
    for plugin in host().plugins.values():
        for job in plugin.jobs:
            scheduler.register(
                run, config["JOB_QUEUE"], args=("app.workers:tick", None, (job.key, job.cron)),
                cron=job.cron, name=job.key, job_timeout=config["JOB_TIMEOUT_SECONDS"],
            )
    # The core's own: the audit chains' heads, published outside the database hourly.
    scheduler.register(
        run, config["JOB_QUEUE"], args=("app.audit.heads:publish", None, ()),
        cron=AUDIT_HEADS_CRON, name="audit.publish_heads",
        job_timeout=config["JOB_TIMEOUT_SECONDS"],
    )
    # The county's stored figures: what is missing or out of date, stored again.
    scheduler.register(
        run, config["JOB_QUEUE"], args=("app.county.figures:refresh", None, ()),
        cron=REFRESH_CRON, name="county.figures",
        job_timeout=config["JOB_TIMEOUT_SECONDS"],
    )
    return scheduler


AUDIT_HEADS_CRON = "17 * * * *"


def tick(key: str, cron: str) -> int:
    """A job: enqueue recurring job ``key`` for its tick in every station."""
    from rq import get_current_job

    job = get_current_job()
    enqueued = job.enqueued_at if job is not None and job.enqueued_at else datetime.now(UTC)
    return run_recurring(key, slot=slot_of(cron, enqueued))


def slot_of(cron: str, enqueued_at: datetime) -> str:
    """The tick a run enqueued at ``enqueued_at`` (by the scheduler's clock) belongs to:
    the latest tick up to a few seconds later, so a tick enqueued a moment early, or
    read by a worker whose clock is behind, is still its own tick, not the one before."""
    from croniter import croniter

    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    moment = enqueued_at.astimezone(zone) + timedelta(seconds=SLOT_TOLERANCE_SECONDS)
    return croniter(cron, moment).get_prev(datetime).strftime("%Y%m%dT%H%M")


SLOT_TOLERANCE_SECONDS = 5
