"""The plugin host: discovery, checks, dependency order, the modules page's rules and
handoffs between modules, with small sample modules beside the installed ones."""

import pytest
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.extensions import db
from app.modules import StationPlugin
from app.plugin_host import host
from tenants.context import station_context
from tenants.models import Station

SAMPLES = [
    "tests.plugins.samples.broken_import:plugin",
    "tests.plugins.samples.misnamed:plugin",
    "tests.plugins.samples.orphan:plugin",
    "tests.plugins.samples.intake:plugin",
]


@pytest.fixture(scope="module")
def sample_app(app, database_url):
    """A second app on the same database with the sample modules besides the installed."""
    return create_app({
        "ENV": "test", "TESTING": True, "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
        "SERVER_NAME": "fengqiao.test", "EXTRA_PLUGINS": SAMPLES,
    })


@pytest.fixture
def sample_browser(sample_app):
    from tests.conftest import Browser

    def make(username):
        b = Browser(sample_app.test_client())
        assert b.sign_in(username).status_code == 302
        return b

    return make


def test_broken_and_misnamed_modules_are_reported_and_skipped(sample_app):
    with sample_app.app_context():
        plugins = host().plugins
        problems = {p.name: p.reason for p in host().problems}
    order = list(plugins)
    assert order.index("courtyard") < order.index("intake")  # intake needs courtyard
    assert not {"misnamed", "orphan"} & set(order)
    assert "ModuleNotFoundError" in problems["tests.plugins.samples.broken_import"]
    assert "blueprint 'wrong_name' must be named 'plugin_misnamed'" in \
        problems["tests.plugins.samples.misnamed"]
    assert "permission 'other.view' must start with 'misnamed.'" in \
        problems["tests.plugins.samples.misnamed"]
    assert "requires 'not_installed', which is not installed" in problems["orphan"]
    # The skipped module's routes are not there; the app serves the rest.
    assert not any(r.endpoint.startswith("wrong_name.") for r in sample_app.url_map.iter_rules())


def test_plugins_list_shows_state_and_problems(sample_app, app, demo):
    result = sample_app.test_cli_runner().invoke(args=["plugins", "list"])
    assert result.exit_code == 1, result.output  # something could not be loaded
    assert "courtyard" in result.output and "小院说事 / Courtyard talks" in result.output
    assert "2" in result.output.split("courtyard", 1)[1].splitlines()[1]  # on in 2 stations
    assert "orphan" in result.output and "not_installed" in result.output
    clean = app.test_cli_runner().invoke(args=["plugins", "list"])
    assert clean.exit_code == 0, clean.output


def test_requirements_hold_both_ways(sample_browser, sample_app, demo):
    admin = sample_browser("liuxi-admin")  # 柳溪 runs no module yet
    refused = admin.post("/s/liuxi/modules/intake/enable")
    assert refused.status_code == 400
    assert "请先启用小院说事" in refused.get_data(as_text=True)
    assert admin.post("/s/liuxi/modules/courtyard/enable").status_code == 302
    assert admin.post("/s/liuxi/modules/intake/enable").status_code == 302
    refused = admin.post("/s/liuxi/modules/courtyard/disable")
    assert refused.status_code == 400
    assert "请先停用受理" in refused.get_data(as_text=True)
    with sample_app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        with station_context(station):
            rows = {r.plugin: r.enabled for r in db.session.scalars(select(StationPlugin))}
    assert rows == {"courtyard": True, "intake": True}


