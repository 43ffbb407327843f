"""The home-visit flow in a real browser: at the desk a request is taken and scheduled for
an officer and shows on the day's route sheet (on screen and printed); the officer records
the visit on a phone, with a certificate to bring later; back at the desk the delivery is
recorded and the request is done."""

import os

import pytest
from sqlalchemy import select

from app.extensions import db
from app.users import User
from tests.conftest import sign_in_page

from .test_backpack import CATALOGUE, _catalogue

pytestmark = pytest.mark.browser


def _shot(page, name):
    folder = os.environ.get("TEST_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"backpack_{name}.png"), full_page=True,
                        animations="disabled")


def test_home_visit_flow_desk_route_sheet_phone_delivery(app, chromium, phone, live_server,
                                                         demo, make_browser):
    admin = make_browser("liuxi-admin")
    for key in ("appointments", "backpack"):
        assert admin.post(f"/s/liuxi/modules/{key}/enable").status_code == 302
    _catalogue(app, CATALOGUE)
    with app.app_context():
        officer = db.session.scalar(select(User.full_name).where(
            User.username == "liuxi-officer"))

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    sign_in_page(desk, live_server, "liuxi-admin")
    desk.goto(live_server + "/s/liuxi/backpack/")
    with desk.expect_navigation():
        desk.click("text=受理请求")
    desk.fill("#f-resident_name", "熊桂芳")
    desk.fill("#f-resident_phone", "13891601234")
    desk.select_option("#f-village_id", label="河口村")
    desk.fill("#f-address", "三组12号，村小学往上坡200米")
    desk.select_option("#f-service", "居民身份证换领")
    desk.select_option("#f-reason", "elderly")
    desk.fill("#f-reason_note", "年逾八旬，腿脚不便")
    desk.select_option("#f-channel", "grid_worker")
    _shot(desk, "request_form")
    with desk.expect_navigation():
        desk.click("main button[type=submit]")
    assert "请求已受理" in desk.locator(".alert").first.inner_text()
    request_url = desk.url
    assert "熊*芳" in desk.locator("#resident").inner_text()

    desk.select_option("#f-officer_id", label=officer)
    with desk.expect_navigation():
        desk.click("#schedule-h ~ form button[type=submit]")
    assert desk.locator("#status").inner_text().strip() == "已安排上门"

    with desk.expect_navigation():
        desk.click("text=当天走访计划")
    village = desk.locator("[data-village='河口村'] ~ ul").first
    assert village.inner_text().count("居民身份证换领") == 1
    _shot(desk, "plan")
    with desk.expect_navigation():
        desk.click("#by-officer >> text=路线单")
    sheet = desk.locator("main.sheet")
    assert "背包警务上门路线单" in sheet.inner_text() and "熊*芳" in sheet.inner_text()
    assert "户口簿、破损旧证" in sheet.inner_text()
    _shot(desk, "route_sheet")
    with desk.expect_navigation():
        desk.click("text=显示完整姓名")
    assert "熊桂芳" in sheet.inner_text() and "13891601234" in sheet.inner_text()
    desk.emulate_media(media="print")
    assert not desk.locator(".toolbar").is_visible()  # no buttons on paper
    _shot(desk, "route_sheet_print")
    desk.emulate_media(media="screen")

    sign_in_page(phone, live_server, "liuxi-officer")
    phone.goto(request_url)
    with phone.expect_navigation():
        phone.click("text=登记上门情况")
    assert "户口簿、破损旧证" in phone.locator("main").inner_text()
    assert "13891601234" not in phone.locator("main").inner_text()
    # The officer on the visit calls ahead: one tap shows the phone (recorded).
    with phone.expect_navigation():
        phone.click("text=显示电话和住址")
    assert phone.locator("a[href='tel:13891601234']").is_visible()
    assert "村小学往上坡" in phone.locator("main").inner_text()
    phone.fill("#f-what_done", "帮老人整理头发后拍摄证件照，采集换证信息")
    phone.click("label[for=f-photos_taken-yes]")
    phone.click("label[for=f-needs_delivery-yes]")
    phone.fill("#f-documents_collected", "破损旧身份证")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.mouse.move(0, 0)
    _shot(phone, "visit_form_phone")
    with phone.expect_navigation():
        phone.click("text=保存上门记录")
    assert "上门情况已登记" in phone.locator(".alert").first.inner_text()
    assert "证件待送达" in phone.locator("#status").inner_text()
    _shot(phone, "after_visit_phone")

    desk.goto(live_server + "/s/liuxi/backpack/deliveries")
    assert "熊*芳" in desk.locator("main").inner_text()
    with desk.expect_navigation():
        desk.click("text=登记送达 >> nth=-1")
    desk.select_option("#f-received_by", "resident")
    with desk.expect_navigation():
        desk.click("text=保存送达记录")
    assert desk.locator("#status").inner_text().strip() == "已办结"
    history = desk.locator("#history").inner_text()
    assert "证件待后续送达" in history and "由本人签收" in history
    _shot(desk, "done")

    with desk.expect_navigation():
        desk.click(".breadcrumb >> text=背包警务")
    for metric, value in (("done", "1"), ("delivered", "1"), ("trips_saved", "2")):
        figure = desk.locator(f"[data-metric='backpack.{metric}'] .fs-3").inner_text()
        assert figure.startswith(value), (metric, figure)
    _shot(desk, "index")
    context.close()
