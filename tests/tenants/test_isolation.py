"""The isolation sweep: every URL rule of a station (``/s/<station_slug>/...`` pages and
``/api/v1/s/<station_slug>/...``), the core's and every installed module's, is walked with
station A's session against station B's objects, and must answer 404 every time.

It reads the rules from the app itself and the objects from each module's ``demo_data``, so
a new module's routes are swept without editing this file. A route with a parameter the
sweep cannot fill fails it: the module's ``demo_data`` must return an id for it.
"""

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.plugin_host import host
from app.station.notices import Notice
from app.users import Membership
from tenants.context import station_context
from tenants.models import Station
from tenants.scoping import TenantScoped

OWN, OTHER = "dongling", "qingshi"
STATION_PREFIXES = ("/s/<station_slug>", "/api/v1/s/<station_slug>")


def _object_ids(app, station: Station, demo) -> dict:
    """One object of ``station`` for each kind of parameter a URL can carry: the core's,
    and those of every installed module (on in the demo's stations, with the ids its
    demo data returned)."""
    with station_context(station):
        notice = db.session.scalars(select(Notice)).first()
        ids = {"notice_id": notice.id, **demo.module_ids[station.slug]}
    membership = db.session.scalars(
        select(Membership).where(Membership.station_id == station.id)
    ).first()
    ids["membership_id"] = membership.id
    ids["plugin_key"] = next(iter(host().plugins))
    db.session.commit()
    return ids


def _station_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith(STATION_PREFIXES)]


def _snapshot(station: Station) -> dict:
    """Every station-owned row of ``station``, column by column, and its audit rows."""
    rows = {}
    with station_context(station):
        for mapper in db.Model.registry.mappers:
            model = mapper.class_
            if issubclass(model, TenantScoped):
                table = mapper.local_table
                rows[table.name] = sorted(
                    tuple(str(getattr(obj, c.key)) for c in mapper.column_attrs)
                    for obj in db.session.scalars(select(model))
                )
    rows["audit_event"] = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.station_id == station.id)
    )
    return rows


def _urls(app, ids: dict[str, int], station_slug: str):
    for rule in _station_rules(app):
        values = {"station_slug": station_slug}
        for arg in rule.arguments - {"station_slug"}:
            assert arg in ids, f"{rule.rule}: the sweep does not know what {arg!r} is"
            values[arg] = ids[arg]
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
        assert "<" not in path, f"{rule.rule}: a converter the sweep cannot fill"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method, path


def test_the_sweep_finds_the_core_and_module_routes(app):
    rules = {r.rule for r in _station_rules(app)}
    assert "/s/<station_slug>/" in rules
    assert "/s/<station_slug>/members/<int:membership_id>" in rules
    assert "/s/<station_slug>/modules/<plugin_key>/settings" in rules
    with app.app_context():
        plugins = list(host().plugins.values())
    assert plugins, "no module is installed: the sweep would prove nothing about modules"
    for plugin in plugins:
        for bp in (plugin.blueprint, plugin.api_blueprint):
            if bp is not None:
                assert any(r.endpoint.startswith(bp.name + ".") for r in _station_rules(app)), (
                    f"{bp.name}: none of its routes is under a station prefix"
                )
    assert len(rules) >= 10


@pytest.mark.parametrize("who", ["dongling-admin", "dongling-officer"])
def test_station_a_gets_404_for_every_station_b_url(app, demo, make_browser, who):
    with app.app_context():
        theirs = _object_ids(app, db.session.get(Station, demo.station(OTHER).id), demo)
    b = make_browser(who)

    def call(method, path):
        return b.get(path) if method == "GET" else b.post(path, {"role": "officer"})

    checked = 0
    for rule, method, path in _urls(app, theirs, OTHER):
        assert call(method, path).status_code == 404, f"{method} {path} ({rule}) as {who}"
        checked += 1
    # A's own URLs carrying B's ids: 404, or (where A's role may not act at all, e.g. an
    # officer deleting a notice) exactly the answer an id that exists nowhere gets, so
    # the response never tells whether B's object exists.
    nowhere = {name: 987654 for name in theirs}
    own = list(_urls(app, theirs, OWN))
    for (rule, method, path), (_, _, absent) in zip(own, _urls(app, nowhere, OWN), strict=True):
        if "_id>" not in rule:
            continue  # A's own pages without ids are A's to see
        status = call(method, path).status_code
        assert status == 404 or status == call(method, absent).status_code != 200, (
            f"{method} {path} ({rule}) as {who}: {status}"
        )
        checked += 1
    assert checked >= 10


def test_nothing_changed_in_station_b(app, demo, make_browser):
    with app.app_context():
        other = db.session.get(Station, demo.station(OTHER).id)
        theirs = _object_ids(app, other, demo)
        before = _snapshot(other)
    b = make_browser("dongling-admin")
    posts = 0
    for ids in (theirs,):
        for slug in (OTHER, OWN):
            for _rule, method, path in _urls(app, ids, slug):
                if method == "POST":
                    b.post(path, {"role": "officer", "title": "x", "status": "resolved",
                                  "note": "x", "result": "x", "name": "x", "village": "x"})
                    posts += 1
    assert posts >= 5
    with app.app_context():
        other = db.session.get(Station, demo.station(OTHER).id)
        assert _snapshot(other) == before
        membership = db.session.get(Membership, theirs["membership_id"])
        assert membership.active and membership.role == "station_admin"


def test_county_of_another_county_is_404(app, demo, make_browser):
    from tenants.onboarding import create_county

    with app.app_context():
        create_county({"name": "邻县公安局", "slug": "neighbour"})
        db.session.commit()
    b = make_browser("county-it")
    assert b.get("/county/demo/").status_code == 200
    for path in ("/county/neighbour/", "/county/neighbour/audit", "/county/neighbour/stations/new"):
        assert b.get(path).status_code == 404, path
