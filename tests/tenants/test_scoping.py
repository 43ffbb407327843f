"""Fail-closed tenant scoping: the filter is added for us, and forgetting a context raises."""

import pytest
from sqlalchemy import MetaData, String, exists, func, select, update
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.extensions import db
from app.station.notices import Notice
from tenants import (
    County,
    CrossTenantWrite,
    Station,
    TenantContextRequired,
    TenantScoped,
    county_context,
    station_context,
    tenant_foreign_key,
)
from tenants.onboarding import create_county
from tenants.row_security import grant_app_role
from tests.conftest import APP_ROLE, PG


def _notices(station, *titles):
    with station_context(station):
        for title in titles:
            db.session.add(Notice(title=title))
        db.session.commit()


@pytest.fixture
def two_counties(ctx, demo):
    other = create_county({"name": "邻县公安局", "slug": "neighbour"})
    with county_context(other):  # a county opens its own stations only
        far = Station(county=other, name="远山派出所", slug="yuanshan")
        db.session.add(far)
        db.session.commit()
    stations = {s.slug: s for s in db.session.scalars(select(Station))}
    return stations


def test_query_without_context_raises(ctx, demo):
    with pytest.raises(TenantContextRequired):
        db.session.scalars(select(Notice)).all()
    with pytest.raises(TenantContextRequired):
        db.session.scalar(select(func.count()).select_from(Notice))


def test_station_context_sees_only_its_own_rows(two_counties):
    dongling, qingshi = two_counties["dongling"], two_counties["qingshi"]
    _notices(dongling, "东岭-甲")
    _notices(qingshi, "青石-甲")
    with station_context(dongling):
        titles = set(db.session.scalars(select(Notice.title)))
    assert "东岭-甲" in titles and "青石-甲" not in titles
    assert all(n.tenant_id == dongling.id for n in _all(dongling))


def _all(station):
    with station_context(station):
        return db.session.scalars(select(Notice)).all()


def test_county_context_is_limited_to_its_county(two_counties):
    far = two_counties["yuanshan"]
    _notices(far, "远山-甲")
    _notices(two_counties["liuxi"], "柳溪-甲")
    demo_county = db.session.scalar(select(County).where(County.slug == "demo"))
    with county_context(demo_county):
        titles = set(db.session.scalars(select(Notice.title)))
    assert "柳溪-甲" in titles
    assert "远山-甲" not in titles


def test_new_rows_take_the_context_station(ctx, demo):
    station = db.session.get(Station, demo.station("liuxi").id)
    with station_context(station):
        notice = Notice(title="x")
        db.session.add(notice)
        db.session.commit()
        assert notice.tenant_id == station.id


def test_writing_into_another_station_raises(ctx, demo):
    dongling = db.session.get(Station, demo.station("dongling").id)
    qingshi = db.session.get(Station, demo.station("qingshi").id)
    with station_context(dongling):
        db.session.add(Notice(title="x", tenant_id=qingshi.id))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    _notices(dongling, "mine")
    with station_context(dongling):
        notice = db.session.scalars(select(Notice)).first()
        notice.tenant_id = qingshi.id
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_bulk_update_is_scoped(ctx, demo):
    dongling = db.session.get(Station, demo.station("dongling").id)
    qingshi = db.session.get(Station, demo.station("qingshi").id)
    with station_context(dongling):
        db.session.execute(update(Notice).values(title="changed"))
        db.session.commit()
    with station_context(qingshi):
        assert "changed" not in set(db.session.scalars(select(Notice.title)))


def test_county_context_must_name_the_station(ctx, demo):
    county = db.session.get(County, demo.county.id)
    with county_context(county):
        db.session.add(Notice(title="whose?"))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


# Composite foreign keys: a station-owned row cannot point at another station's row,
# even when the code forgets to check. Two throw-away models on their own metadata.
class _Base(DeclarativeBase):
    metadata = MetaData()


class _Point(TenantScoped, _Base):
    __tablename__ = "zz_point"
    name: Mapped[str] = mapped_column(String(20))


class _Visit(TenantScoped, _Base):
    __tablename__ = "zz_visit"
    __tenant_table_args__ = (tenant_foreign_key("point_id", "zz_point"),)
    point_id: Mapped[int] = mapped_column()


Station.__table__.to_metadata(_Base.metadata)
County.__table__.to_metadata(_Base.metadata)


@pytest.fixture
def composite_tables(ctx, owner_engine):
    tables = [_Point.__table__, _Visit.__table__]
    _Base.metadata.create_all(owner_engine, tables=tables)
    if PG:
        with owner_engine.begin() as conn:
            grant_app_role(conn, APP_ROLE)
    yield
    db.session.rollback()
    db.session.close()
    _Base.metadata.drop_all(owner_engine, tables=tables)


def test_composite_foreign_key_blocks_cross_station_reference(composite_tables, demo):
    dongling = db.session.get(Station, demo.station("dongling").id)
    qingshi = db.session.get(Station, demo.station("qingshi").id)
    with station_context(qingshi):
        theirs = _Point(name="theirs")
        db.session.add(theirs)
        db.session.commit()
        their_id = theirs.id
    with station_context(dongling):
        mine = _Point(name="mine")
        db.session.add(mine)
        db.session.flush()
        db.session.add(_Visit(point_id=mine.id))
        db.session.commit()  # same station: fine
        db.session.add(_Visit(point_id=their_id))
        with pytest.raises(IntegrityError):
            db.session.commit()




