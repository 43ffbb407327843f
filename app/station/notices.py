"""Station notices (所务通知): what the station admin wants every officer to see."""

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, String, select
from sqlalchemy import Text as SQLText
from sqlalchemy.orm import Mapped, mapped_column

from app.access import require
from app.extensions import db
from app.forms import Form, Text, fields, length, load
from app.paging import paginate
from app.permissions import STATION_NOTICES, STATION_VIEW
from app.station.blueprint import bp
from tenants.models import utcnow
from tenants.scoping import TenantScoped
from tenants.web import scoped_or_404


class Notice(TenantScoped, db.Model):
    __tablename__ = "station_notice"
    __label__ = _l("Notice")
    __labels__ = {"body": _l("Text"), "pinned": _l("Pinned")}

    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(SQLText, default="")
    pinned: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeForm(Form):
    title = Text(required=True, validate=length(120))
    body = Text(load_default=None, validate=length(4000, 0))
    pinned = fields.Boolean(load_default=False)


def _get(notice_id: int) -> Notice:
    return scoped_or_404(Notice, notice_id)


@bp.get("/notices")
@require(STATION_VIEW)
def notices():
    page = paginate(select(Notice).order_by(Notice.pinned.desc(), Notice.created_at.desc(),
                                            Notice.id.desc()))
    return render_template("station/notices.html", notices=page, page=page)


@bp.route("/notices/new", methods=["GET", "POST"])
@require(STATION_NOTICES)
def notice_new():
    errors = {}
    if request.method == "POST":
        data, errors = load(NoticeForm(), request.form)
        if data:
            db.session.add(Notice(
                title=data["title"], body=data["body"] or "", pinned=data["pinned"],
                author_id=current_user.id,
            ))
            db.session.commit()
            flash(_("The notice is published."), "success")
            return redirect(url_for(".notices"))
    return render_template("station/notice_form.html", errors=errors, form=request.form), (
        400 if errors else 200
    )


@bp.get("/notices/<int:notice_id>")
@require(STATION_VIEW)
def notice(notice_id: int):
    return render_template("station/notice.html", notice=_get(notice_id))


@bp.post("/notices/<int:notice_id>/delete")
@require(STATION_NOTICES)
def notice_delete(notice_id: int):
    db.session.delete(_get(notice_id))
    db.session.commit()
    flash(_("The notice is removed."), "info")
    return redirect(url_for(".notices"))
