"""The move onto the station's ground, on a database the previous release's demo filled:
every case keeps its place (a village of its own station's registry, or none as before),
its parties, attempts and agreements stay with it, and the way back gives each case its
village's name as text."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db

CHILDREN = ("mediation_party", "mediation_attempt", "mediation_event", "mediation_agreement")


def _cases(conn) -> dict[int, tuple]:
    return {i: (t, title, v) for i, t, title, v in conn.execute(text(
        "SELECT c.id, c.tenant_id, c.title, v.name FROM mediation_case c "
        "LEFT JOIN ground_village v ON v.id = c.village_id AND v.tenant_id = c.tenant_id"))}


def _children(conn) -> dict[str, list]:
    return {t: conn.execute(text(f"SELECT id, case_id FROM {t} ORDER BY id")).all()
            for t in CHILDREN}


def test_cases_keep_their_village_up_and_down(previous_demo):
    app, before = previous_demo
    first = before["mediation_case"][0]["id"]
    with db.engine.begin() as conn:  # a case whose village nobody knew
        conn.execute(text("UPDATE mediation_case SET village = NULL WHERE id = :i"),
                     {"i": first})
        children = _children(conn)
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        after = _cases(conn)
        assert len(after) == len(before["mediation_case"])
        for row in before["mediation_case"]:
            village = None if row["id"] == first else row["village"]
            assert after[row["id"]] == (row["tenant_id"], row["title"], village)
        assert _children(conn) == children
        # No attempt named a community force before: their names stay in words.
        assert conn.scalar(text("SELECT count(*) FROM mediation_attempt "
                                "WHERE mediator_force_id IS NOT NULL")) == 0
        ids = dict(conn.execute(text("SELECT id, village_id FROM mediation_case")).all())

    downgrade(revision="mediation_0003")
    with db.engine.connect() as conn:
        texts = dict(conn.execute(text("SELECT id, village FROM mediation_case")).all())
        assert texts == {i: v for i, (_t, _n, v) in after.items()}
        assert _children(conn) == children
    upgrade(revision="heads")
    with db.engine.connect() as conn:
        assert dict(conn.execute(text("SELECT id, village_id FROM mediation_case")).all()) \
            == ids
