"""The coverage page: the gaps in who covers the station's ground (villages without their
officer or auxiliary, grids without an active grid worker, key places without an officer,
people still assigned who have left), each closing when the gap is filled; read in a
fixed number of statements however large the station's ground."""

import re

from sqlalchemy import select

from app.extensions import db
from app.ground.models import Force, Grid, KeyPlace, Village
from app.users import Membership, User
from tests.conftest import statements_of, within_station

COVERAGE = "/s/dongling/ground/coverage"


def _in(app, fn, slug="dongling"):
    return within_station(app, slug, fn)


def _section(page: str, key: str) -> str:
    found = re.search(rf'<section[^>]*id="{key}".*?</section>', page, re.S)
    return found.group(0) if found else ""


def _count(page: str, key: str) -> int:
    found = re.search(rf'data-count="{key}">\s*<div[^>]*>(\d+)</div>', page)
    return int(found.group(1))


def test_the_demo_stations_gaps_are_shown_with_the_way_to_close_them(app, demo, make_browser):
    page = make_browser("dongling-admin").get(COVERAGE).get_data(as_text=True)
    no_auxiliary = _section(page, "no-auxiliary")
    assert "青龙村" in no_auxiliary and "大坪村" in no_auxiliary and "河口村" not in no_auxiliary
    assert _count(page, "no-auxiliary") == 2 and _count(page, "no-officer") == 0
    qinglong = _in(app, lambda: db.session.scalar(select(Village.id).where(
        Village.name == "青龙村")))
    assert f'href="/s/dongling/ground/villages/{qinglong}/edit"' in no_auxiliary
    grids = _section(page, "uncovered-grids")
    assert "石门村 · 第二网格" in grids and _count(page, "uncovered-grids") == 1
    assert "东岭农贸市场" in _section(page, "places-without-officer")
    assert 'id="no-gaps"' not in page and 'id="left"' not in page


def test_an_officer_sees_the_gaps_linking_to_the_pages_they_may_read(app, demo, make_browser):
    page = make_browser("dongling-officer").get(COVERAGE).get_data(as_text=True)
    assert "/edit" not in _section(page, "no-auxiliary")
    assert "青龙村" in _section(page, "no-auxiliary")


def test_gaps_close_when_they_are_filled(app, demo, make_browser):
    admin = make_browser("dongling-admin")

    def fill():
        aux = db.session.scalar(select(User.id).where(User.username == "dongling-aux"))
        officer = db.session.scalar(select(User.id).where(User.username == "dongling-officer"))
        for v in db.session.scalars(select(Village)):
            v.auxiliary_id = aux
        for p in db.session.scalars(select(KeyPlace)):
            p.officer_id = officer
        grid = db.session.scalar(select(Grid).join(Grid.village).where(
            Village.name == "石门村", Grid.name == "第二网格"))
        db.session.add(Force(name="吴新华", kind="grid_worker", grid_id=grid.id,
                             village_id=grid.village_id))
        db.session.commit()
    _in(app, fill)
    page = admin.get(COVERAGE).get_data(as_text=True)
    assert 'id="no-gaps"' in page and "没有空缺" in page
    assert all(_count(page, k) == 0 for k in ("no-officer", "no-auxiliary", "uncovered-grids",
                                               "places-without-officer", "left"))
    overview = admin.get("/s/dongling/ground/").get_data(as_text=True)
    assert re.search(r'data-figure="gaps">\s*<div[^>]*>0</div>', overview)


def test_a_grid_whose_worker_left_is_uncovered_again(app, demo, make_browser):
    def leave():
        worker = db.session.scalar(select(Force).join(Force.grid).join(Grid.village).where(
            Village.name == "河口村", Grid.name == "第一网格", Force.kind == "grid_worker"))
        worker.active = False
        db.session.commit()
    _in(app, leave)
    grids = _section(make_browser("dongling-admin").get(COVERAGE).get_data(as_text=True),
                     "uncovered-grids")
    assert "河口村 · 第一网格" in grids and "原网格员已离开" in grids


