"""The booking flow in a real browser on a phone: a resident books a time on the public
page, confirms it with the code texted to the phone, gets the booking code and cancels
with it; then an officer opens the day at the window, notes that the person booked for
this morning came, and looks at the suspicious bookings."""

import os
from datetime import time

import pytest

from app.plugin_api import local_today

from .conftest import BASE, ID_CARD, PUBLIC, configure, placed, texted_code

pytestmark = pytest.mark.browser


def _shot(page, name):
    folder = os.environ.get("TEST_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"appointments_{name}.png"), full_page=True)


def _fits(page, width=390):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_book_cancel_and_note_arrival_on_a_phone(app, admin, phone, live_server):
    configure(admin, sms_confirm="y")
    page = phone
    page.goto(live_server + PUBLIC + "/")
    assert page.locator("h1").inner_text() == "预约办事"
    _shot(page, "1_services")
    _fits(page)
    with page.expect_navigation():
        page.click(f"text={ID_CARD}")
    with page.expect_navigation():
        page.locator(".day-grid a").first.click()
    page.locator(".slot-grid label:not(.slot-full)").first.click()
    page.fill("#f-name", "王小明")
    page.fill("#f-phone", "13912345678")
    _shot(page, "2_time")
    _fits(page)
    with page.expect_navigation():
        page.click("text=确认预约")
    assert "请输入短信验证码" in page.locator("h1").inner_text()
    _shot(page, "2b_code")
    _fits(page)
    page.fill("#f-code", texted_code(app, "13912345678"))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "预约成功" in page.locator("h1").inner_text()
    code = page.locator("#booking-code").inner_text()
    assert len(code) == 8 and "王*明" in page.locator("main").inner_text()
    _shot(page, "3_booked")
    _fits(page)

    with page.expect_navigation():
        page.click("main a:has-text('取消预约')")
    page.fill("#f-code", code)
    page.fill("#f-phone", "13900000000")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "未找到与该预约码和手机号相符的预约" in page.locator(".alert").inner_text()
    page.fill("#f-phone", "13912345678")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "已取消" in page.locator(".alert").inner_text()
    _shot(page, "4_cancelled")

    booking = placed(app, local_today(), time(8, 30))  # booked by phone for this morning
    page.goto(live_server + "/")
    page.fill("#f-username", "liuxi-officer")
    page.fill("#f-password", "fengqiao-demo")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(live_server + BASE + "/")
    assert "赵*山" in page.locator("main").inner_text()
    _shot(page, "5_day")
    _fits(page)
    with page.expect_navigation():
        page.click(f"#b{booking} button:has-text('已到')")
    assert page.locator(f"#b{booking} [data-booking-status]").get_attribute(
        "data-booking-status") == "arrived"
    assert "已到" in page.locator(".alert").first.inner_text()
    _shot(page, "6_arrived")

    with page.expect_navigation():
        page.click("text=代群众预约")
    assert page.locator("#f-channel option:checked").inner_text() == "电话预约"
    _shot(page, "7_book_for_caller")
    _fits(page)
    page.goto(live_server + BASE + "/services")
    assert "送证上门" in page.locator("main").inner_text()
    _shot(page, "8_catalogue")
    _fits(page)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(live_server + BASE + "/suspicious")
    assert "可疑预约" in page.locator("h1").inner_text()
    _shot(page, "9_suspicious")
    _fits(page, 360)
