"""The station's monthly report as XLSX (openpyxl): one row per case, personal data masked,
every row written by ``append_safe_row`` so no typed text becomes a formula."""

from io import BytesIO

from flask import send_file
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.plugin_api import append_safe_row, local_today, mask

from .labels import label


def workbook_response(cases, parties, ladder, officers, villages, not_kept=frozenset()):
    """``villages``: the names of the cases' villages by id (``village_names``)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Mediation cases")
    header = [_("No."), _("Opened on"), _("Title"), _("Kind"), _("Village"), _("Source"),
              _("Parties"), _("Level"), _("Status"), _("Outcome"), _("Closed on"),
              _("Officer in charge"), _("Dispute began on")]
    append_safe_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for case in cases:
        names = "、".join(mask("name", p.name) for p in parties.get(case.id, []))
        append_safe_row(sheet, [
            case.id, case.opened_on, case.title, case.kind, villages.get(case.village_id, ""),
            label("source", case.source), names, ladder.name(case.level),
            label("status", case.status),
            _("Agreement not kept") if case.id in not_kept else label("outcome", case.outcome),
            case.closed_on, officers.get(case.officer_id, ""), case.dispute_began_on,
        ])
    for column, width in zip("ABCDEFGHIJKLM", (6, 12, 30, 10, 10, 10, 18, 16, 10, 14, 12, 10, 12),
                             strict=True):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return send_file(
        buffer, as_attachment=True, download_name=f"mediation-{local_today():%Y%m%d}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
