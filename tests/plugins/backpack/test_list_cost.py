"""A station with a year of home visits: the request list, the certificates to deliver and
the visit plan read the same statements with 5 requests as with 50 (a page's villages,
visits and officers in one query each, not one a row), and a later page keeps its filter."""

import re
from datetime import timedelta
from itertools import cycle

import pytest
from sqlalchemy import select

from app.extensions import db
from app.ground.models import Village
from app.plugin_api import local_today
from app.users import User
from plugins.backpack.models import HomeRequest, Visit
from tests.conftest import statements_of, within_station

BASE = "/s/liuxi/backpack"


@pytest.fixture
def admin(make_browser, demo):
    b = make_browser("liuxi-admin")
    for key in ("appointments", "backpack"):
        assert b.post(f"/s/liuxi/modules/{key}/enable").status_code == 302, key
    return b


def _requests(app, n, start=0, **fixed):
    """``n`` more requests of every status, in the station's villages, with officers; the
    visited ones with their visit and a certificate still to bring."""
    def add():
        today = local_today()
        villages = cycle(db.session.scalars(select(Village.id)).all())
        officers = cycle(db.session.scalars(
            select(User.id).where(User.username.like("liuxi-%"))).all())
        statuses = cycle(("requested", "scheduled", "visited", "done", "cannot_be_done"))
        for i in range(start, start + n):
            values = {"status": next(statuses), **fixed}
            home = HomeRequest(
                resident_name="熊桂芳", resident_phone="13891601234", village_id=next(villages),
                address=f"{i}号", reason=("elderly", "illness", "other")[i % 3],
                service=f"服务{i:03d}", channel="phone", requested_on=today,
                officer_id=next(officers) if values["status"] != "requested" else None,
                visit_date=today + timedelta(days=(i // 5) % 2)  # today's first
                if values["status"] != "requested" else None,
                needs_delivery=values["status"] == "visited", **values)
            db.session.add(home)
            db.session.flush()
            if home.status in ("visited", "done"):
                db.session.add(Visit(request_id=home.id, visited_on=today, what_done="拍照"))
        db.session.commit()

    within_station(app, "liuxi", add)


@pytest.mark.parametrize("path", ["/?status=all", "/deliveries", "/plan?span=week",
                                  "/plan"])
def test_the_lists_read_the_same_statements_for_5_requests_as_for_50(app, admin, path):
    _requests(app, 5)
    few = len(statements_of(app, admin, BASE + path, warm=True))
    _requests(app, 45, start=5)
    assert len(statements_of(app, admin, BASE + path, warm=True)) == few


def test_the_lists_show_every_row_and_mask_the_residents(app, admin):
    _requests(app, 50)
    listed = admin.get(f"{BASE}/?status=all").get_data(as_text=True)
    assert len(set(re.findall(r"服务\d{3}", listed))) == 50
    deliveries = admin.get(f"{BASE}/deliveries").get_data(as_text=True)
    assert deliveries.count('data-label="住址"') == 0  # the address is never listed
    assert deliveries.count("熊*芳") == 10 and "熊桂芳" not in deliveries + listed


def test_a_later_page_of_requests_keeps_its_status(app, admin):
    size = app.config["PAGE_SIZE"]
    _requests(app, size + 6, status="scheduled")
    _requests(app, 20, start=500, status="requested")
    first = admin.get(f"{BASE}/?status=scheduled").get_data(as_text=True)
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "status=scheduled" in link and "page=2" in link
    second = admin.get(link).get_data(as_text=True)
    shown = re.findall(r"服务(\d{3})", first + second)
    assert sorted(set(shown)) == [f"{i:03d}" for i in range(size + 6)]
