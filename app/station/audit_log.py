from flask import g, render_template, request
from sqlalchemy import select

from app.access import require
from app.audit.models import AuditEvent
from app.audit.viewer import page_of
from app.permissions import STATION_AUDIT
from app.station.blueprint import bp


@bp.get("/audit")
@require(STATION_AUDIT)
def audit_log():
    base = select(AuditEvent).where(AuditEvent.station_id == g.station.id)
    return render_template("audit/list.html", result=page_of(base, request.args), stations=None)
