"""A station with a year of courtyard talks: the concerns list and a point's record book
read the same statements with 5 rows as with 50 (a page's owners, sessions' concerns and
their updates in one query each, not one a row), and a later page keeps the filters."""

import re
from itertools import cycle

import pytest
from sqlalchemy import select

from app.extensions import db
from app.users import User
from plugins.courtyard.models import Concern, ConcernUpdate, Session
from tests.conftest import statements_of, within_station
from tests.plugins.courtyard.test_courtyard import BASE, _point, _session


@pytest.fixture
def admin(make_browser, demo):
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/courtyard/enable").status_code == 302
    return b


def _staff(app):
    with app.app_context():
        return db.session.scalars(select(User.id).where(User.username.like("liuxi-%"))).all()


def _concerns(app, session_id, n, start=0):
    """``n`` more concerns of the session, of every status and owner, each with updates."""
    owners = cycle(_staff(app) + [None])
    statuses = cycle(("open", "in_progress", "resolved", "closed"))

    def add():
        held = db.session.get(Session, session_id).held_on
        made = [Concern(session_id=session_id, category="烦心事", title=f"事项{i:03d}",
                        raised_on=held, due_on=held, status=next(statuses),
                        owner_id=next(owners)) for i in range(start, start + n)]
        db.session.add_all(made)
        db.session.flush()
        for c in made:
            db.session.add_all(ConcernUpdate(concern_id=c.id, status=c.status, note="跟进",
                                             author_id=c.owner_id) for _ in range(2))
        db.session.commit()

    within_station(app, "liuxi", add)


def test_the_concern_list_reads_the_same_statements_for_5_rows_as_for_50(app, admin):
    session_id = _session(admin, _point(admin))
    listed = f"{BASE}/concerns?status=all"
    _concerns(app, session_id, 5)
    few = len(statements_of(app, admin, listed, warm=True))
    _concerns(app, session_id, 45, start=5)
    assert len(statements_of(app, admin, listed, warm=True)) == few
    assert admin.get(listed).get_data(as_text=True).count('class="list-group-item') == 50


def test_the_record_book_reads_the_same_statements_for_5_sessions_as_for_20(app, admin):
    """Each session's concerns and each concern's updates come with the page."""
    point_id = _point(admin)
    book = f"{BASE}/points/{point_id}"

    def sessions(n):
        for _ in range(n):
            _concerns(app, _session(admin, point_id), 3)

    sessions(5)
    few = len(statements_of(app, admin, book, warm=True))
    sessions(15)
    assert len(statements_of(app, admin, book, warm=True)) == few
    assert admin.get(book).get_data(as_text=True).count('id="session-') == 20


def test_a_later_page_of_concerns_keeps_every_filter(app, admin):
    session_id = _session(admin, _point(admin))
    me = within_station(app, "liuxi", lambda: db.session.scalar(
        select(User.id).where(User.username == "liuxi-admin")))
    size = app.config["PAGE_SIZE"]

    def add():
        held = db.session.get(Session, session_id).held_on
        for i in range(size + 9):  # the admin's open 烦心事, and others beside them
            for category, owner, status in (("烦心事", me, "open"), ("暖心事", me, "open"),
                                            ("烦心事", None, "open"),
                                            ("烦心事", me, "resolved")):
                db.session.add(Concern(session_id=session_id, category=category,
                                       title=f"{category}{owner or 0}{status}{i:03d}",
                                       raised_on=held, due_on=held, status=status,
                                       owner_id=owner))
        db.session.commit()

    within_station(app, "liuxi", add)
    first = admin.get(f"{BASE}/concerns?status=open&category=烦心事&mine=1").get_data(
        as_text=True)
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    for kept in ("status=open", "category=%E7%83%A6%E5%BF%83%E4%BA%8B", "mine=1", "page=2"):
        assert kept in link, kept
    second = admin.get(link)
    assert second.status_code == 200
    wanted = re.compile(rf"烦心事{me}open\d{{3}}")
    shown = wanted.findall(first) + wanted.findall(second.get_data(as_text=True))
    assert sorted(shown) == sorted({f"烦心事{me}open{i:03d}" for i in range(size + 9)})
    assert "暖心事" not in second.get_data(as_text=True).split("<div class=\"card p-3\">")[1]
