"""The backpack's move onto the station's ground, on the previous release's demo data:
every request keeps its village, the route keeps its order, and the way back restores
the free text and the setting."""

import json

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.conftest import PG


def _settings(conn) -> dict:
    return {t: json.loads(s) if isinstance(s, str) else s for t, s in conn.execute(text(
        "SELECT tenant_id, settings FROM station_plugin WHERE plugin = 'backpack'"))}


def test_requests_keep_their_village_and_the_route_its_order_both_ways(previous_demo):
    app, before = previous_demo
    listed = {row["tenant_id"]: json.loads(row["settings"])["villages"]
              for row in before["station_plugin"] if row["plugin"] == "backpack"}
    upgrade(revision="backpack_0002")
    with db.engine.connect() as conn:
        names = {i: (t, n) for i, t, n in conn.execute(text(
            "SELECT id, tenant_id, name FROM ground_village"))}
        after = dict(conn.execute(text("SELECT id, village_id FROM backpack_request")).all())
        assert {r["id"]: (r["tenant_id"], r["village"]) for r in before["backpack_request"]} \
            == {i: names[v] for i, v in after.items()}
        for tenant_id, route in listed.items():
            ordered = [n for (n,) in conn.execute(text(
                "SELECT name FROM ground_village WHERE tenant_id = :t "
                "ORDER BY position, name"), {"t": tenant_id})]
            assert ordered[:len(route)] == route
        assert all("villages" not in s and s["round_trip_hours"] == 3.0
                   for s in _settings(conn).values())
        # The visits and steps still stand on their requests.
        assert conn.scalar(text("SELECT count(*) FROM backpack_visit")) \
            == len(before["backpack_visit"])
        assert conn.scalar(text(
            "SELECT count(*) FROM backpack_step s JOIN backpack_request r "
            "ON r.tenant_id = s.tenant_id AND r.id = s.request_id")) == len(before["backpack_step"])

    downgrade(revision="backpack_0001")
    with db.engine.connect() as conn:
        texts = dict(conn.execute(text("SELECT id, village FROM backpack_request")).all())
        assert texts == {r["id"]: r["village"] for r in before["backpack_request"]}
        assert {t: s["villages"] for t, s in _settings(conn).items()} == listed
    db.engine.dispose()


@pytest.mark.skipif(not PG, reason="row security is PostgreSQL's")
def test_an_owner_without_bypassrls_moves_every_stations_requests(
        previous_demo_of_a_plain_owner):
    looker, before = previous_demo_of_a_plain_owner
    with db.engine.connect() as conn:  # the station policy hides every row from the owner
        assert conn.scalar(text("SELECT count(*) FROM backpack_request")) == 0
    upgrade(revision="backpack_0002")
    with looker.connect() as conn:
        moved = dict(conn.execute(text(
            "SELECT r.id, v.name FROM backpack_request r JOIN ground_village v "
            "ON v.tenant_id = r.tenant_id AND v.id = r.village_id")).all())
        assert moved == {r["id"]: r["village"] for r in before["backpack_request"]}
        assert conn.scalar(text("SELECT count(*) FROM station_plugin WHERE plugin = "
                                "'backpack' AND settings::jsonb ? 'villages'")) == 0
        forced = conn.scalar(text("SELECT bool_and(relforcerowsecurity) FROM pg_class WHERE "
                                  "relname IN ('backpack_request', 'ground_village', "
                                  "'station_plugin')"))
    assert forced  # the wall is back