def test_counting_through_select_from_is_filtered(ctx, demo):
    station = db.session.get(Station, demo.station("dongling").id)
    with station_context(station):
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 2


def test_naming_the_bare_table_is_refused(ctx, demo):
    # The ORM filter applies to models; the table itself would run unfiltered.
    station = db.session.get(Station, demo.station("dongling").id)
    with station_context(station):
        with pytest.raises(TenantContextRequired):
            db.session.scalar(select(func.count()).select_from(Notice.__table__))
        with pytest.raises(TenantContextRequired):
            db.session.execute(select(Notice.__table__.c.title)).all()
        # Named by its name alone (a lightweight table clause), it is the same table.
        light = sa_table("station_notice", sa_column("title"), sa_column("tenant_id"))
        with pytest.raises(TenantContextRequired):
            db.session.execute(select(sa_column("title")).select_from(light)).all()


_BARE_BESIDE_THE_MODEL = {
    "union": lambda t: select(Notice.title).union_all(select(t.c.title)),
    "exists": lambda t: select(t.c.title).where(exists(select(Notice.id))),
    "in": lambda t: select(t.c.title).where(t.c.id.not_in(select(Notice.id))),
    "scalar": lambda t: select(t.c.title).where(
        select(func.count(Notice.id)).scalar_subquery() > 0),
    "update": lambda t: update(t).values(title="x").where(exists(select(Notice.id))),
}


@pytest.mark.parametrize("kind", sorted(_BARE_BESIDE_THE_MODEL))
def test_a_bare_table_is_refused_even_beside_its_model(ctx, demo, kind):
    # The model in one part of a statement must not vouch for the bare table in another:
    # only the model's part would get the filter, and the rest would cross stations.
    station = db.session.get(Station, demo.station("dongling").id)
    statement = _BARE_BESIDE_THE_MODEL[kind](Notice.__table__)
    with station_context(station), pytest.raises(TenantContextRequired):
        db.session.execute(statement)


def test_model_and_its_columns_in_one_statement_are_filtered(ctx, demo):
    station = db.session.get(Station, demo.station("dongling").id)
    t = Notice.__table__
    with station_context(station):
        rows = db.session.execute(select(Notice.id, t.c.title)).all()
    assert len(rows) == 2  # one FROM, filtered: not every station's notices


# What a statement names is kept by the statement's shape (its cache key), so the tree is
# walked once per shape rather than on every execution: the shape says nothing of the
# context, so each execution still gets its own context's filter, and a refusal holds.

def test_one_shape_of_statement_is_filtered_for_each_context_in_turn(two_counties):
    dongling, qingshi = two_counties["dongling"], two_counties["qingshi"]
    _notices(dongling, "东岭-乙")
    _notices(qingshi, "青石-乙")
    demo_county = db.session.scalar(select(County).where(County.slug == "demo"))

    def titles(context):
        with context:
            return set(db.session.scalars(select(Notice.title).where(Notice.title.like("%-乙"))))

    for _ in range(2):
        assert titles(station_context(dongling)) == {"东岭-乙"}
        assert titles(station_context(qingshi)) == {"青石-乙"}
        assert titles(county_context(demo_county)) == {"东岭-乙", "青石-乙"}
        with pytest.raises(TenantContextRequired):
            titles(_no_context())


class _no_context:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_a_lazy_load_is_filtered_for_each_station(ctx, demo):
    from app.ground.models import Grid

    # A grid's village, loaded lazily: one shape of statement, run in one station after
    # the other, each time with that station's filter.
    loaded = []
    for slug in ("dongling", "liuxi", "dongling"):
        station = db.session.get(Station, demo.station(slug).id)
        with station_context(station):
            grid = db.session.scalars(select(Grid)).first()
            loaded.append(grid.village.tenant_id == grid.tenant_id == station.id)
        db.session.expunge_all()
    assert loaded == [True, True, True]


def test_a_bare_table_stays_refused_once_its_shape_is_known(ctx, demo):
    station = db.session.get(Station, demo.station("dongling").id)
    with station_context(station):
        for _ in range(3):
            with pytest.raises(TenantContextRequired):
                db.session.execute(select(Notice.__table__.c.title)).all()
        # The same columns through the model are another shape, and filtered.
        assert len(db.session.execute(select(Notice.title)).all()) == 2


def test_the_shapes_kept_are_bounded(ctx, demo, monkeypatch):
    from tenants import scoping

    monkeypatch.setattr(scoping, "_SHAPES", {})
    monkeypatch.setattr(scoping, "_MAX_SHAPES", 3)
    station = db.session.get(Station, demo.station("dongling").id)
    with station_context(station):
        for n in range(1, 8):  # seven shapes: n conditions each
            query = select(Notice.id).where(*(Notice.title != str(i) for i in range(n)))
            assert len(db.session.scalars(query).all()) == 2
    assert len(scoping._SHAPES) <= 3
