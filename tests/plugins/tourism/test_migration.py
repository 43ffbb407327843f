"""The tourism volunteers' move onto the station's ground, on the previous release's demo
data: every volunteer becomes a community force, every shift keeps its people, and the way
back gives the module its volunteers again."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.conftest import PG


def _on_duty(conn, column, table, columns) -> dict:
    """Each assignment's person: (station, name, phone, team, active) or its user id."""
    rows = conn.execute(text(
        f"SELECT a.id, a.user_id, {columns} FROM tourism_assignment a "
        f"LEFT JOIN {table} p ON p.tenant_id = a.tenant_id AND p.id = a.{column}")).all()
    return {r[0]: r[1] if r[1] is not None else (r[2], r[3], r[4], r[5], bool(r[6]))
            for r in rows}


def test_volunteers_become_forces_and_come_back(previous_demo):
    app, before = previous_demo
    volunteers = {v["id"]: v for v in before["tourism_volunteer"]}
    expected = {a["id"]: a["user_id"] if a["user_id"] is not None else tuple(
        (v := volunteers[a["volunteer_id"]])[k] for k in ("tenant_id", "name", "phone", "team"))
        + (bool(v["active"]),) for a in before["tourism_assignment"]}
    columns = "p.tenant_id, p.name, p.phone, p.team, p.active"
    upgrade(revision="tourism_0002")
    with db.engine.connect() as conn:
        assert _on_duty(conn, "force_id", "ground_force", columns) == expected
        kinds = conn.execute(text("SELECT DISTINCT kind FROM ground_force")).all()
        assert kinds == [("volunteer",)]
        assert conn.scalar(text("SELECT count(*) FROM ground_force")) == len(volunteers)

    downgrade(revision="tourism_0001")
    with db.engine.connect() as conn:
        assert _on_duty(conn, "volunteer_id", "tourism_volunteer", columns) == expected
        assert conn.scalar(text("SELECT count(*) FROM tourism_volunteer")) == len(volunteers)
    db.engine.dispose()


@pytest.mark.skipif(not PG, reason="row security is PostgreSQL's")
def test_an_owner_without_bypassrls_moves_every_stations_volunteers(
        previous_demo_of_a_plain_owner):
    looker, before = previous_demo_of_a_plain_owner
    with db.engine.connect() as conn:  # the station policy hides every row from the owner
        assert conn.scalar(text("SELECT count(*) FROM tourism_volunteer")) == 0
    upgrade(revision="tourism_0002")
    with looker.connect() as conn:
        on_duty = conn.execute(text(
            "SELECT a.id, f.name FROM tourism_assignment a JOIN ground_force f "
            "ON f.tenant_id = a.tenant_id AND f.id = a.force_id")).all()
        assert conn.scalar(text("SELECT count(*) FROM ground_force")) \
            == len(before["tourism_volunteer"])
    names = {v["id"]: v["name"] for v in before["tourism_volunteer"]}
    assert dict(on_duty) == {a["id"]: names[a["volunteer_id"]]
                             for a in before["tourism_assignment"] if a["volunteer_id"]}


def test_down_and_up_again_gives_everyone_on_duty_the_same_force(previous_demo):
    upgrade(revision="heads")
    with db.engine.begin() as conn:
        on_duty = dict(conn.execute(text(
            "SELECT id, force_id FROM tourism_assignment WHERE force_id IS NOT NULL")).all())
        first, second = sorted(set(on_duty.values()))[:2]
        # Meanwhile one of them became the village's mediator, on no team...
        conn.execute(text("UPDATE ground_force SET kind = 'mediator', team = NULL "
                          "WHERE id = :id"), {"id": first})
        # ...and another one's duty went to a namesake, the first entry becoming their
        # household head entry, off the roster: the volunteer is the namesake on the way up.
        twin = conn.execute(text(
            "INSERT INTO ground_force (tenant_id, name, phone, kind, team, active, created_at) "
            "SELECT tenant_id, name, phone, kind, team, active, created_at FROM ground_force "
            "WHERE id = :id RETURNING id"), {"id": second}).scalar()
        conn.execute(text("UPDATE tourism_assignment SET force_id = :twin WHERE force_id = :id"),
                     {"twin": twin, "id": second})
        conn.execute(text("UPDATE ground_force SET kind = 'household_head' WHERE id = :id"),
                     {"id": second})
        on_duty = {a: twin if f == second else f for a, f in on_duty.items()}
        forces = conn.execute(text(
            "SELECT id, tenant_id, name, phone, kind, team FROM ground_force ORDER BY id")).all()

    downgrade(revision="tourism_0001")
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        assert conn.execute(text(
            "SELECT id, tenant_id, name, phone, kind, team FROM ground_force ORDER BY id")
        ).all() == forces
        assert dict(conn.execute(text(
            "SELECT id, force_id FROM tourism_assignment WHERE force_id IS NOT NULL")
        ).all()) == on_duty
        assert conn.scalar(text("SELECT kind FROM ground_force WHERE id = :id"),
                           {"id": first}) == "mediator"
    db.engine.dispose()
