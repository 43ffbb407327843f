"""Every module stands on the station's ground: no free-text place of its own, every
reference to the ground a composite key within the station, and what stands in a village
declared, so the village's page and the county's counts see it. Run once per installed
module, like the contract tests, without editing this file for a new module."""

from importlib.metadata import entry_points

import pytest
from flask import g
from sqlalchemy import String, func, select

from app.extensions import db
from app.ground.records import counts_per_village, story
from app.modules import enable
from app.permissions import permissions_for
from app.plugin_host import GROUP, host
from tenants.context import station_context
from tenants.models import County
from tenants.onboarding import create_station

KEYS = sorted(ep.name for ep in entry_points(group=GROUP))
GROUND = ("ground_village", "ground_grid", "ground_place", "ground_force")
FREE_TEXT_PLACES = {"village", "village_name", "grid", "community", "volunteer"}

pytestmark = pytest.mark.parametrize("key", KEYS)


def _ground_keys(model):
    return [fk for fk in model.__table__.foreign_key_constraints
            if fk.referred_table.name in GROUND]


def test_keeps_no_place_or_person_of_the_ground_as_free_text(app, key):
    with app.app_context():
        for model in host().plugins[key].models:
            for column in model.__table__.columns:
                assert not (column.name in FREE_TEXT_PLACES
                            and isinstance(column.type, String)), (
                    f"{model.__tablename__}.{column.name}: pick it from the station's ground")


def test_references_the_ground_only_within_its_station(app, key):
    with app.app_context():
        for model in host().plugins[key].models:
            for fk in _ground_keys(model):
                columns = [c.name for c in fk.columns]
                assert columns[0] == "tenant_id" and len(columns) == 2, (
                    f"{model.__tablename__}: {columns} must be (tenant_id, <id>)")


def test_declares_what_stands_in_a_village_and_it_is_counted(app, demo, key):
    with app.app_context():
        plugin = host().plugins[key]
        in_villages = [m for m in plugin.models if any(
            fk.referred_table.name == "ground_village" for fk in _ground_keys(m))]
        if not in_villages:
            assert not plugin.village_records
            return
        assert plugin.village_records, f"{key}: records stand in villages but none declared"
        for records in plugin.village_records:
            assert records.key.startswith(f"{key}.") and str(records.label)
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        station, _ = create_station(county, {
            "name": f"测试{key}", "slug": f"ground-{key}", "admin_username": f"g-{key}-admin",
            "admin_full_name": "测试员", "admin_phone": "13900009999"},
            admin_password="fengqiao-demo")
        with station_context(station):
            rows = {}
            for required in plugin.requires:
                enable(station, required, rows=rows)
            enable(station, key, rows=rows)
            db.session.flush()
            plugin.demo_data(station)
            db.session.flush()
            counted = {r.key: counts_per_village(r.key) for r in plugin.village_records}
            assert any(sum(c.values()) for c in counted.values()), (
                f"{key}: its demo records stand in no village")
            village = max(next(c for c in counted.values() if c).items(),
                          key=lambda item: item[1])[0]
            g.permissions = permissions_for("officer")  # the village page as an officer
            told = {s.records.key: s.total for s in story(village)}
            for records_key, counts in counted.items():
                assert told.get(records_key, 0) == counts.get(village, 0)
            # Counted with one statement per kind, whatever the number of villages.
            assert db.session.scalar(select(func.count()).select_from(
                plugin.village_records[0].query().subquery())) >= sum(
                counted[plugin.village_records[0].key].values())
            db.session.rollback()
