"""The second wall: PostgreSQL row-level security, seen from the app's own database role.

The ORM scoping is bypassed on purpose here (plain psycopg, raw SQL): these tests prove
what the database itself refuses when the application code gets it wrong.
"""

import pytest
from psycopg import errors
from sqlalchemy import select, text

from app.extensions import db
from tenants.context import county_context, station_context
from tenants.models import County, Station
from tenants.onboarding import create_county, create_station
from tenants.scoping import TenantScoped
from tests.conftest import APP_ROLE, PG, set_scope

pytestmark = pytest.mark.postgres
if not PG:
    pytest.skip("row-level security is PostgreSQL's", allow_module_level=True)


def _tenant_tables() -> list[str]:
    return sorted(m.local_table.name for m in db.Model.registry.mappers
                  if issubclass(m.class_, TenantScoped))


@pytest.fixture
def county_with_data(app, demo):
    """The demo county, which has every module's demo data in 东岭 and 青石 already."""
    return {slug: demo.station(slug).id for slug in ("dongling", "qingshi")}


def _set(conn, county="", station=""):
    set_scope(conn, county, station)


def _tenants(conn, table) -> set[int]:
    return {r[0] for r in conn.execute(f'SELECT DISTINCT tenant_id FROM "{table}"')}


def test_every_station_owned_table_has_rls_enabled_forced_and_a_policy(app, as_owner):
    with app.app_context():
        tables = _tenant_tables()
    assert len(tables) >= 13, tables  # the core's and both modules'
    rows = as_owner.execute(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, count(p.policyname),"
        "       bool_and(p.cmd = 'ALL'"
        "                AND p.qual LIKE '%%fengqiao_scope_stations()%%'"
        "                AND p.with_check LIKE '%%fengqiao_scope_stations()%%')"
        " FROM pg_class c LEFT JOIN pg_policies p"
        "   ON p.tablename = c.relname AND p.permissive = 'PERMISSIVE'"
        " WHERE c.relname = ANY(%s) AND c.relkind = 'r'"
        " GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity",
        (tables,)).fetchall()
    found = {r[0]: r[1:] for r in rows}
    # Exactly the one permissive policy: another would be OR'ed with it (a restrictive one
    # is AND'ed, and only narrows it: the county's stored figures are written by the
    # county alone).
    missing = [t for t in tables if found.get(t) != (True, True, 1, True)]
    assert not missing, f"station-owned tables without exactly the station policy: {missing}"


def test_the_app_role_owns_nothing_and_cannot_bypass(as_app):
    role = as_app.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles"
        " WHERE rolname = current_user").fetchone()
    assert as_app.execute("SELECT current_user").fetchone()[0] == APP_ROLE
    assert role == (False, False, False, False)
    owned = as_app.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles"
        " WHERE rolname = current_user)").fetchone()[0]
    assert owned == 0


def test_no_station_set_sees_no_station_rows(app, county_with_data, as_app, as_owner):
    with app.app_context():
        tables = _tenant_tables()
    seen_by_owner = sum(as_owner.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                        for t in tables)
    assert seen_by_owner > 30  # there is something to hide
    for table in tables:
        assert as_app.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 0, table


def test_station_a_cannot_read_or_write_station_b(app, county_with_data, as_app):
    a, b = county_with_data["dongling"], county_with_data["qingshi"]
    with app.app_context():
        tables = _tenant_tables()
        county_id = db.session.get(Station, a).county_id
    _set(as_app, county_id, a)
    for table in tables:
        assert _tenants(as_app, table) <= {a}, table
    assert as_app.execute('SELECT count(*) FROM "courtyard_concern"').fetchone()[0] > 0
    # Writes aimed at B touch nothing, or are refused outright.
    assert as_app.execute(
        "UPDATE station_notice SET title = 'x' WHERE tenant_id = %s", (b,)).rowcount == 0
    assert as_app.execute("DELETE FROM courtyard_concern WHERE tenant_id = %s", (b,)).rowcount == 0
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        as_app.execute("INSERT INTO station_notice (tenant_id, title, body, pinned, created_at)"
                       " VALUES (%s, 'planted', '', false, now())", (b,))
    as_app.rollback()
    _set(as_app, county_id, a)
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        as_app.execute("UPDATE station_notice SET tenant_id = %s WHERE tenant_id = %s", (b, a))
    as_app.rollback()


