"""The station admin's modules page: switch on, configure, switch off, all audited and in
effect on the next request."""

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from tests.test_page_walk import visible_text


def test_admin_switches_a_module_on_and_it_shows_at_once(make_browser, demo):
    admin = make_browser("liuxi-admin")
    page = admin.get("/s/liuxi/modules").get_data(as_text=True)
    assert "小院说事" in page and "未启用" in page
    assert "Courtyard talks" not in page  # a Chinese page names modules in Chinese
    shown = visible_text(page)
    assert "依赖：预约办事" in shown and "appointments" not in shown
    home = admin.get("/s/liuxi/").get_data(as_text=True)
    assert "/s/liuxi/courtyard/" not in home
    assert admin.get("/s/liuxi/courtyard/").status_code == 404
    response = admin.post("/s/liuxi/modules/courtyard/enable", follow_redirects=True)
    assert "小院说事已启用" in response.get_data(as_text=True)
    home = admin.get("/s/liuxi/").get_data(as_text=True)
    assert 'href="/s/liuxi/courtyard/"' in home  # the navigation and the home page card
    assert admin.get("/s/liuxi/courtyard/").status_code == 200
    # Another user of the station sees it on their next request too.
    assert make_browser("liuxi-officer").get("/s/liuxi/courtyard/").status_code == 200


def test_invalid_settings_show_a_message_per_field_and_change_nothing(make_browser, demo, app):
    admin = make_browser("dongling-admin")
    form = admin.get("/s/dongling/modules/courtyard/settings").get_data(as_text=True)
    assert "烦心事\n揪心事\n暖心事" in form  # the current values, one per line
    response = admin.post("/s/dongling/modules/courtyard/settings",
                          {"categories": "", "due_days": "0"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请填写 1 至 10 个类别" in html and "请输入 1 至 365 之间的天数" in html
    # A blank number and a wrong list are both named, not only the blank one.
    response = admin.post("/s/dongling/modules/courtyard/settings",
                          {"categories": "\n".join("甲乙丙丁戊己庚辛壬癸子"), "due_days": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写 1 至 10 个类别" in html and "此项为必填项" in html
    response = admin.post("/s/dongling/modules/courtyard/settings",
                          {"categories": "甲\n乙", "due_days": "7"})
    assert response.status_code == 302
    form = admin.get("/s/dongling/modules/courtyard/settings").get_data(as_text=True)
    assert "甲\n乙" in form and 'value="7"' in form
    assert 'type="checkbox" name="flag_overdue" value="true" id="f-flag_overdue">' in form


def test_every_change_is_audited(owner_app, make_browser, demo, app):
    admin = make_browser("liuxi-admin")
    admin.post("/s/liuxi/modules/courtyard/enable")
    admin.post("/s/liuxi/modules/courtyard/settings", {"categories": "甲", "due_days": "5"})
    admin.post("/s/liuxi/modules/courtyard/disable")
    with owner_app.app_context():  # the owner reads every chain
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "station_plugin",
                                     AuditEvent.station_id == demo.station("liuxi").id)
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == ["create", "update", "update"]
    assert all(e.actor_name == "liuxi-admin" for e in events)
    assert events[1].changes["settings"][1]["due_days"] == 5  # kept as JSON, not as text
    assert events[2].changes["enabled"] == [True, False]


def test_only_admins_manage_modules(make_browser, demo):
    officer = make_browser("dongling-officer")
    assert officer.get("/s/dongling/modules").status_code == 403
    assert officer.post("/s/dongling/modules/courtyard/disable").status_code == 403
    assert "模块</a>" not in officer.get("/s/dongling/").get_data(as_text=True).split("<main")[0]
    admin = make_browser("dongling-admin")
    assert admin.get("/s/dongling/modules/nothing/settings").status_code == 404
    assert admin.post("/s/dongling/modules/nothing/enable").status_code == 404
