"""The warm-service lounge desk: the visitor counter (atomic, so two desks clicking at once
both count), the help buttons, paper tallies added afterwards, the figures, and the
visitor counts fed back into the seasons report."""

import re
import threading
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.plugin_api import local_today
from plugins.tourism.models import HelpGiven, VisitorCount
from tests.conftest import within_station

from .conftest import BASE, member_ids, save_cell

HTMX = {"HX-Request": "true"}


def _count(app):
    return within_station(app, "liuxi", lambda: db.session.scalar(
        select(func.coalesce(func.sum(VisitorCount.visitors), 0))))


def _shown(response) -> int:
    return int(re.search(r'id="visitor-count"[^>]*>(\d+)<',
                         response.get_data(as_text=True)).group(1))


def test_the_counter_adds_and_takes_back_and_every_click_is_audited(owner_app, app, admin):
    for _ in range(3):
        response = admin.post(f"{BASE}/lounge/count", {"add": "1"}, headers=HTMX)
        assert response.status_code == 200
    assert _shown(response) == 3
    assert "<html" not in response.get_data(as_text=True)  # only the desk, for HTMX
    assert _shown(admin.post(f"{BASE}/lounge/count", {"add": "5"}, headers=HTMX)) == 8
    assert _shown(admin.post(f"{BASE}/lounge/count", {"add": "-1"}, headers=HTMX)) == 7
    plain = admin.post(f"{BASE}/lounge/count", {"add": "1"})  # without JavaScript
    assert plain.status_code == 302
    assert _shown(admin.get(plain.location)) == 8
    assert _count(app) == 8
    refused = admin.post(f"{BASE}/lounge/count", {"add": "100"}, headers=HTMX)
    assert refused.status_code == 200 and _count(app) == 8
    assert "请从列表中选择一项" in refused.get_data(as_text=True)
    with owner_app.app_context():  # the owner reads every chain
        added = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.action == "tourism.visitors")).all()
    assert sorted(c["add"] for c in added) == [-1, 1, 1, 1, 1, 5]


def test_nothing_to_take_back_on_a_new_day(app, admin):
    refused = admin.post(f"{BASE}/lounge/count", {"add": "-1"})
    assert refused.status_code == 400
    assert "今天还没有可撤回的接待人次" in refused.get_data(as_text=True)
    # HTMX swaps no 4xx answer: the desk comes back as a 200 carrying the message.
    refused = admin.post(f"{BASE}/lounge/count", {"add": "-1"}, headers=HTMX)
    assert refused.status_code == 200 and _shown(refused) == 0
    assert "今天还没有可撤回的接待人次" in refused.get_data(as_text=True)
    assert _count(app) == 0


def test_two_desks_clicking_at_once_both_count(app, admin, make_browser):
    desks = [admin, make_browser("liuxi-aux")]
    for desk in desks:
        desk.token()  # each has its form token before the rush
    failures = []

    def click(desk):
        for _ in range(10):
            response = desk.post(f"{BASE}/lounge/count", {"add": "1"}, headers=HTMX)
            if response.status_code != 200:
                failures.append(response.status_code)

    threads = [threading.Thread(target=click, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert _count(app) == 20


def test_help_buttons_record_one_act_each_and_can_be_taken_back(owner_app, app, admin):
    page = admin.get(f"{BASE}/lounge").get_data(as_text=True)
    assert 'data-help="寻找走失儿童"' in page and 'data-help="反诈提醒"' in page
    for kind in ("急救", "调解纠纷", "调解纠纷", "借用雨伞"):
        assert admin.post(f"{BASE}/lounge/help", {"kind": kind}, headers=HTMX) \
            .status_code == 200
    refused = admin.post(f"{BASE}/lounge/help", {"kind": "算命"}, headers=HTMX)
    assert refused.status_code == 200 and "请从列表中选择一项" in refused.get_data(as_text=True)
    entry = within_station(app, "liuxi", lambda: db.session.scalar(
        select(HelpGiven.id).where(HelpGiven.kind == "借用雨伞")))
    assert admin.post(f"{BASE}/lounge/help/{entry}/delete").status_code == 302

    figures = admin.get("/api/v1/s/liuxi/tourism/metrics").get_json()["metrics"]
    assert figures["tourism.help"] == 3 and figures["tourism.disputes"] == 2
    overview = admin.get(f"{BASE}/").get_data(as_text=True)
    assert "调解纠纷 2" in overview and "急救 1" in overview

    def yesterday():
        db.session.add(HelpGiven(day=local_today() - timedelta(days=1), kind="指路咨询"))
        db.session.commit()
        return db.session.scalar(select(HelpGiven.id).where(HelpGiven.kind == "指路咨询"))

    old = within_station(app, "liuxi", yesterday)
    admin.post(f"{BASE}/lounge/help/{old}/delete")
    assert within_station(app, "liuxi", lambda: db.session.get(HelpGiven, old)) is not None
    with owner_app.app_context():  # the owner reads every chain
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "tourism_help", AuditEvent.station_id.is_not(None))).all()
    assert actions.count("delete") == 1


