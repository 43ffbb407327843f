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


@pytest.fixture
def empty_database_url(tmp_path, database_urls):
    if not PG:
        yield "sqlite:///" + str(tmp_path / "empty.db")
        return
    name = f"fengqiao_mig_{uuid.uuid4().hex[:8]}"
    base = database_urls[0].rsplit("/", 1)[0]  # the owner may create databases
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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
