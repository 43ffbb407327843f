"""Jobs run in their station's context: in-process without Redis, on RQ with it."""

import os
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue
from app.station.notices import Notice
from tenants.context import current_scope, station_context
from tenants.models import Station


def count_notices(marker):
    """A job: add a notice and report the station it ran in and what it could see."""
    db.session.add(Notice(title=marker))
    db.session.flush()
    titles = db.session.scalars(select(Notice.title)).all()
    return current_scope().station_id, len(titles)


def test_in_process_job_runs_in_the_given_station(ctx, demo):
    station = db.session.get(Station, demo.station("liuxi").id)
    station_id, visible = enqueue(count_notices, "from-job", station=station)
    assert station_id == station.id
    assert visible == 3  # the demo's two notices and the job's own, nothing of others
    with station_context(station):
        assert "from-job" in db.session.scalars(select(Notice.title)).all()


def test_jobs_must_be_module_level(ctx, demo):
    with pytest.raises(ValueError):
        enqueue(lambda: None)


def test_a_job_with_a_done_key_is_not_run_again(ctx, demo):
    station = db.session.get(Station, demo.station("liuxi").id)
    assert enqueue(count_notices, "once", station=station, key="once:liuxi") == (station.id, 3)
    assert enqueue(count_notices, "once", station=station, key="once:liuxi") is None
    with station_context(station):
        assert db.session.scalars(select(Notice.title)).all().count("once") == 1


def _redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true" and os.environ.get("TEST_DATABASE_URL"):
            pytest.fail("Redis is required under CI")
        pytest.skip("no TEST_REDIS_URL: the Redis pass of `make test` runs this")
    return url


@pytest.fixture
def on_redis(app):
    """The app with Redis configured and a queue of the test's own."""
    url = _redis_url()
    app.config.update(REDIS_URL=url, JOB_QUEUE=f"test-{uuid.uuid4().hex[:8]}")
    yield url
    app.config.update(REDIS_URL=None, JOB_QUEUE="fengqiao")


def _work(url, queue_name):
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    SimpleWorker([Queue(queue_name, connection=connection)], connection=connection).work(
        burst=True)


@pytest.mark.redis
def test_job_on_redis_runs_in_a_worker_after_the_commit(app, demo, on_redis):
    from rq.job import Job

    from app.jobs import job_queue

    with app.app_context():
        station = db.session.get(Station, demo.station("qingshi").id)
        with station_context(station):
            db.session.add(Notice(title="asked for the job"))
            job_id = enqueue(count_notices, "via-redis", station=station)
            assert job_queue().count == 0  # not before the transaction commits
            db.session.commit()
        queue = job_queue()
        assert queue.count == 1
        _work(on_redis, queue.name)
        job = Job.fetch(job_id, connection=queue.connection)
        assert job.get_status() == "finished", job.latest_result()
        assert job.return_value() == (station.id, 4)  # with the notice that asked for it


@pytest.mark.redis
def test_a_rolled_back_transaction_leaves_no_job(app, demo, on_redis):
    from app.jobs import job_queue

    with app.app_context():
        station = db.session.get(Station, demo.station("qingshi").id)
        with station_context(station):
            db.session.add(Notice(title="rolled back"))
            enqueue(count_notices, "never", station=station)
            db.session.rollback()
        db.session.commit()
        assert job_queue().count == 0


@pytest.mark.redis
def test_a_released_savepoint_does_not_push_the_job(app, demo, on_redis):
    from app.jobs import job_queue

    with app.app_context():
        station = db.session.get(Station, demo.station("qingshi").id)
        with station_context(station):
            db.session.add(Notice(title="written first"))
            db.session.flush()
            enqueue(count_notices, "later", station=station)
            with db.session.begin_nested():
                db.session.add(Notice(title="in a savepoint"))
            assert job_queue().count == 0
            db.session.rollback()
        assert job_queue().count == 0


@pytest.mark.redis
def test_a_job_asked_for_after_the_commit_is_pushed_at_once(app, demo, on_redis):
    """Reading after a commit opens a transaction that writes nothing: no need to wait."""
    from app.jobs import job_queue

    with app.app_context():
        station = db.session.get(Station, demo.station("qingshi").id)
        with station_context(station):
            db.session.add(Notice(title="saved"))
            db.session.commit()
            enqueue(count_notices, "after", station=station)  # reads station.id again
            assert job_queue().count == 1


def test_redis_down_at_commit_keeps_the_work_and_says_which_jobs_were_lost(app, demo):
    import logging

    class Remember(logging.Handler):
        def __init__(self):
            super().__init__()
            self.lines = []

        def emit(self, record):
            self.lines.append(record.getMessage())

    remember = Remember()
    logging.getLogger("app.jobs").addHandler(remember)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        with app.app_context():
            station = db.session.get(Station, demo.station("qingshi").id)
            with station_context(station):
                db.session.add(Notice(title="kept"))
                enqueue(count_notices, "lost", station=station)
                db.session.commit()
                assert "kept" in db.session.scalars(select(Notice.title)).all()
    finally:
        app.config["REDIS_URL"] = None
        logging.getLogger("app.jobs").removeHandler(remember)
    assert any("tests.core.test_jobs:count_notices" in line for line in remember.lines)
