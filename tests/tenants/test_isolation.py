"""The isolation sweep: every URL rule under /s/<station_slug>/ is walked with station A's
session against station B's objects, and must answer 404 every time.

It reads the rules from the app itself, so routes added later (modules) are swept without
editing this file. A route with an id parameter this file cannot fill fails the sweep:
teach ``OBJECT_IDS`` (or the module's demo data) what the parameter refers to.
"""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.station.notices import Notice
from app.users import Membership
from tenants.context import station_context
from tenants.models import Station

OWN, OTHER = "dongling", "qingshi"


def _object_ids(station: Station) -> dict[str, int]:
    """One object of ``station`` for each kind of id a URL can carry."""
    with station_context(station):
        notice = db.session.scalars(select(Notice)).first()
    membership = db.session.scalars(
        select(Membership).where(Membership.station_id == station.id)
    ).first()
    return {"notice_id": notice.id, "membership_id": membership.id}


def _station_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/s/<station_slug>")]


def _urls(app, ids: dict[str, int], station_slug: str):
    for rule in _station_rules(app):
        values = {"station_slug": station_slug}
        for arg in rule.arguments - {"station_slug"}:
            assert arg in ids, f"{rule.rule}: the sweep does not know what {arg!r} is"
            values[arg] = ids[arg]
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method, path


def test_the_sweep_finds_the_core_routes(app):
    rules = {r.rule for r in _station_rules(app)}
    assert "/s/<station_slug>/" in rules
    assert "/s/<station_slug>/members/<int:membership_id>" in rules
    assert len(rules) >= 10


@pytest.mark.parametrize("who", ["dongling-admin", "dongling-officer"])
def test_station_a_gets_404_for_every_station_b_url(app, demo, make_browser, who):
    with app.app_context():
        theirs = _object_ids(db.session.get(Station, demo.station(OTHER).id))
    b = make_browser(who)

    def call(method, path):
        return b.get(path) if method == "GET" else b.post(path, {"role": "officer"})

    checked = 0
    for rule, method, path in _urls(app, theirs, OTHER):
        assert call(method, path).status_code == 404, f"{method} {path} ({rule}) as {who}"
        checked += 1
    # A's own URLs carrying B's ids: 404, or (where A's role may not act at all, e.g. an
    # officer deleting a notice) exactly the answer an id that exists nowhere gets, so
    # the response never tells whether B's object exists.
    nowhere = {name: 987654 for name in theirs}
    own = list(_urls(app, theirs, OWN))
    for (rule, method, path), (_, _, absent) in zip(own, _urls(app, nowhere, OWN), strict=True):
        if "_id>" not in rule:
            continue  # A's own pages without ids are A's to see
        status = call(method, path).status_code
        assert status == 404 or status == call(method, absent).status_code != 200, (
            f"{method} {path} ({rule}) as {who}: {status}"
        )
        checked += 1
    assert checked >= 10


def test_nothing_changed_in_station_b(app, demo, make_browser):
    with app.app_context():
        theirs = _object_ids(db.session.get(Station, demo.station(OTHER).id))
    b = make_browser("dongling-admin")
    for _rule, method, path in _urls(app, theirs, OWN):
        if method == "POST":
            b.post(path, {"role": "officer", "title": "x"})
    with app.app_context():
        station = db.session.get(Station, demo.station(OTHER).id)
        with station_context(station):
            assert db.session.get(Notice, theirs["notice_id"]) is not None
        membership = db.session.get(Membership, theirs["membership_id"])
        assert membership.active and membership.role == "station_admin"


def test_county_of_another_county_is_404(app, demo, make_browser):
    from tenants.onboarding import create_county

    with app.app_context():
        create_county({"name": "邻县公安局", "slug": "neighbour"})
        db.session.commit()
    b = make_browser("county-it")
    assert b.get("/county/demo/").status_code == 200
    for path in ("/county/neighbour/", "/county/neighbour/audit", "/county/neighbour/stations/new"):
        assert b.get(path).status_code == 404, path
