"""Migrations build an empty database to head, and agree with the models."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import PG


def test_empty_database_to_head_and_models_agree(empty_database_url):
    app = create_app({"ENV": "test", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
            assert diff == [], diff
            tables = set(inspect(conn).get_table_names())
        assert {"station", "county", "user_account", "membership", "audit_event"} <= tables
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


@pytest.mark.skipif(not PG, reason="row security is PostgreSQL's")
def test_double_handoffs_are_cleaned_up_by_an_owner_who_cannot_bypass_row_security(
        database_urls):
    """The owner of a production database may lack BYPASSRLS: the migrations that make a
    handoff unique and give agreements their level must still see every station's rows."""
    from sqlalchemy import make_url

    role, name = f"fq_owner_{uuid.uuid4().hex[:6]}", f"fengqiao_mig_{uuid.uuid4().hex[:8]}"
    base = make_url(database_urls[0])
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{role}"'))
    url = base.set(database=name, username=role, password=None).render_as_string(False)
    try:
        app = create_app({"ENV": "test", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="0005_outbox_rate_limits")
            upgrade(revision="mediation_0002")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO county (id, slug, name, created_at) "
                                  "VALUES (1, 'c', 'C', now())"))
                conn.execute(text("INSERT INTO station (id, county_id, slug, name, active, "
                                  "created_at) VALUES (7, 1, 's', 'S', true, now())"))
                conn.execute(text("SELECT set_config('fengqiao.county_id', '1', true), "
                                  "set_config('fengqiao.station_id', '7', true)"))
                conn.execute(text(
                    "INSERT INTO mediation_case (id, tenant_id, title, kind, source, opened_on, "
                    "officer_id, level, level_since, status, outcome, closed_on, version, "
                    "updated_at, created_at) VALUES (5, 7, 't', 'k', 'call', current_date, "
                    "NULL, 2, current_date, 'closed', 'agreement', current_date, 1, now(), "
                    "now())"))
                conn.execute(text(
                    "INSERT INTO mediation_agreement (tenant_id, case_id, terms, confirmed, "
                    "signed_on, follow_up_on) VALUES (7, 5, 'x', true, current_date, "
                    "current_date)"))
                for _ in range(2):  # the same concern handed over twice (the old bug)
                    conn.execute(text(
                        "INSERT INTO module_handoff (tenant_id, target_key, source_plugin, "
                        "source_type, source_id, source_label, target_plugin, target_type, "
                        "target_id, target_label, created_at) VALUES (7, 'mediation.case', "
                        "'courtyard', 'concern', 3, 'x', 'mediation', 'case', 1, 'y', now())"))
            upgrade(revision="heads")
            with db.engine.begin() as conn:
                conn.execute(text("SELECT set_config('fengqiao.county_id', '1', true), "
                                  "set_config('fengqiao.station_id', '7', true)"))
                assert conn.scalar(text("SELECT count(*) FROM module_handoff")) == 1
                assert conn.scalar(text("SELECT level FROM mediation_agreement")) == 2
                forced = conn.scalar(text(
                    "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'module_handoff'"))
            assert forced  # the wall is back
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
