"""The meeting's report: asked for a period, made by a job (in-process without Redis),
kept for download as a workbook that opens with openpyxl and a PDF whose text is Chinese;
the request is audited, its progress shown while it is made, and no other county sees it."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.county.models import RUNNING, Report
from app.extensions import db
from app.periods import Period
from tenants.context import county_context
from tenants.models import County
from tests.conftest import PG, owner_context, set_scope

PAGE = "/county/demo/reports"
LAST_MONTH = Period.last_full_month()


def _made(lead) -> int:
    answer = lead.post(PAGE, {"period": LAST_MONTH.label})
    assert answer.status_code == 302
    html = lead.get(PAGE).text
    assert 'data-status="done"' in html, html
    return int(html.split('data-report="', 1)[1].split('"', 1)[0])


def test_the_report_is_made_and_kept_for_download(make_browser, liuxi_mediates, app):
    lead = make_browser("county-lead")
    report = _made(lead)
    answer = lead.get(f"{PAGE}/{report}.xlsx")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames[0] == "概要" and {"三级联调", "小院说事"} <= set(book.sheetnames)
    cases = [row for row in book["三级联调"].iter_rows(values_only=True)]
    heading = next(i for i, row in enumerate(cases) if str(row[0]).startswith("调解率"))
    assert cases[heading + 1][:3] == ("名次", "派出所", "数值")
    assert cases[heading + 2][:5] == (1, "柳溪派出所", 95.0, "76.4–99.1", 20)
    pdf = lead.get(f"{PAGE}/{report}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "月晾晒通报" in text and "柳溪派出所" in text and "调解率" in text
    with app.app_context(), owner_context():
        asked = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "county_report", AuditEvent.action == "create")).all()
    assert len(asked) == 1 and asked[0].changes["period"] == [None, LAST_MONTH.label]
    assert "xlsx" not in asked[0].changes and "pdf" not in asked[0].changes


def test_a_report_being_made_shows_its_progress_and_is_not_downloadable(
        make_browser, demo, app):
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        with county_context(county):
            db.session.add(Report(county_id=county.id, period=LAST_MONTH.label,
                                  against=LAST_MONTH.previous().label, basis="residents",
                                  language="zh",
                                  status=RUNNING, progress=40))
            db.session.commit()
            report = db.session.scalar(select(Report.id))
    lead = make_browser("county-lead")
    html = lead.get(PAGE).text
    assert 'aria-valuenow="40"' in html and 'hx-trigger="every 2s"' in html
    assert "正在生成" in html
    assert lead.get(f"{PAGE}/{report}.xlsx").status_code == 404


@pytest.mark.parametrize("period", ["上个月", Period.current_month().label, "2099-01", "2000-01"])
def test_a_period_not_over_or_none_makes_nothing(make_browser, demo, app, period):
    lead = make_browser("county-lead")
    answer = lead.post(PAGE, {"period": period})
    assert answer.status_code == 302
    assert "已经结束的月份、季度或年份" in lead.get(answer.headers["Location"]).text
    assert 'data-report="' not in lead.get(PAGE).text


def test_making_a_report_leaves_no_county_context_behind(make_browser, demo):
    from tenants.context import current_scope

    _made(make_browser("county-lead"))
    assert current_scope() is None


def test_the_report_compares_what_the_screen_compared(make_browser, liuxi_mediates, app):
    lead = make_browser("county-lead")
    year_before = LAST_MONTH.a_year_before().label
    html = lead.get(f"/county/demo/dashboard?per=counted&against={year_before}").text
    link = html.split('data-report-link', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    form = lead.get(link.replace("&amp;", "&")).text
    assert 'name="per" value="counted"' in form
    for _ in range(2):
        lead.post(PAGE, {"period": LAST_MONTH.label, "per": "counted", "against": year_before})
    with app.app_context(), owner_context():
        made = db.session.scalars(select(Report)).all()
    # Each made at once here (in-process): asked again, made again.
    assert [(r.against, r.basis) for r in made] == [(year_before, "counted")] * 2



def test_no_one_outside_the_county_reads_a_report(make_browser, demo, app):
    report = _made(make_browser("county-lead"))
    for username in ("dongling-admin", None):
        browser = make_browser(username) if username else make_browser()
        assert browser.get(f"{PAGE}/{report}.pdf").status_code in (302, 403, 404)
    assert make_browser("county-lead").get(f"{PAGE}/{report}.docx").status_code == 404


@pytest.mark.postgres
@pytest.mark.skipif(not PG, reason="row-level security is PostgreSQL's")
def test_the_database_holds_reports_to_their_county(make_browser, demo, as_app, as_owner):
    _made(make_browser("county-lead"))
    other = as_owner.execute("INSERT INTO county (slug, name, created_at) VALUES "
                             "('far', '远县公安局', now()) RETURNING id").fetchone()[0]
    as_owner.commit()
    set_scope(as_app, other)
    assert as_app.execute("SELECT count(*) FROM county_report").fetchone()[0] == 0
    assert as_app.execute("UPDATE county_report SET status = 'failed'").rowcount == 0
    as_app.rollback()
    set_scope(as_app, demo.county.id, demo.station("dongling").id)  # a station reads none
    assert as_app.execute("SELECT count(*) FROM county_report").fetchone()[0] == 0
    assert as_app.execute("UPDATE county_report SET status = 'failed'").rowcount == 0
    as_app.rollback()
    set_scope(as_app, demo.county.id)
    assert as_app.execute("SELECT count(*) FROM county_report").fetchone()[0] == 1
