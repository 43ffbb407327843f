"""Jobs run in their station's context: in-process without Redis, on RQ with it."""

import os

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue
from app.station.notices import Notice
from tenants.context import current_scope
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
    from tenants.context import station_context

    with station_context(station):
        assert "from-job" in db.session.scalars(select(Notice.title)).all()


def test_jobs_must_be_module_level(ctx, demo):
    with pytest.raises(ValueError):
        enqueue(lambda: None)


@pytest.mark.redis
def test_job_on_redis_runs_in_a_worker(app, demo):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true" and os.environ.get("TEST_DATABASE_URL"):
            pytest.fail("Redis is required under CI")
        pytest.skip("no TEST_REDIS_URL: the Redis pass of `make test` runs this")
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    Queue(connection=connection).empty()
    app.config["REDIS_URL"] = url
    try:
        with app.app_context():
            station = db.session.get(Station, demo.station("qingshi").id)
            job = enqueue(count_notices, "via-redis", station=station)
            assert job.get_status() == "queued"
            SimpleWorker([Queue(connection=connection)], connection=connection).work(burst=True)
            job.refresh()
            assert job.get_status() == "finished", job.latest_result()
            assert job.return_value() == (station.id, 3)
    finally:
        app.config["REDIS_URL"] = None