def test_people_assigned_who_left_the_station_are_named(app, demo, make_browser):
    def officer_leaves():
        village = db.session.scalar(select(Village).where(Village.name == "河口村"))
        user = db.session.get(User, village.officer_id)
        membership = db.session.scalar(select(Membership).where(
            Membership.user_id == user.id, Membership.station_id == village.tenant_id))
        membership.active = False
        db.session.commit()
        villages = db.session.scalars(select(Village.id).where(
            Village.officer_id == user.id, Village.active.is_(True))).all()
        places = db.session.scalars(select(KeyPlace.id).where(
            KeyPlace.officer_id == user.id, KeyPlace.active.is_(True))).all()
        return user.full_name, village.id, len(villages), len(places)
    name, village_id, villages, places = _in(app, officer_leaves)
    admin = make_browser("dongling-admin")
    page = admin.get(COVERAGE).get_data(as_text=True)
    left = _section(page, "left")
    assert f"责任区民警{name}已不在本所" in left
    assert f"联系民警{name}已不在本所" in left  # the key places they were assigned
    assert _count(page, "left") == villages + places and places > 0
    # The gap closes once another officer is chosen.
    form = admin.get(f"/s/dongling/ground/villages/{village_id}/edit").get_data(as_text=True)
    assert "（已不在本所）" in form  # still shown as the village's own, marked
    officer = _in(app, lambda: db.session.scalar(select(User.id).where(
        User.username == "dongling-admin")))
    assert admin.post(f"/s/dongling/ground/villages/{village_id}/edit", {
        "name": "河口村", "kind": "village", "active": "1",
        "officer_id": str(officer)}).status_code == 302
    assert _count(admin.get(COVERAGE).get_data(as_text=True), "left") == villages + places - 1


def _grow(app, villages=40, grids=200, forces=300):
    """A large station's ground: ``villages`` more villages with ``grids`` grids between
    them and ``forces`` grid workers (some left, some grids without), key places too."""
    def grow():
        officer = db.session.scalar(select(User.id).where(User.username == "dongling-officer"))
        made = [Village(name=f"大村{n:02d}", position=100 + n, officer_id=officer,
                        resident_population=1000) for n in range(villages)]
        db.session.add_all(made)
        db.session.flush()
        cells = [Grid(village_id=made[n % villages].id, name=f"网格{n:03d}")
                 for n in range(grids)]
        db.session.add_all(cells)
        db.session.flush()
        db.session.add_all(Force(name=f"网格员{n:03d}", kind="grid_worker",
                                 phone=f"1390000{n:04d}", grid_id=cells[n % (grids - 20)].id,
                                 village_id=cells[n % (grids - 20)].village_id,
                                 active=n % 7 != 0) for n in range(forces))
        db.session.add_all(KeyPlace(kind="enterprise", name=f"企业{n:02d}",
                                    village_id=made[n].id) for n in range(villages))
        db.session.commit()
    _in(app, grow)


def test_the_coverage_page_reads_a_fixed_number_of_statements_whatever_the_size(
        app, demo, make_browser):
    admin = make_browser("dongling-admin")
    admin.get(COVERAGE)  # warm: the first request loads what every page does once
    small = len(statements_of(app, admin, COVERAGE))
    _grow(app)
    large = len(statements_of(app, admin, COVERAGE))
    assert large == small
    page = admin.get(COVERAGE).get_data(as_text=True)
    # The demo's one, the 20 grids without a worker, and the 8 whose only worker left.
    assert _count(page, "uncovered-grids") == 1 + 20 + 8
    assert _count(page, "places-without-officer") == 1 + 40



def test_the_pages_that_pick_a_grid_or_a_worker_read_a_fixed_number_of_statements(
        app, demo, make_browser):
    """Their pickers name each grid's village and each worker's grid: from one query, not
    one per grid, however many the station has."""
    admin = make_browser("dongling-admin")
    village = _in(app, lambda: db.session.scalar(select(Village.id).order_by(Village.id)))
    pages = ("/s/dongling/ground/forces/new", f"/s/dongling/ground/villages/{village}")
    for path in pages:
        admin.get(path)
    small = [len(statements_of(app, admin, path)) for path in pages]
    _grow(app)
    assert [len(statements_of(app, admin, path)) for path in pages] == small
    picker = admin.get(pages[1]).get_data(as_text=True)
    assert "网格员001 (大村01 · 网格001)" in picker  # where each already works
