"""The contract every installed module must pass, run once per module found through the
entry-point group: it declares itself fully, its routes are a 404 while the station has it
switched off, its settings schema rejects bad input and changes nothing, and its demo data
loads in a new station. A new module is tested here without editing this file.
"""

import re
from importlib.metadata import entry_points

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from app.extensions import migrate
from app.jobs import run_recurring
from app.modules import ModuleError, StationPlugin, configure, enable
from app.plugin_api import MEDIAN, RATE, Period, local_today
from app.plugin_contract import KINDS
from app.plugin_host import GROUP, host
from tenants.context import station_context
from tenants.models import County, Station
from tenants.onboarding import create_station

KEYS = sorted(ep.name for ep in entry_points(group=GROUP))
CRON = re.compile(r"^(\S+\s+){4}\S+$")

pytestmark = pytest.mark.parametrize("key", KEYS)


def _plugin(key):
    plugin = host().plugins.get(key)
    assert plugin is not None, f"{key} did not load: {host().problems}"
    return plugin


def _rules(app, plugin):
    names = {bp.name for bp in (plugin.blueprint, plugin.api_blueprint) if bp is not None}
    return [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in names]


def _url(rule, slug, ids):
    path = rule.rule.replace("<station_slug>", slug)
    for arg in rule.arguments - {"station_slug"}:
        assert arg in ids, f"{rule.rule}: demo_data returns no {arg!r}"
        path = re.sub(rf"<(?:\w+:)?{arg}>", str(ids[arg]), path)
    return path


def _new_station(slug):
    """A new station of the demo county with the module's requirements switched on."""
    county = County.query.filter_by(slug="demo").one()
    station, _ = create_station(county, {
        "name": f"测试{slug}", "slug": slug, "admin_username": f"{slug}-admin",
        "admin_full_name": "测试员", "admin_phone": "13900009999",
    }, admin_password="fengqiao-demo")
    return station


def _with_module(key, slug):
    """A new station running ``key`` (and what it needs) with its demo data; its ids."""
    from app.extensions import db

    station = _new_station(slug)
    plugin = _plugin(key)
    with station_context(station):
        rows = {}
        for required in plugin.requires:
            enable(station, required, rows=rows)
        enable(station, key, rows=rows)
        db.session.flush()
        ids = plugin.demo_data(station) if plugin.demo_data else {}
        db.session.commit()
    return station, ids


def test_declares_itself_fully(app, key):
    with app.app_context():
        plugin = _plugin(key)
        assert plugin.name_zh and plugin.name_en and plugin.version
        assert plugin.description_zh and plugin.description_en
        assert plugin.blueprint is not None, "a module has pages"
        assert plugin.blueprint.name == f"plugin_{key}"
        endpoints = {r.endpoint for r in app.url_map.iter_rules()}
        assert plugin.navigation, "a module shows in the navigation"
        for entry in plugin.navigation:
            assert entry.endpoint in endpoints
            assert str(entry.label)
        for permission in plugin.permissions:
            assert permission.key.startswith(f"{key}.") and str(permission.label)
            assert permission.roles
        for metric in plugin.metrics:
            assert metric.key.startswith(f"{key}.") and str(metric.label) and callable(
                metric.compute)
            assert metric.kind in KINDS, metric.key  # the county compares it by its kind
            if metric.drill:  # the records behind a figure are one of its own lists
                endpoint, args = metric.drill(Period.current_month())
                assert endpoint in endpoints and endpoint.startswith(f"plugin_{key}.")
                assert all(isinstance(v, str) for v in args.values()), metric.key
        for job in plugin.jobs:
            assert job.key.startswith(f"{key}.") and CRON.match(job.cron) and callable(job.func)
        assert callable(plugin.demo_data)
        for model in plugin.models:
            assert model.__table__.name.startswith(f"{key}_")
        if plugin.settings:
            assert isinstance(plugin.default_settings(), dict)
        for required in plugin.requires:
            assert required in host().plugins
        # Its migrations sit on a branch of its own, joined to the one environment.
        script = ScriptDirectory.from_config(migrate.get_config())
        labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
        if plugin.models:
            assert key in labels, f"{key}: no migration with branch label {key!r}"