def test_a_concern_handed_to_another_module_shows_where_it_went(sample_browser, sample_app,
                                                                 demo):
    from tests.plugins.samples.intake import RECEIVED

    admin = sample_browser("dongling-admin")
    assert admin.post("/s/dongling/modules/intake/enable").status_code == 302
    with sample_app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "dongling"))
        with station_context(station):
            from plugins.courtyard.models import Concern

            concern = db.session.scalars(
                select(Concern).where(Concern.status == "open").order_by(Concern.id)
            ).first()
            concern_id, title = concern.id, concern.title
    page = admin.get(f"/s/dongling/courtyard/concerns/{concern_id}").get_data(as_text=True)
    assert "Open as an intake item" in page
    response = admin.post(f"/s/dongling/courtyard/concerns/{concern_id}/handoff",
                          {"target": "intake.item"})
    assert response.status_code == 302
    assert RECEIVED[-1].title == title and RECEIVED[-1].source_plugin == "courtyard"
    page = admin.get(f"/s/dongling/courtyard/concerns/{concern_id}").get_data(as_text=True)
    assert f"/s/dongling/intake/items/{1000 + concern_id}" in page
    assert f"Intake item {1000 + concern_id}" in page
    # Unknown targets and modules switched off are refused with a message, not a 500.
    bad = admin.post(f"/s/dongling/courtyard/concerns/{concern_id}/handoff", {"target": "nope"})
    assert bad.status_code == 400
    with sample_app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "dongling"))
        with station_context(station):  # the station's own log
            actions = db.session.scalars(
                select(AuditEvent.object_type).where(AuditEvent.object_type == "module_handoff",
                                                     AuditEvent.action == "create")
            ).all()
            moved = db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "module.handoff"))
    assert actions == ["module_handoff"]
    assert moved.changes == {"target": "intake.item", "personal_data": ["name", "phone"]}
    # Switched off, the link stays as text: the target's page is not offered.
    assert admin.post("/s/dongling/modules/intake/disable").status_code == 302
    page = admin.get(f"/s/dongling/courtyard/concerns/{concern_id}").get_data(as_text=True)
    assert f"Intake item {1000 + concern_id}" in page
    assert f"/s/dongling/intake/items/{1000 + concern_id}" not in page
    assert admin.get(f"/s/dongling/intake/items/{1000 + concern_id}").status_code == 404


def test_a_module_cannot_take_a_core_namespace(app):
    from app.plugin_api import Permission, Plugin
    from app.plugin_host import _check

    impostor = Plugin(key="station", name_zh="冒充", name_en="Impostor", version="1",
                      permissions=(Permission("station.pii.reveal", "x", ("auxiliary",)),))
    with pytest.raises(ValueError, match="reserved for the core"):
        _check(impostor)


def test_a_public_page_opens_without_an_account_in_its_station_only(sample_app, sample_browser,
                                                                     demo):
    from app.outbox import OutboxMessage

    admin = sample_browser("dongling-admin")
    assert admin.post("/s/dongling/modules/intake/enable").status_code == 302
    anyone = sample_app.test_client()
    page = anyone.get("/p/dongling/intake/ask")
    assert page.status_code == 200
    # The station's context, and no role even for a signed-in officer.
    assert page.get_json() == {"station": "dongling", "may_open": False}
    assert admin.get("/p/dongling/intake/ask").get_json()["may_open"] is False
    # A station without the module, or no such station: 404 as everywhere.
    assert anyone.get("/p/qingshi/intake/ask").status_code == 404
    assert anyone.get("/p/nowhere/intake/ask").status_code == 404

    sample_app.config["WTF_CSRF_ENABLED"] = False
    try:
        first = anyone.post("/p/dongling/intake/ask", data={"phone": "13800001111"})
        again = anyone.post("/p/dongling/intake/ask", data={"phone": "13800001111"})
        refused = anyone.post("/p/dongling/intake/ask", data={"phone": "13800002222"})
    finally:
        sample_app.config["WTF_CSRF_ENABLED"] = True
    assert first.get_json() == {"queued": True}
    assert again.get_json() == {"queued": False}  # the same key queues once
    assert refused.status_code == 429  # the third attempt from one address in the hour
    with sample_app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == "dongling"))
        with station_context(station):
            messages = db.session.scalars(select(OutboxMessage)).all()
            # Queued on a public page: audited with the address, the phone masked.
            event = db.session.scalars(select(AuditEvent).where(
                AuditEvent.object_type == "outbox_message")).one()
        assert [(m.to_phone, m.source, m.status) for m in messages] == [
            ("13800001111", "intake", "pending")]
        assert event.actor_id is None and event.ip
        assert "13800001111" not in str(event.changes) and "138****1111" in str(event.changes)