def test_a_county_sees_exactly_its_own_stations(app, county_with_data, as_app):
    with app.app_context():
        other = create_county({"name": "邻县公安局", "slug": "neighbour"})
        db.session.flush()
        far, _ = create_station(other, {
            "name": "远山派出所", "slug": "yuanshan", "admin_username": "yuanshan-admin",
            "admin_full_name": "李四"}, admin_password="a-long-password", modules=["courtyard"])
        db.session.commit()
        far_id, other_id = far.id, other.id
        demo = db.session.scalar(select(County).where(County.slug == "demo"))
        demo_ids = set(db.session.scalars(select(Station.id).where(Station.county == demo)))
        demo_id = demo.id
    _set(as_app, demo_id)
    assert _tenants(as_app, "station_plugin") <= demo_ids
    assert {county_with_data["dongling"], county_with_data["qingshi"]} <= \
        _tenants(as_app, "station_plugin")
    _set(as_app, other_id)
    assert _tenants(as_app, "station_plugin") == {far_id}
    # A station of another county named with this county is not a way in.
    _set(as_app, demo_id, far_id)
    assert _tenants(as_app, "station_plugin") == set()


def test_the_setting_ends_with_the_transaction(app, county_with_data, database_url):
    """What the app sets is local to one transaction, so a pooled connection handed to the
    next request carries no station."""
    from sqlalchemy import create_engine

    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with app.app_context():
            station = db.session.get(Station, county_with_data["dongling"])
            with engine.connect() as conn:
                with station_context(station):
                    seen = conn.execute(text("SELECT count(*) FROM station_notice")).scalar()
                    assert seen > 0
                conn.commit()
            with engine.connect() as conn:  # the same pooled connection
                # Asked on the driver's connection, past the app's own listener.
                raw = conn.connection.driver_connection
                assert raw.execute(
                    "SELECT coalesce(current_setting('fengqiao.station_id', true), ''),"
                    " (SELECT count(*) FROM station_notice)").fetchone() == ("", 0)
    finally:
        engine.dispose()


def test_a_session_level_setting_left_on_a_pooled_connection_widens_nothing(
        app, county_with_data, database_url):
    """Whatever left a county at the session level (an injected set_config(..., false) or
    SET), the pool's rollback keeps it; the next transaction, even one with no context to
    set, still sees no station's rows."""
    from sqlalchemy import create_engine

    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with app.app_context():
            county = db.session.get(Station, county_with_data["dongling"]).county_id
        with engine.connect() as conn:
            conn.execute(text("SELECT set_config('fengqiao.county_id', :c, false),"
                              " set_config('fengqiao.user_id', '1', false)"), {"c": str(county)})
            conn.commit()
        with engine.connect() as conn:  # the same pooled connection, no context
            assert conn.execute(text("SELECT count(*) FROM station_notice")).scalar() == 0
            assert conn.execute(text(
                "SELECT coalesce(current_setting('fengqiao.user_id', true), '')")).scalar() == ""
    finally:
        engine.dispose()


def test_raw_sql_inside_a_station_context_is_held_by_the_database(app, county_with_data):
    """The ORM filter does not see text(); the database still shows only the station's rows."""
    with app.app_context():
        dongling = db.session.get(Station, county_with_data["dongling"])
        county = db.session.get(County, dongling.county_id)
        with station_context(dongling):
            tenants = db.session.execute(
                text("SELECT DISTINCT tenant_id FROM courtyard_concern")).scalars().all()
        assert tenants == [dongling.id]
        with county_context(county):
            tenants = set(db.session.execute(
                text("SELECT DISTINCT tenant_id FROM courtyard_concern")).scalars())
        assert tenants == set(county_with_data.values())
        db.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET actor_name = 'someone-else'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "UPDATE alembic_version SET version_num = 'x'",
])
def test_the_app_may_only_append_to_the_audit_log(county_with_data, as_app, as_owner,
                                                  statement):
    assert as_owner.execute("SELECT count(*) FROM audit_event").fetchone()[0] > 0
    set_scope(as_app, as_owner.execute("SELECT county_id FROM station WHERE id = %s",
                                       (county_with_data["dongling"],)).fetchone()[0],
              county_with_data["dongling"])
    assert as_app.execute("SELECT count(*) FROM audit_event").fetchone()[0] > 0
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute(statement)