def test_a_paper_tally_is_added_to_its_hour_and_checked(app, admin):
    future = (local_today() + timedelta(days=1)).isoformat()
    refused = admin.post(f"{BASE}/lounge/tally", {"day": future, "hour": "25", "visitors": "0"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "该日期尚未到来" in html and "0 到 23" in html and "1 到 5000" in html
    day = (local_today() - timedelta(days=2)).isoformat()
    for n in ("40", "2"):
        assert admin.post(f"{BASE}/lounge/tally", {"day": day, "hour": "10", "visitors": n}) \
            .status_code == 302
    rows = within_station(app, "liuxi", lambda: db.session.execute(
        select(VisitorCount.hour, VisitorCount.visitors)).all())
    assert rows == [(10, 42)]


def test_a_tally_for_today_stops_at_the_current_hour(app, admin, monkeypatch):
    today = local_today()
    nine = datetime.combine(today, time(9, 30))
    monkeypatch.setattr("plugins.tourism.schemas.local_now", lambda: nine)
    later = admin.post(f"{BASE}/lounge/tally", {"day": today.isoformat(), "hour": "23",
                                                "visitors": "5000"})
    assert later.status_code == 400 and 'id="e-hour"' in later.get_data(as_text=True)
    assert _count(app) == 0
    for hour in ("8", "9"):
        assert admin.post(f"{BASE}/lounge/tally", {"day": today.isoformat(), "hour": hour,
                                                   "visitors": "3"}).status_code == 302
    assert _count(app) == 6


def test_the_seasons_report_names_the_hours_that_need_more_people(app, admin):
    """Busy mornings with two people on duty, quiet afternoons with two: the morning hours
    are marked for more people next season."""
    monday = "2030-03-04"
    people = member_ids(admin, day=monday)
    save_cell(admin, monday, "早班", "游客中心岗", people[:2])
    save_cell(admin, monday, "晚班", "游客中心岗", people[:2])

    def counted():  # a day still to come cannot be tallied on the page: written directly
        for hour, visitors in ((9, 120), (10, 150), (15, 20), (16, 10)):
            db.session.add(VisitorCount(day=date(2030, 3, 4), hour=hour, visitors=visitors))
        db.session.commit()

    within_station(app, "liuxi", counted)
    html = admin.get(f"{BASE}/seasons", query_string={"year": "2030"}).get_data(as_text=True)
    hours = html.split('data-table="hours"')[1].split("</table>")[0]
    flagged = re.findall(r'data-flagged="1">\s*<th[^>]*>(\d\d:00)', hours)
    assert flagged == ["09:00", "10:00"]
    months = html.split('data-table="months"')[1].split("</table>")[0]
    assert "3 月" in months and "300" in months  # 300 visitors on the one day counted


def day_label(day) -> str:
    """A day as the Chinese pages write it: 7月14日周一."""
    return f"{day.month}月{day.day}日周" + "一二三四五六日"[day.weekday()]


def _today_row(html) -> tuple[int, int]:
    """Visitors and help in today's row of the two weeks' table."""
    row = re.search(rf"<tr[^>]*><td>{day_label(local_today())}</td>(.*?)</tr>", html, re.S)
    assert row, "no row for today"
    visitors, helped = re.findall(r">(\d+)</td>", row.group(1))
    return int(visitors), int(helped)


def test_a_tap_brings_back_everything_on_the_screen_it_changed(app, admin):
    """The desk for HTMX's target, and out of band the fortnight's table and today's help:
    none of them keeps an old figure after a tap."""
    for add in ("5", "1"):
        response = admin.post(f"{BASE}/lounge/count", {"add": add}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert _shown(response) == 6 and _today_row(html) == (6, 0)
    assert re.search(r'<section[^>]*id="fortnight"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'<section[^>]*id="today-help"[^>]*hx-swap-oob="true"', html)
    html = admin.post(f"{BASE}/lounge/help", {"kind": "急救"}, headers=HTMX).get_data(
        as_text=True)
    assert _today_row(html) == (6, 1)
    today = html.split('id="today-help"')[1]
    assert 'data-entry="急救"' in today and "今天还没有记录" not in today
    # The page itself, and without JavaScript the plain forms, show the same.
    page = admin.get(f"{BASE}/lounge").get_data(as_text=True)
    assert _today_row(page) == (6, 1) and "hx-swap-oob" not in page
    plain = admin.post(f"{BASE}/lounge/help", {"kind": "指路咨询"})
    assert plain.status_code == 302
    assert _today_row(admin.get(plain.location).get_data(as_text=True)) == (6, 2)
