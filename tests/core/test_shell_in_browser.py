"""The web shell in a real browser on a phone-sized screen: sign in, read the station's
home page, open the menu, switch language and station, sign out."""

import re

import pytest

from tests.conftest import sign_in_page

pytestmark = pytest.mark.browser


def test_officer_on_a_phone(phone, live_server, demo):
    page = phone
    sign_in_page(page, live_server, "dongling-officer")
    assert page.url.endswith("/s/dongling/")
    assert page.locator("h1").inner_text() == "东岭派出所"
    assert page.locator(".navbar-collapse").is_hidden()  # collapsed behind the menu button
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click(".navbar-toggler")
    page.locator(".navbar-collapse.show").wait_for()  # opened: a click mid-way can miss
    page.locator("button[name=lang]").wait_for(state="visible")
    with page.expect_navigation():
        page.click("button[name=lang]")
    assert page.locator("h2").first.inner_text() == "Notices"
    page.goto(live_server + "/s/dongling/notices")
    assert "Notices" in page.title()  # remembered across pages
    page.click(".navbar-toggler")
    page.locator(".navbar-collapse.show").wait_for()  # the menu has finished opening
    page.click("#user-menu")
    page.locator("#user-menu[aria-expanded=true]").wait_for()
    with page.expect_navigation():
        page.click("text=Sign out")
    assert "/auth/sign-in" in page.url


def test_switching_between_two_stations(phone, live_server, demo):
    page = phone
    sign_in_page(page, live_server, "roving-officer")
    assert page.url.endswith("/choose")
    with page.expect_navigation():
        page.click("main >> text=青石派出所")
    assert page.url.endswith("/s/qingshi/")
    page.click(".navbar-toggler")
    page.click("#place-switcher")
    with page.expect_navigation():
        page.click(".dropdown-menu >> text=东岭派出所")
    assert re.search(r"/s/dongling/$", page.url)
    assert page.locator("h1").inner_text() == "东岭派出所"


def test_form_errors_are_shown_per_field(phone, live_server, demo):
    page = phone
    sign_in_page(page, live_server, "dongling-admin")
    page.goto(live_server + "/s/dongling/members/new")
    page.fill("#f-username", "X")
    page.fill("#f-phone", "123")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator(".invalid-feedback").count() == 3
    assert "此项为必填" in page.locator("#e-full_name").inner_text()
