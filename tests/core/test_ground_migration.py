"""The upgrade onto the station's ground, on a database the previous release's demo filled:
every free-text village and every volunteer lands in the registry, no record loses its
place. The fixture is that demo's rows (``fengqiao demo`` at core 0007, courtyard 0003,
mediation 0003, backpack 0001, tourism 0001, appointments 0002), passwords and audit left
out."""

import json

from flask_migrate import upgrade
from sqlalchemy import text

from app.extensions import db


def _village_names(conn) -> dict[int, tuple[int, str]]:
    return {i: (t, n) for i, t, n in conn.execute(
        text("SELECT id, tenant_id, name FROM ground_village")).all()}


def test_every_free_text_village_lands_in_its_station_registry(previous_demo):
    app, before = previous_demo
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        villages = _village_names(conn)
        for table, nullable in (("courtyard_point", False), ("mediation_case", True),
                                ("backpack_request", False)):
            after = dict(conn.execute(text(f"SELECT id, village_id FROM {table}")).all())
            assert len(after) == len(before[table]), table
            for row in before[table]:
                if row["village"] is None:
                    assert nullable and after[row["id"]] is None
                    continue
                assert villages[after[row["id"]]] == (row["tenant_id"], row["village"].strip())
        # One village per name and station, not one per record.
        names = list(villages.values())
        assert len(names) == len(set(names))
        columns = {c for (c,) in conn.execute(text(
            "SELECT name FROM pragma_table_info('courtyard_point')"))} \
            if conn.dialect.name == "sqlite" else {c for (c,) in conn.execute(text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'courtyard_point'"))}
        assert "village" not in columns  # no free text left to drift from the registry


def test_the_backpack_route_order_survives_as_the_registry_order(previous_demo):
    app, before = previous_demo
    settings = {row["tenant_id"]: json.loads(row["settings"] or "{}").get("villages")
                for row in before["station_plugin"] if row["plugin"] == "backpack"}
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        for tenant_id, listed in settings.items():
            ordered = [n for (n,) in conn.execute(text(
                "SELECT name FROM ground_village WHERE tenant_id = :t ORDER BY position, name"),
                {"t": tenant_id})]
            listed = listed or ["河口村", "骆家咀村", "石门村", "青龙村", "大坪村"]
            assert [n for n in ordered if n in listed] == listed
        stored = [json.loads(s) if isinstance(s, str) else s for (s,) in conn.execute(text(
            "SELECT settings FROM station_plugin WHERE plugin = 'backpack'"))]
        assert all("villages" not in (s or {}) for s in stored)


def test_tourism_volunteers_become_the_station_community_forces(previous_demo):
    app, before = previous_demo
    volunteers = {v["id"]: v for v in before["tourism_volunteer"]}
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        forces = {i: (t, n, p, k, team) for i, t, n, p, k, team in conn.execute(text(
            "SELECT id, tenant_id, name, phone, kind, team FROM ground_force")).all()}
        assigned = dict(conn.execute(text("SELECT id, force_id FROM tourism_assignment")).all())
        assert len(assigned) == len(before["tourism_assignment"])
        for row in before["tourism_assignment"]:
            if row["volunteer_id"] is None:
                assert assigned[row["id"]] is None
                continue
            v = volunteers[row["volunteer_id"]]
            assert forces[assigned[row["id"]]] == (v["tenant_id"], v["name"], v["phone"],
                                                   "volunteer", v["team"])
        assert len([f for f in forces.values() if f[3] == "volunteer"]) == len(volunteers)
