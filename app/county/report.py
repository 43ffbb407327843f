"""The meeting's report (月晾晒通报): what the month's screen shows, as a workbook (a sheet
per module: each metric's stations ranked, with their changes, intervals, cases, target
and notes) and as a printable A4 report with a chart per metric, made by a job in the
language of the person who asked, its progress kept on the report as it goes."""

import io
import logging
import re
from contextlib import nullcontext

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.clock import local_now
from app.county.dashboard import Board, Month, month
from app.county.models import DONE, FAILED, QUEUED, RUNNING, Report
from app.county.standings import PER_LABELS
from app.county.targets import RULES
from app.exports import append_safe_row
from app.extensions import db
from app.periods import Period
from tenants.context import county_context
from tenants.models import County, utcnow

log = logging.getLogger(__name__)


def build(report_id: int, county_id: int) -> None:
    """A job: make report ``report_id`` of county ``county_id``, committing its progress."""
    county = db.session.get(County, county_id)
    with county_context(county):
        report = db.session.get(Report, report_id)
        if report is None or report.status not in (QUEUED, RUNNING):
            return  # made already, or gone
        try:
            with force_locale(report.language), _request_context():
                _make(report, county)
        except Exception as exc:
            # Said on the report, not retried: the same figures would fail the same way.
            log.exception("county report %s failed", report_id)
            db.session.rollback()
            report = db.session.get(Report, report_id)
            report.status, report.error = FAILED, type(exc).__name__[:200]
            report.finished_at = utcnow()
            db.session.commit()


def _make(report: Report, county: County) -> None:
    def step(progress: int) -> None:
        report.status, report.progress = RUNNING, progress
        db.session.commit()  # seen by the page that shows the progress

    step(5)
    period, against = Period.read(report.period), Period.read(report.against)
    found = month(county, period, against, report.basis)
    step(40)
    report.xlsx = workbook(found, county)
    step(60)
    report.pdf = printed(found, county)
    report.status, report.progress, report.finished_at = DONE, 100, utcnow()
    db.session.commit()


def _request_context():
    # The ranked rows link to the modules' lists: build those links as the site's own. In
    # a request (made in-process, without Redis) that request's own context serves: a
    # second one would share its ``g`` and leave its tenant context on teardown.
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config.get("BASE_URL")
                                            or "http://localhost/")


def title(found: Month, county: County) -> str:
    return _("%(county)s · Monthly comparison · %(period)s", county=county.name,
             period=found.period.name)


def _note(row) -> str:
    s = row.standing
    notes = []
    if s.reason == "few":
        notes.append(_("Too few to judge"))
    if s.stands_out == "better":
        notes.append(_("Stands out: better"))
    elif s.stands_out == "worse":
        notes.append(_("Stands out: worse"))
    if row.off_target:
        notes.append(_("off target"))
    return _("; ").join(notes)


def _change(value, then):
    return None if value is None or then is None else round(value - then, 1)


def workbook(found: Month, county: County) -> bytes:
    """The report as an XLSX workbook: a summary sheet, then a sheet per module."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    append_safe_row(summary, [title(found, county)])
    summary["A1"].font = Font(bold=True, size=14)
    append_safe_row(summary, [_("Compared against"), found.against.name,
                              _("and a year before"), found.period.a_year_before().name])
    append_safe_row(summary, [_("Made at"), local_now().strftime("%Y-%m-%d %H:%M")])
    append_safe_row(summary, [])
    append_safe_row(summary, [_("Module"), _("Metric"), _("County"), _("Target"),
                              _("Stations off target"), _("Best"), _("Last")])
    for section in found.sections:
        for board in section.boards:
            ranked = [r for r in board.rows if r.standing.rank is not None]
            append_safe_row(summary, [
                section.plugin.name, _unit(board),
                board.county, _rule(board), board.off_target if board.target else None,
                ranked[0].station.name if ranked else None,
                ranked[-1].station.name if len(ranked) > 1 else None])
    summary.column_dimensions["A"].width = 14
    summary.column_dimensions["B"].width = 28
    headers = [_("Rank"), _("Station"), _("Figure"), _("95 %% interval").replace("%%", "%"),
               _("Cases"), _("Change"), _("Year on year"), _("Notes")]
    for section in found.sections:
        sheet = book.create_sheet(_sheet_title(str(section.plugin.name)))
        for board in section.boards:
            append_safe_row(sheet, [_unit(board),
                                    None, _("County:"), board.county, _rule(board)])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
            append_safe_row(sheet, headers)
            for row in board.rows:
                s = row.standing
                append_safe_row(sheet, [
                    s.rank, row.station.name, s.value,
                    None if s.low is None else f"{s.low:.1f}–{s.high:.1f}",
                    s.volume, _change(s.value, row.previous), _change(s.value, row.year_before),
                    _note(row) or None])
            if section.off:
                append_safe_row(sheet, [None, _("Module not switched on:"),
                                        "、".join(s.name for s in section.off)])
            append_safe_row(sheet, [])
        sheet.column_dimensions["B"].width = 18
        sheet.column_dimensions["H"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(name: str) -> str:
    # A sheet's title has at most 31 characters and none of []:*?/\ (Excel's rule).
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "_"


def _unit(board: Board) -> str:
    per = PER_LABELS.get(board.per)
    unit = f"{board.metric.unit} · {per}" if per else board.metric.unit
    return f"{board.metric.label} ({unit})"


def _rule(board: Board) -> str | None:
    t = board.target
    return None if t is None else f"{RULES[t.operator]} {t.value:g}"


def printed(found: Month, county: County) -> bytes:
    """The report as a printable A4 PDF (WeasyPrint), Chinese set in Noto Sans CJK."""
    from weasyprint import HTML

    html = render_template("county/report_print.html", found=found, county=county,
                           title=title(found, county), rules=RULES, bars=bars, unit=_unit)
    return HTML(string=html, base_url=current_app.root_path).write_pdf()


def bars(board: Board, width: int = 300) -> list[tuple[object, float]]:
    """Each row of ``board`` with its bar's length out of ``width`` (the largest figure
    fills it; no figure, no bar)."""
    values = [r.standing.value for r in board.rows if r.standing.value is not None]
    top = max((abs(v) for v in values), default=0) or 1
    return [(r, 0 if r.standing.value is None else round(width * abs(r.standing.value) / top, 1))
            for r in board.rows]
