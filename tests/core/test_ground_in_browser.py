"""The station's ground kept from a phone: the station admin adds a village, a grid in it
and the grid's worker, and watches the grid's gap open and close on the coverage page;
the ground's pages fit a 360 px screen."""

import os

import pytest

from tests.conftest import sign_in_page

pytestmark = pytest.mark.browser

WIDE = "document.documentElement.scrollWidth"


def _shot(page, name):
    folder = os.environ.get("TEST_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"ground-{name}.png"), full_page=True)


def _gaps(page, base) -> str:
    page.goto(base + "/s/dongling/ground/coverage")
    section = page.locator("#uncovered-grids")
    return section.inner_text() if section.count() else ""


def test_a_village_its_grid_and_its_grid_worker_close_the_gap(phone, live_server, demo):
    page = phone
    sign_in_page(page, live_server, "dongling-admin")
    page.click(".navbar-toggler")
    with page.expect_navigation():
        page.click("nav >> text=辖区")
    assert page.locator("h1").inner_text() == "本所辖区"
    assert page.evaluate(WIDE) <= 360

    with page.expect_navigation():
        page.click("#village-new")
    page.fill("#f-name", "新华村")
    page.fill("#f-zone", "河口警务室")
    page.fill("#f-households", "120")
    page.fill("#f-resident_population", "400")
    page.select_option("#f-officer_id", index=1)
    page.select_option("#f-auxiliary_id", index=1)
    assert page.evaluate(WIDE) <= 360
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator("h1").inner_text().startswith("新华村")
    assert "新华村已加入本所辖区" in page.locator(".alert").first.inner_text()

    page.fill("#f-name", "第一网格")
    with page.expect_navigation():
        page.click("#grid-new button[type=submit]")
    grid = page.locator("[data-grid='第一网格']")
    assert "无网格员" in grid.inner_text()
    assert "新华村 · 第一网格" in _gaps(page, live_server)  # the gap, before its worker
    page.go_back()

    with page.expect_navigation():
        page.click("[data-grid='第一网格'] >> text=或新增网格员")
    assert page.locator("#f-kind").input_value() == "grid_worker"
    page.fill("#f-name", "马春花")
    page.fill("#f-phone", "13812345678")
    assert "新华村 · 第一网格" in page.locator("#f-grid_id option:checked").inner_text()
    assert page.evaluate(WIDE) <= 360
    with page.expect_navigation():
        page.click("main button[type=submit]")
    worker = page.locator("[data-grid='第一网格']").inner_text()
    assert "马春花" in worker and "138****5678" in worker and "无网格员" not in worker

    assert "新华村" not in _gaps(page, live_server)
    assert "新华村" not in page.locator("main").inner_text()  # covered on every count
    assert page.evaluate(WIDE) <= 360


@pytest.fixture
def small_phone(chromium):
    context = chromium.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_the_ground_pages_fit_a_360_px_phone(small_phone, live_server, demo):
    page = small_phone
    sign_in_page(page, live_server, "dongling-admin")
    base = live_server + "/s/dongling/ground"
    page.goto(base + "/")
    assert page.evaluate(WIDE) <= 360
    _shot(page, "overview")
    with page.expect_navigation():
        page.click("[data-village='石门村'] a")
    assert page.locator("h1").inner_text().startswith("石门村")
    assert page.evaluate(WIDE) <= 360
    _shot(page, "village")
    for name in ("forces", "coverage", "places"):
        page.goto(f"{base}/{name}")
        assert page.evaluate(WIDE) <= 360, name
        _shot(page, name)
    page.goto(base + "/forces/new")
    assert page.evaluate(WIDE) <= 360
    _shot(page, "force-form")
