"""A station with a year of disputes: the case list reads the same statements with 5 cases
as with 50 (the page's parties, villages, officers and broken agreements in one query
each, not one a row), and a later page keeps every filter."""

import re
from itertools import cycle

import pytest
from sqlalchemy import select

from app.extensions import db
from app.ground.models import Village
from app.plugin_api import local_today
from app.users import User
from plugins.mediation.models import Agreement, Case, Party, Reminder
from tests.conftest import statements_of, within_station

BASE = "/s/liuxi/mediation"


@pytest.fixture
def admin(make_browser, demo):
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/mediation/enable").status_code == 302
    return b


def _cases(app, n, start=0, **fixed):
    """``n`` more cases of the station, open and closed (some with an agreement the visit
    found broken), in its villages, with officers, two parties and a reminder each."""
    def add():
        today = local_today()
        villages = cycle(db.session.scalars(select(Village.id)).all() + [None])
        officers = cycle(db.session.scalars(
            select(User.id).where(User.username.in_(("liuxi-admin", "liuxi-officer")))).all()
            + [None])
        ends = cycle([("open", None), ("closed", "agreement"), ("closed", "withdrawn")])
        for i in range(start, start + n):
            status, outcome = next(ends)
            values = {"village_id": next(villages), "officer_id": next(officers),
                      "status": status, "outcome": outcome, **fixed}
            case = Case(title=f"案件{i:03d}", kind="邻里纠纷", source="call", opened_on=today,
                        level=1 + i % 2, level_since=today,
                        closed_on=today if values["status"] == "closed" else None, **values)
            db.session.add(case)
            db.session.flush()
            db.session.add_all([Party(case_id=case.id, name="张大山", phone="13911112222"),
                                Party(case_id=case.id, name="李小河")])
            db.session.add(Reminder(case_id=case.id, kind="stuck", since=today))
            if case.outcome == "agreement":
                db.session.add(Agreement(case_id=case.id, level=1, terms="赔偿", signed_on=today,
                                         follow_up_on=today, holds=i % 2 == 0))
        db.session.commit()

    within_station(app, "liuxi", add)


def test_the_case_list_reads_the_same_statements_for_5_cases_as_for_50(app, admin):
    listed = f"{BASE}/"
    _cases(app, 5)
    few = len(statements_of(app, admin, listed, warm=True))
    _cases(app, 45, start=5)
    assert len(statements_of(app, admin, listed, warm=True)) == few
    html = admin.get(listed).get_data(as_text=True)
    assert html.count('data-label="案件"><a href=') == 50
    assert "协议未履行" in html and "张*山、李*河" in html  # broken agreements, parties masked
    assert "13911112222" not in html


def test_a_later_page_of_cases_keeps_every_filter(app, admin):
    size = app.config["PAGE_SIZE"]
    officer = within_station(app, "liuxi", lambda: db.session.scalar(
        select(User.id).where(User.username == "liuxi-officer")))
    village = within_station(app, "liuxi", lambda: db.session.scalars(
        select(Village.id).order_by(Village.id)).first())
    _cases(app, size + 4, status="open", outcome=None, officer_id=officer, village_id=village)
    _cases(app, 9, start=500, officer_id=None)  # others, in every village, no one in charge
    query = (f"status=open&level=&kind=邻里纠纷&village_id={village}&officer={officer}"
             f"&period={local_today():%Y-%m}&reminder=stuck")
    first = admin.get(f"{BASE}/?{query}").get_data(as_text=True)
    assert first.count('data-label="案件"><a href=') == size
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    for kept in ("status=open", f"village_id={village}", f"officer={officer}", "period=",
                 "reminder=stuck", "kind=", "page=2"):
        assert kept in link, kept
    second = admin.get(link).get_data(as_text=True)
    shown = re.findall(r"案件(\d{3})", first + second)
    assert sorted(shown) == [f"{i:03d}" for i in range(size + 4)]
