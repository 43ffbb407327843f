"""The scheduler's ticks: one per recurring job, each station's work done once per tick."""

from datetime import UTC, datetime

from redis import Redis
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import JobRun
from app.plugin_host import host
from app.workers import recurring_schedule, slot_of, tick
from tests.conftest import owner_context


def test_the_schedule_has_a_tick_for_every_recurring_job(ctx):
    declared = {(j.key, j.cron) for p in host().plugins.values() for j in p.jobs}
    assert ("courtyard.flag_overdue", "0 6 * * *") in declared
    scheduler = recurring_schedule(Redis.from_url("redis://127.0.0.1:6379/15"))
    # and the core's own: the audit chains' heads, published every hour
    assert {(j.name, j.cron) for j in scheduler.get_jobs()} == \
        declared | {("audit.publish_heads", "17 * * * *"), ("county.figures", "*/10 * * * *")}


def test_a_tick_runs_once_per_station_however_often_it_is_run(ctx, demo):
    # 东岭 and 青石 run courtyard talks in the demo; 柳溪 runs no module.
    assert tick("courtyard.flag_overdue", "0 6 * * *") == 2
    with owner_context():  # every station's job keys
        keys = db.session.scalars(select(JobRun.key)).all()
    assert len(keys) == 2 and all(k.startswith("courtyard.flag_overdue:") for k in keys)
    assert tick("courtyard.flag_overdue", "0 6 * * *") == 2  # the same tick again
    with owner_context():
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 2


def test_a_tick_read_a_moment_early_is_still_its_own_tick(ctx):
    # 06:00 in Shanghai is 22:00 UTC the day before.
    on_time = datetime(2026, 11, 22, 22, 0, 0, 200000, tzinfo=UTC)
    early = datetime(2026, 11, 22, 21, 59, 59, 990000, tzinfo=UTC)  # a clock 10 ms behind
    assert slot_of("0 6 * * *", on_time) == slot_of("0 6 * * *", early) == "20261123T0600"
    later = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # a backlog: read five hours late
    assert slot_of("0 6 * * *", later) == "20261123T0600"
