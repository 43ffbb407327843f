"""The public lost-and-found page (/p/<station>/tourism/): a tourist searches the items
found, by date and kind, or reports a loss, on a phone and without an account.

It shows nothing personal of anyone: the search selects only the public columns (kind,
the generic description, the day and the area found), never the finder, the storage or
the owner. Searches and reports are rate limited per network address, reports also per
phone number."""

import hashlib
from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.plugin_api import (
    choices,
    client_address,
    db,
    load,
    local_today,
    paginate,
    public_blueprint,
    rate_limit,
    settings,
)

from .lost import new_reference
from .models import FOUND, FoundItem, LossReport
from .schemas import LossReportForm, SearchForm
from .views import KEY

public = public_blueprint(KEY, __name__)

SEARCHES_PER_HOUR = 60
REPORTS_PER_HOUR = 5  # per network address
REPORTS_PER_DAY = 3  # per phone number


@public.context_processor
def _helpers():
    return {"choices": choices}


def _too_many():
    return render_template("tourism/public_limited.html"), 429


@public.get("/")
def search():
    if rate_limit(f"{KEY}.search:addr:{client_address()}", limit=SEARCHES_PER_HOUR,
                  per_seconds=3600):
        return _too_many()
    config = settings(KEY)
    today = local_today()
    data, errors = load(SearchForm(kinds=config["item_kinds"]), request.args)
    items = None
    if data:
        first = data["found_from"] or today - timedelta(days=30)
        last = data["found_to"] or today
        query = (select(FoundItem.reference, FoundItem.kind, FoundItem.public_description,
                        FoundItem.found_on, FoundItem.found_place)
                 .where(FoundItem.status == FOUND, FoundItem.found_on >= first,
                        FoundItem.found_on <= last)
                 .order_by(FoundItem.found_on.desc(), FoundItem.id.desc()))
        if data["kind"]:
            query = query.where(FoundItem.kind == data["kind"])
        items = paginate(query, rows=True)  # the search stays in the URL for each page
    form = request.args if request.args else {
        "found_from": (today - timedelta(days=30)).isoformat(), "found_to": today.isoformat()}
    return render_template("tourism/public_search.html", items=items, errors=errors, form=form,
                           kinds=config["item_kinds"], contact=config["claim_contact"],
                           searched=bool(data)), (400 if errors else 200)


@public.route("/report", methods=["GET", "POST"])
def report():
    config = settings(KEY)
    errors, form = {}, request.form
    if request.method == "POST":
        if rate_limit(f"{KEY}.report:addr:{client_address()}", limit=REPORTS_PER_HOUR,
                      per_seconds=3600):
            return _too_many()
        data, errors = load(LossReportForm(kinds=config["item_kinds"]), form)
        if data:
            # The bucket names the phone by a hash: the limiter's store is no place for it.
            phone = hashlib.sha256(data["reporter_phone"].encode()).hexdigest()[:16]
            if rate_limit(f"{KEY}.report:phone:{phone}",
                          limit=REPORTS_PER_DAY, per_seconds=86400):
                return _too_many()
            loss = LossReport(reference=new_reference(LossReport, "L"), from_public=True,
                              **data)
            db.session.add(loss)
            db.session.commit()
            return redirect(url_for(".report_done", ref=loss.reference))
    else:
        form = {"lost_on": local_today().isoformat(), "kind": request.args.get("kind", "")}
    return render_template("tourism/public_report.html", kinds=config["item_kinds"],
                           errors=errors, form=form), (400 if errors else 200)


@public.get("/report/done")
def report_done():
    reference = request.args.get("ref", "")
    if not db.session.scalar(select(LossReport.id).where(LossReport.reference == reference)):
        abort(404)
    return render_template("tourism/public_done.html", reference=reference,
                           contact=settings(KEY)["claim_contact"], title=_("Loss reported"))
