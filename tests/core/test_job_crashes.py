"""A worker killed with SIGKILL in the middle of a job: the job still completes, and its
effect is applied exactly once. Real `fengqiao worker` processes, real Redis, the suite's
database (PostgreSQL in the second pass, as the app's role)."""

import contextlib
import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import JobRun, enqueue
from app.station.notices import Notice
from tenants.context import station_context
from tenants.models import Station
from tests.conftest import FENGQIAO, PG, REDIS_URL, owner_context, wait_until
from tests.core import crash_jobs

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
if not (PG and REDIS_URL):
    pytest.skip("needs PostgreSQL and Redis (the second pass of `make test`)",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]


def _worker(database_url, queue, instance):
    env = {
        **os.environ,
        "FENGQIAO_ENV": "test", "FENGQIAO_INSTANCE": str(instance),
        "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "FENGQIAO_JOB_QUEUE": queue,
        # Notice a dead worker's job within about a minute, retry at once.
        "WORKER_MONITORING_SECONDS": "1", "WORKER_MAINTENANCE_SECONDS": "2",
        "WORKER_TTL_SECONDS": "20", "PYTHONPATH": str(ROOT),
    }
    # A session of its own, so SIGKILL reaches the worker and the work horse it forked,
    # as when a node dies under them.
    log = open(f"{instance}.log", "ab")  # noqa: SIM115 - the worker holds it; read on failure
    return subprocess.Popen([FENGQIAO, "worker"], env=env, cwd=ROOT, start_new_session=True,
                            stdout=log, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone already
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            found += [child, *_children(child)]
    return found


def _kill(*pids: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # gone already
            os.kill(pid, signal.SIGKILL)


# What is killed while each job pauses. RQ runs a job in a forked "work horse" in a
# process group of its own: killing the whole family is a node dying; killing the worker
# alone leaves the horse running, orphaned, while RQ believes the job abandoned.
CASES = {
    # pause point, station, who is killed, how long the first run pauses
    "before": ("before", "dongling", "family", 120),
    "after": ("after", "qingshi", "family", 120),
    "orphan": ("before", "liuxi", "worker", 5),
}


def test_a_killed_worker_does_not_lose_or_double_a_job(app, demo, database_url, tmp_path):
    """Each job's station is its own: a job paused before its commit holds its station's
    audit chain, and would hold up another job's commit in the same station."""
    from rq.job import Job

    from app.jobs import job_queue

    queue_name = f"crash-{uuid.uuid4().hex[:8]}"
    saved = {k: app.config[k] for k in ("REDIS_URL", "JOB_QUEUE", "JOB_RETRY_SECONDS")}
    app.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=queue_name, JOB_RETRY_SECONDS=[1, 1, 1])
    workers = []
    try:
        with app.app_context():
            jobs = {
                case: enqueue(crash_jobs.add_notice, f"crash-{case}", str(tmp_path), pause,
                              seconds, station=db.session.get(Station, demo.station(slug).id))
                for case, (pause, slug, _, seconds) in CASES.items()
            }
            db.session.commit()
            connection = job_queue().connection

        workers = [_worker(database_url, queue_name, tmp_path / f"w{i}") for i in (1, 2, 3)]
        signals = {case: tmp_path / f"crash-{case}" for case in CASES}
        wait_until(lambda: all(f.exists() and f.read_text() for f in signals.values()), 60,
              "every job to reach its pause")
        for case, (_, _, who, _) in CASES.items():
            horse, worker = map(int, signals[case].read_text().split())
            _kill(worker, *(_children(worker) + [horse] if who == "family" else []))

        def status(job_id):
            return Job.fetch(job_id, connection=connection).get_status()

        assert {status(j) for j in jobs.values()} == {"started"}  # orphaned, for now
        for worker in workers:
            worker.wait()
        workers.append(_worker(database_url, queue_name, tmp_path / "w4"))
        wait_until(lambda: all(status(j) == "finished" for j in jobs.values()), 180,
              "a new worker to finish every orphaned job")

        with app.app_context():
            for case, (_, slug, _, _) in CASES.items():
                with station_context(db.session.get(Station, demo.station(slug).id)):
                    count = db.session.scalar(select(func.count()).select_from(Notice)
                                              .where(Notice.title == f"crash-{case}"))
                assert count == 1, f"{case}: {count} notices"
        with owner_context():  # every station's job keys
            assert db.session.scalar(select(func.count()).select_from(JobRun)
                                     .where(JobRun.job.like("%crash_jobs%"))) == 3
        results = {case: Job.fetch(j, connection=connection).return_value()
                   for case, j in jobs.items()}
        # Killed before its commit: the retry did the work. Killed after it: the retry
        # found the key and did nothing. The orphaned horse finished its job on its own.
        assert results == {"before": "crash-before", "after": None, "orphan": "crash-orphan"}
    finally:
        for worker in workers:
            if worker.poll() is None:
                _kill(worker.pid, *_children(worker.pid))
                worker.wait()
        app.config.update(saved)
