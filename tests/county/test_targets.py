"""County IT sets a target per metric; bad input changes nothing and says why in the
user's language; every change is in the county's audit log; no one else sets them, and on
PostgreSQL the database holds the targets to their county too."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.county.models import Target
from app.extensions import db
from tests.conftest import PG, owner_context, set_scope

PAGE = "/county/demo/targets"
RATE = "/county/demo/targets/mediation.rate"


def _targets(app) -> dict[str, tuple[str, float, str | None]]:
    with app.app_context(), owner_context():
        return {t.metric: (t.operator, t.value, t.note)
                for t in db.session.scalars(select(Target))}


def _events(app, action):
    with app.app_context(), owner_context():
        return db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "metric_target", AuditEvent.action == action)).all()


def test_county_it_sets_changes_and_clears_a_target(make_browser, demo, app):
    it = make_browser("county-it")
    assert "调解率" in it.get(PAGE).text
    response = it.post(RATE, {"operator": ">=", "value": "98", "note": "县局2026年要求"})
    assert response.status_code == 302
    assert _targets(app) == {"mediation.rate": (">=", 98.0, "县局2026年要求")}
    assert "≥ 98" in it.get(PAGE).text
    it.post(RATE, {"operator": ">=", "value": "97.5", "note": ""})
    assert _targets(app)["mediation.rate"] == (">=", 97.5, None)
    it.post("/county/demo/targets/mediation.criminal", {"operator": "=", "value": "0"})
    it.post(RATE, {"action": "clear"})
    assert _targets(app) == {"mediation.criminal": ("=", 0.0, None)}
    created, = [e for e in _events(app, "create")
                if e.changes.get("metric") == [None, "mediation.rate"]]
    assert created.county_id == demo.county.id and created.station_id is None
    assert _events(app, "update") and _events(app, "delete")


@pytest.mark.parametrize(("form", "message"), [
    ({"operator": ">=", "value": "九十八"}, "请输入"),
    ({"operator": ">=", "value": ""}, "必填"),
    ({"operator": "<>", "value": "1"}, "请从列表中选择一项"),
    ({"operator": ">=", "value": "120"}, "0 到 100"),
    ({"operator": ">=", "value": "-1"}, "0"),
    ({"operator": ">=", "value": "nan"}, "请输入"),
])
def test_bad_input_says_why_and_changes_nothing(make_browser, demo, app, form, message):
    it = make_browser("county-it")
    it.post(RATE, {"operator": ">=", "value": "98"})
    response = it.post(RATE, form)
    assert response.status_code == 400
    assert message in response.text and "is-invalid" in response.text
    assert _targets(app) == {"mediation.rate": (">=", 98.0, None)}


def test_no_one_else_sets_targets(make_browser, demo, app):
    for username in ("county-lead", "dongling-admin"):
        browser = make_browser(username)
        assert browser.get(PAGE).status_code in (403, 404)
        assert browser.post(RATE, {"operator": ">=", "value": "1"}).status_code in (403, 404)
    assert make_browser("county-it").post("/county/demo/targets/nothing.here",
                                          {"operator": ">=", "value": "1"}).status_code == 404
    assert _targets(app) == {}


@pytest.mark.postgres
@pytest.mark.skipif(not PG, reason="row-level security is PostgreSQL's")
def test_the_database_holds_targets_to_their_county(demo, as_app, as_owner):
    from psycopg import errors

    county, station = demo.county.id, demo.station("dongling").id
    as_owner.execute("INSERT INTO metric_target (county_id, metric, operator, value, changed_at)"
                     " VALUES (%s, 'mediation.rate', '>=', 98, now())", (county,))
    other = as_owner.execute("INSERT INTO county (slug, name, created_at) VALUES "
                             "('far', '远县公安局', now()) RETURNING id").fetchone()[0]
    as_owner.commit()
    set_scope(as_app, other)  # another county reads none of them
    assert as_app.execute("SELECT count(*) FROM metric_target").fetchone()[0] == 0
    assert as_app.execute("UPDATE metric_target SET value = 0").rowcount == 0
    as_app.rollback()
    set_scope(as_app, county, station)  # a station reads its county's, sets none
    assert as_app.execute("SELECT count(*) FROM metric_target").fetchone()[0] == 1
    assert as_app.execute("UPDATE metric_target SET value = 0").rowcount == 0
    as_app.rollback()
    set_scope(as_app, county, station)
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute("INSERT INTO metric_target (county_id, metric, operator, value, "
                       "changed_at) VALUES (%s, 'x.y', '=', 0, now())", (county,))
    as_app.rollback()
    set_scope(as_app, county)  # the county's own context sets them
    assert as_app.execute("UPDATE metric_target SET value = 99").rowcount == 1
    as_app.rollback()