def test_routes_are_404_while_switched_off(app, key, demo, make_browser):
    from app.extensions import db
    from app.modules import disable

    with app.app_context():
        station, ids = _with_module(key, "contract-off")
        with station_context(station):
            disable(station, key)
            db.session.commit()
        rules = _rules(app, _plugin(key))
    assert rules
    b = make_browser("contract-off-admin")
    for rule in rules:
        path = _url(rule, "contract-off", ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = b.get(path) if method == "GET" else b.post(path, {})
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"


def test_every_page_answers_while_switched_on(app, key, demo, make_browser):
    with app.app_context():
        _station, ids = _with_module(key, "contract-on")
        rules = _rules(app, _plugin(key))
    b = make_browser("contract-on-admin")
    for rule in rules:
        if "GET" in rule.methods:
            path = _url(rule, "contract-on", ids)
            assert b.get(path).status_code == 200, path


def test_settings_reject_bad_input_and_change_nothing(app, key, demo, make_browser):
    from app.extensions import db

    with app.app_context():
        plugin = _plugin(key)
        if plugin.settings is None:
            pytest.skip(f"{key} has no settings")
        station, _ids = _with_module(key, "contract-set")
        with station_context(station):
            before = db.session.scalar(
                select(StationPlugin.settings).where(StationPlugin.plugin == key))
            for name in plugin.settings().fields:
                with pytest.raises(ModuleError) as refused:
                    configure(station, key, {name: {"not": "a value"}})
                assert name in refused.value.errors
                db.session.rollback()
        fields = plugin.settings().fields
    # Through the page: a number field given words, a list given a far too long entry.
    from marshmallow import fields as mf

    bad = {}
    for name, f in fields.items():
        if isinstance(f, mf.Integer):
            bad[name] = "many"
        elif isinstance(f, mf.List):
            bad[name] = "x" * 5000
    if bad:
        b = make_browser("contract-set-admin")
        response = b.post(f"/s/contract-set/modules/{key}/settings", bad)
        assert response.status_code == 400
        assert response.get_data(as_text=True).count("invalid-feedback") >= len(bad)
    with app.app_context():
        station = Station.query.filter_by(slug="contract-set").one()
        with station_context(station):
            after = db.session.scalar(
                select(StationPlugin.settings).where(StationPlugin.plugin == key))
    assert after == before


def _stands_on_what_it_declares(metric, period, station):
    """A rate's figure is its numerator over its denominator; a median is over as many
    cases as it says, and is nothing when there are none."""
    if metric.by_station is None:
        return
    [m] = metric.measures(period, {station.id: host().settings_for(metric.module)}).values()
    if metric.kind == RATE:
        assert 0 <= m.numerator <= m.denominator, metric.key
        assert m.value == (round(100 * m.numerator / m.denominator, 1) if m.denominator
                           else None), metric.key
    if metric.kind == MEDIAN:
        assert isinstance(m.denominator, int) and (m.value is None) == (m.denominator == 0)


def test_demo_data_loads_and_feeds_metrics_and_jobs(app, key, demo):
    with app.app_context():
        station, ids = _with_module(key, "contract-demo")
        plugin = _plugin(key)
        assert ids and all(isinstance(v, int) for v in ids.values())
        params = {a for r in _rules(app, plugin) for a in r.arguments} - {"station_slug"}
        assert params <= set(ids), f"demo_data misses ids for {params - set(ids)}"
        today = local_today()
        with station_context(station):
            for metric in plugin.metrics:
                period = Period.month(today.year, today.month)
                value = metric.compute(period)
                assert value is None or isinstance(value, int | float), metric.key
                _stands_on_what_it_declares(metric, period, station)
        for job in plugin.jobs:
            assert run_recurring(job.key, "contract-demo") == 1


def test_imports_only_the_plugin_api(app, key):
    """plugins -> app.plugin_api -> core: never core internals, never another module."""
    import ast
    import importlib
    from pathlib import Path

    with app.app_context():
        package = Path(importlib.import_module(_plugin(key).package).__file__).parent
    for path in package.rglob("*.py"):
        if "migrations" in path.parts:
            continue  # Alembic scripts import alembic and sqlalchemy only
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                if top in ("app", "tenants"):
                    assert name == "app.plugin_api", f"{path}: imports {name}"
                if top == "plugins":
                    assert name.startswith(f"plugins.{key}"), f"{path}: imports {name}"
