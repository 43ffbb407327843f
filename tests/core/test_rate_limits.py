"""Rate limits of the public pages: counted per station and bucket in a window, refused
attempts not counted, and the count kept even when the caller then rolls back."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.rate_limits import RateLimit, rate_limit
from tenants.context import current_station_id
from tests.conftest import owner_context, within_station


def _age(key: str, seconds: int) -> None:
    """Time passes for counter ``key``: its window started ``seconds`` earlier. (Done as
    the owner: the app's role may not move a running window.)"""
    with owner_context():
        db.session.get(RateLimit, key).window_start -= timedelta(seconds=seconds)
        db.session.commit()


def test_attempts_past_the_limit_are_refused_until_the_window_ends(app, demo):
    def attempts():
        results = [rate_limit("sample.book:13800001111", limit=3, per_seconds=600)
                   for _ in range(5)]
        db.session.rollback()  # the caller's own work failing does not undo the count
        return results

    assert within_station(app, "dongling", attempts) == [False, False, False, True, True]
    # Another station counts for itself.
    assert within_station(app, "qingshi", attempts) == [False, False, False, True, True]

    def after_the_window():
        _age(f"station:{current_station_id()}:sample.book:13800001111", seconds=601)
        return rate_limit("sample.book:13800001111", limit=3, per_seconds=600)

    assert within_station(app, "dongling", after_the_window) is False


def test_old_counters_go_as_new_ones_come(app, demo):
    def run():
        rate_limit("sample.old", limit=1, per_seconds=60)
        db.session.commit()
        _age(f"station:{current_station_id()}:sample.old", seconds=3 * 86400)
        rate_limit("sample.new", limit=1, per_seconds=60)
        return sorted(k.split(":", 2)[2] for k in db.session.scalars(select(RateLimit.key)))

    assert within_station(app, "dongling", run) == ["sample.new"]
