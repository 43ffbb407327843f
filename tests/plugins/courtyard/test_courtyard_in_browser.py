"""The courtyard main flow in a real browser on a phone: the station admin switches the
module on, sets up a meeting point in a village picked from the station's ground, records
a session, raises a concern, follows it to a result and finds it in the record book and
the figures."""

import os

import pytest

pytestmark = pytest.mark.browser


def _shot(page, name):
    folder = os.environ.get("TEST_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"courtyard-{name}.png"), full_page=True)


def test_courtyard_main_flow_on_a_phone(phone, live_server, demo):
    page = phone
    page.goto(live_server + "/")
    page.fill("#f-username", "liuxi-admin")
    page.fill("#f-password", "fengqiao-demo")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    page.goto(live_server + "/s/liuxi/modules")
    with page.expect_navigation():
        page.click("#module-courtyard button[type=submit]")
    assert "小院说事已启用" in page.locator(".alert").first.inner_text()
    page.click(".navbar-toggler")
    with page.expect_navigation():
        page.click("nav >> text=小院说事")
    assert page.locator("h1").inner_text().startswith("小院说事")

    page.click("text=新建议事点")
    page.fill("#f-name", "河坝村院坝")
    # The village is picked from the station's ground: a long list gets a search box.
    search = page.locator("div:has(> #f-village_id) > input[type=search]")
    search.fill("河坝")
    offered = page.locator("#f-village_id option").all_inner_texts()
    assert "河坝村" in offered and "河口村" not in offered
    page.select_option("#f-village_id", label="河坝村")
    _shot(page, "point-village")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "河坝村院坝"
    assert page.locator("#point-village").inner_text().startswith("河坝村")

    page.click("text=记录一次说事")
    assert page.locator("label[for=f-starts_at]").inner_text() == "开始时间"
    page.fill("#f-starts_at", "17:00")
    page.fill("#f-attendees", "16")
    page.fill("#f-notable_attendees", "村支书、网格员")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "请继续添加群众提出的事项" in page.locator(".alert").first.inner_text()

    page.select_option("#f-category", "揪心事")
    page.fill("#f-title", "学校门口车速太快")
    page.fill("#f-raised_by", "赵大山")
    page.fill("#f-raised_by_phone", "13800001111")
    with page.expect_navigation():
        page.click("text=登记事项 >> nth=-1")
    item = page.locator("#concerns ~ .card .list-group-item").first
    assert "学校门口车速太快" in item.inner_text()
    _shot(page, "session")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with page.expect_navigation():
        item.click()
    assert "赵*山" in page.locator("main").inner_text()  # masked by default
    page.select_option("#f-status", "resolved")
    page.fill("#f-note", "与交警中队协调，设置减速带")
    page.fill("#f-result", "减速带已安装")
    with page.expect_navigation():
        page.click("text=保存进展")
    assert "已解决" in page.locator("main").inner_text()

    with page.expect_navigation():
        page.click(".breadcrumb >> text=河坝村院坝")
    book = page.locator("main").inner_text()
    assert " 17:00" in page.locator("article h3").first.inner_text()
    assert "记录簿" in book and "与交警中队协调，设置减速带" in book and "减速带已安装" in book
    _shot(page, "record-book")

    with page.expect_navigation():
        page.click(".breadcrumb >> text=小院说事")
    assert page.locator("[data-metric='courtyard.sessions'] .fs-3").inner_text().startswith("1")
    assert page.locator("[data-metric='courtyard.concerns'] .fs-3").inner_text().startswith("1")
    assert page.locator("[data-metric='courtyard.resolved_share'] .fs-3").inner_text() \
        .startswith("100")
    _shot(page, "figures")
