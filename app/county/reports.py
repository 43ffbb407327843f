"""The county's reports page: ask for the meeting's report of a period, watch it being made,
download its workbook and its printable A4 report. Reports are kept; each belongs to its
county alone (another county's is a 404, and the database holds them to it too)."""

import io
from datetime import timedelta

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.access import require
from app.county.figures import is_closed
from app.county.models import DONE, QUEUED, RUNNING, Report
from app.county.report import build
from app.county.standings import BASES
from app.extensions import db
from app.jobs import enqueue
from app.paging import paginate
from app.periods import Period
from app.permissions import COUNTY_VIEW
from tenants.console import bp
from tenants.models import utcnow

KINDS = {"xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         "pdf": ("pdf", "application/pdf")}


@bp.get("/reports")
@require(COUNTY_VIEW)
def reports():
    period, unknown = Period.asked(request.args.get("period"), Period.last_full_month())
    page = paginate(select(Report).where(Report.county_id == g.county.id)
                    .order_by(Report.requested_at.desc(), Report.id.desc()))
    # A report whose job died under it is not waited for for ever.
    given_up = utcnow() - timedelta(seconds=2 * current_app.config["JOB_TIMEOUT_SECONDS"])
    lost = {r.id for r in page.items
            if r.status in (QUEUED, RUNNING) and r.requested_at < given_up}
    making = any(r.status in (QUEUED, RUNNING) and r.id not in lost for r in page.items)
    return render_template(
        "county/reports.html", page=page, period=period, unknown=unknown, making=making,
        lost=lost, against=request.args.get("against", ""), basis=request.args.get("per", ""))


@bp.post("/reports")
@require(COUNTY_VIEW)
def report_new():
    period = Period.read(request.form.get("period"))
    if period is None or not is_closed(period) or Period.read(period.previous().label) is None:
        flash(_("A report is made of a month, quarter or year that is over."), "warning")
        return redirect(url_for("county.reports"))
    against = Period.read(request.form.get("against")) or period.previous()
    basis = request.form.get("per")
    basis = basis if basis in BASES else "residents"
    waiting = db.session.scalar(select(Report.id).where(
        Report.county_id == g.county.id, Report.period == period.label,
        Report.against == against.label, Report.basis == basis,
        Report.status.in_((QUEUED, RUNNING))))
    if waiting is None:  # the same report asked again while it is made: made once
        report = Report(county_id=g.county.id, period=period.label, against=against.label,
                        basis=basis, language=str(get_locale()), requested_by=current_user.id)
        db.session.add(report)
        db.session.flush()
        enqueue(build, report.id, g.county.id)  # in-process without Redis: made by now
        db.session.commit()
    return redirect(url_for("county.reports"))


@bp.get("/reports/<int:report_id>.<kind>")
@require(COUNTY_VIEW)
def report_file(report_id: int, kind: str):
    report = db.session.get(Report, report_id)
    if report is None or report.county_id != g.county.id or kind not in KINDS \
            or report.status != DONE:
        abort(404)
    extension, mimetype = KINDS[kind]
    data = report.xlsx if kind == "xlsx" else report.pdf
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=kind == "xlsx",
                     download_name=f"月晾晒通报-{g.county.slug}-{report.period}.{extension}")
