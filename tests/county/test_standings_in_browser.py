"""A county lead on a phone: the month's screen read without scrolling sideways, a figure
opened to the records behind it, then one metric's standings compared per 10,000
residents, its trend and funnel drawn."""

import pytest

from tests.conftest import sign_in_page

pytestmark = pytest.mark.browser


def test_county_lead_opens_a_metric_and_compares_per_resident(phone, live_server, demo):
    page = phone
    sign_in_page(page, live_server, "county-lead")
    page.goto(live_server + "/county/demo/dashboard")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    card = page.locator("[data-metric-card='backpack.done']")
    assert card.locator("[data-metric-name]").inner_text() == "上门办结"
    with page.expect_navigation():
        card.locator("a[data-records]").first.click()
    assert "/backpack/" in page.url and page.locator("main").count() == 1
    page.go_back()
    with page.expect_navigation():
        page.click("[data-metric-card='courtyard.sessions'] [data-metric-name]")
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
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(live_server + "/county/demo/dashboard/appointments.no_show_share?period=2026")
    page.locator("#funnel-chart svg").wait_for()


def test_county_lead_takes_the_months_report_into_the_meeting(phone, live_server, demo):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    page = phone
    sign_in_page(page, live_server, "county-lead")
    page.goto(live_server + "/county/demo/dashboard")
    with page.expect_navigation():
        page.click("[data-report-link]")
    with page.expect_navigation():
        page.click("[data-make-report]")  # made in-process here; a worker's job in production
    page.locator("[data-status='done']").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with page.expect_download() as download:
        page.click("[data-status='done'] [data-download='xlsx']")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert "三级联调" in book.sheetnames
    pdf = page.request.get(live_server + page.get_attribute("[data-download='pdf']", "href"))
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "月晾晒通报" in text and "东岭派出所" in text
