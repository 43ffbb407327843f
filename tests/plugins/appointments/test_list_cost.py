"""A busy day at the window: the day's bookings and the suspicious ones read the same
statements with 5 bookings as with 50 (who handled them in one query, not one a row), and
every booking says its status, channel and why it was released in words."""

from datetime import datetime, time, timedelta
from itertools import cycle

import pytest
from sqlalchemy import select

from app.extensions import db
from app.users import User
from tests.conftest import statements_of
from tests.plugins.appointments.conftest import BASE, ID_CARD, MOVE, in_liuxi, open_day, placed

STARTS = [time(h, m) for h in (8, 9, 10, 11, 14, 15, 16, 17) for m in (0, 30)
          if time(8, 30) <= time(h, m) < time(17, 30) and not time(12) <= time(h, m) < time(14)]
STATES = [("booked", {}), ("arrived", {}), ("no_show", {}), ("cancelled", {}),
          ("released", {"release_reason": "suspect", "release_note": "同一号段"})]


def _book(app, day, n, start=0, channel=None, status=None, **extra):
    staff = in_liuxi(app, lambda: db.session.scalars(
        select(User.id).where(User.username.like("liuxi-%"))).all())
    handlers = cycle(staff)
    places = [(service, starts) for service in (ID_CARD, MOVE) for starts in STARTS]
    for i in range(start, start + n):
        state, more = STATES[i % len(STATES)] if status is None else (status, {})
        service, starts = places[i % len(places)]
        placed(app, day, starts, service, name="赵大山", phone=f"138{i:08d}",
               channel=channel or ("phone", "wechat", "walk_in")[i % 3], status=state,
               handled_by=next(handlers) if state in ("arrived", "no_show") else None,
               **more, **extra)


@pytest.fixture
def admin(make_browser, demo):
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/appointments/enable").status_code == 302
    return b


def test_the_day_reads_the_same_statements_for_5_bookings_as_for_50(app, admin):
    day = open_day()
    page = f"{BASE}/?day={day.isoformat()}"
    _book(app, day, 5)
    few = len(statements_of(app, admin, page, warm=True))
    _book(app, day, 45, start=5)
    assert len(statements_of(app, admin, page, warm=True)) == few
    html = admin.get(page).get_data(as_text=True)
    assert html.count('data-booking-status="') == 50
    for words in ("已到", "未到", "已取消", "已释放", "电话预约", "微信预约", "现场预约"):
        assert words in html, words
    assert "疑似虚假或恶意预约：同一号段" in html
    assert "赵*山" in html and "赵大山" not in html  # masked until revealed


def test_the_suspicious_bookings_read_the_same_statements_for_5_as_for_50(app, admin):
    page = f"{BASE}/suspicious"
    hold = {"expires_at": datetime.utcnow() + timedelta(hours=2)}  # waiting for its code

    def online(first, n):  # a few a day: each day has its share of online places
        for i in range(first, first + n, 5):
            _book(app, open_day(1 + i // 5), 5, start=i, channel="online", status="held",
                  **hold)

    online(0, 5)
    few = len(statements_of(app, admin, page, warm=True))
    online(5, 45)
    assert len(statements_of(app, admin, page, warm=True)) == few
    assert admin.get(page).get_data(as_text=True).count('name="ids"') == 50
