"""The move onto the station's ground, on a database the previous release's demo filled:
every meeting point keeps its place (a village of its own station's registry), its
sessions stay with it, and the way back gives each point its village's name as text."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db


def _points(conn) -> dict[int, tuple]:
    return {i: (t, n, v) for i, t, n, v in conn.execute(text(
        "SELECT p.id, p.tenant_id, p.name, v.name FROM courtyard_point p "
        "JOIN ground_village v ON v.id = p.village_id AND v.tenant_id = p.tenant_id"))}


def test_points_keep_their_village_up_and_down(previous_demo):
    app, before = previous_demo
    first, second = (row["id"] for row in before["courtyard_point"][:2])
    with db.engine.begin() as conn:  # what hands, not the forms, may have left
        conn.execute(text("UPDATE courtyard_point SET village = ' ' WHERE id = :i"),
                     {"i": first})
        conn.execute(text("UPDATE courtyard_point SET village = ' 石龙村 ' WHERE id = :i"),
                     {"i": second})
        sessions = conn.execute(text(
            "SELECT id, point_id FROM courtyard_session ORDER BY id")).all()
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        after = _points(conn)
        assert len(after) == len(before["courtyard_point"])  # none lost on the way
        for row in before["courtyard_point"]:
            village = {first: "未注明村", second: "石龙村"}.get(row["id"], row["village"])
            assert after[row["id"]] == (row["tenant_id"], row["name"], village)
        # The point with no village stands in a retired one, offered for nothing new.
        assert conn.scalar(text("SELECT active FROM ground_village WHERE name = '未注明村'")) \
            in (False, 0)
        assert conn.execute(text(
            "SELECT id, point_id FROM courtyard_session ORDER BY id")).all() == sessions
        ids = dict(conn.execute(text("SELECT id, village_id FROM courtyard_point")).all())

    downgrade(revision="courtyard_0003")
    with db.engine.connect() as conn:
        texts = dict(conn.execute(text("SELECT id, village FROM courtyard_point")).all())
        assert texts == {i: v for i, (_t, _n, v) in after.items()}
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        assert dict(conn.execute(text("SELECT id, village_id FROM courtyard_point")).all()) \
            == ids
        assert conn.execute(text(
            "SELECT id, point_id FROM courtyard_session ORDER BY id")).all() == sessions
