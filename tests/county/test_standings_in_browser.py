"""A county lead on a phone: from the month's dashboard to one metric's standings, compared
per 10,000 residents, read without scrolling sideways."""

import pytest

from tests.conftest import sign_in_page

pytestmark = pytest.mark.browser


def test_county_lead_opens_a_metric_and_compares_per_resident(phone, live_server, demo):
    page = phone
    sign_in_page(page, live_server, "county-lead")
    page.goto(live_server + "/county/demo/dashboard")
    with page.expect_navigation():
        page.click("th[data-column='courtyard.sessions'] a")
    assert page.locator("h1").inner_text().startswith("说事活动")
    page.select_option("#f-per", "residents")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "per=residents" in page.url
    # On a phone each figure says what it is counted per (the table's head is hidden).
    assert "每万名居民" in page.locator("#standings td[data-value]").first.get_attribute(
        "data-label")
    ranks = page.locator("#standings tbody tr[data-rank]").evaluate_all(
        "rows => rows.map(r => r.dataset.rank)")
    assert ranks and ranks[0] == "1"
    page.locator("#trend-chart svg").wait_for()  # the vendored chart library drew it
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(live_server + "/county/demo/dashboard/appointments.no_show_share?period=2026")
    page.locator("#funnel-chart svg").wait_for()
