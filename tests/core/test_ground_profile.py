"""A station's size as the county compares it: the people its villages in use hold, its
officers and auxiliaries, its villages and grids."""

from sqlalchemy import event, select

from app.extensions import db
from app.ground.models import Grid, Village
from app.ground.profile import profile, profiles
from tenants.context import county_context, station_context
from tenants.models import County


def test_the_profile_sums_the_villages_in_use_and_counts_the_members(app, demo):
    with app.app_context():
        station = demo.station("dongling")
        with station_context(station):
            villages = db.session.scalars(select(Village).order_by(Village.id)).all()
            first = profile(station.id)
            assert first.population == sum(v.population for v in villages) > 0
            assert first.villages == len(villages)
            assert first.grids == db.session.query(Grid).count()
            assert (first.officers, first.auxiliaries) == (3, 1)  # admin, officer, roving

            retired, blank = villages[0], villages[1]
            expected = first.population - retired.population - blank.population
            retired.active = False  # a retired village serves no one any more
            blank.resident_population = blank.registered_population = None
            db.session.flush()
            after = profile(station.id)
            assert after.population == expected
            assert after.villages == len(villages) - 1
            assert after.villages_without_population == 1
            db.session.rollback()


def test_the_county_reads_every_station_profile_in_a_fixed_number_of_queries(app, demo):
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        ids = [demo.station(s).id for s in ("dongling", "qingshi", "liuxi")]
        seen = []

        def count(*args, **kwargs):
            seen.append(1)

        with county_context(county):
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                found = profiles(ids)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        assert len(seen) <= 5  # the context's settings and four grouped queries
        assert found[ids[0]].population > found[ids[1]].population > 0  # 青石 is smaller


def test_county_home_shows_each_station_population_served(make_browser, demo):
    page = make_browser("county-lead").get("/county/demo/").get_data(as_text=True)
    assert "辖区人口" in page
    assert "9 个村（社区），" in page
