"""Lost and found, the staff's side: items found and kept, losses reported, a report matched
to an item, the handover to the owner with the identity document checked, and the items
unclaimed too long disposed of."""

import secrets
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.plugin_api import (
    current_user,
    db,
    get_or_404,
    load,
    local_today,
    paginate,
    require,
    reveal,
    settings,
    user_names,
)

from .labels import label
from .models import (
    DISPOSED,
    FOUND,
    ITEM_STATUSES,
    MATCHED,
    OPEN,
    REPORT_STATUSES,
    RETURNED,
    WAITING,
    FoundItem,
    LossReport,
)
from .schemas import DisposalForm, FoundItemForm, HandoverForm, LossReportForm
from .views import KEY, MANAGE, RECORD, VIEW, bp, count_of, status_code

MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds
CANDIDATES = 10  # possible matches a page, nearest first; the rest on the next pages
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread over the phone


def new_reference(model, prefix: str) -> str:
    """A short code a tourist can read out (S-7KQ3PZ), unique in the station."""
    while True:
        code = prefix + "-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))
        if not db.session.scalar(select(model.id).where(model.reference == code)):
            return code


# -- lists ---------------------------------------------------------------------------------
# Each list a page at a time with its total and its filters in the URL: no row is dropped.

@bp.get("/lost")
@require(VIEW)
def lost():
    status = request.args.get("status", "waiting")
    kind = request.args.get("kind") or None
    query = select(FoundItem).order_by(FoundItem.found_on.desc(), FoundItem.id.desc())
    if status == "waiting":
        query = query.where(FoundItem.status.in_(WAITING))
    elif status == "due":
        query = query.where(FoundItem.status == FOUND, FoundItem.disposal_due.is_(True))
    elif status in ITEM_STATUSES:
        query = query.where(FoundItem.status == status)
    if kind:
        query = query.where(FoundItem.kind == kind)
    page = paginate(query)
    return render_template(
        "tourism/lost.html", items=page, page=page, status=status, kind=kind,
        kinds=settings(KEY)["item_kinds"], **_tab_counts(),
    )


@bp.get("/lost/reports")
@require(VIEW)
def reports():
    """The losses tourists reported, still open by default."""
    status = request.args.get("status", OPEN)
    kind = request.args.get("kind") or None
    query = select(LossReport).order_by(LossReport.lost_on.desc(), LossReport.id.desc())
    if status in REPORT_STATUSES:
        query = query.where(LossReport.status == status)
    if kind:
        query = query.where(LossReport.kind == kind)
    page = paginate(query)
    return render_template(
        "tourism/reports.html", reports=page, page=page, status=status, kind=kind,
        kinds=settings(KEY)["item_kinds"], **_tab_counts(),
    )


def _tab_counts() -> dict:
    """What the lost-and-found tabs say they hold: items kept, losses still open."""
    return {"kept": count_of(FoundItem, FoundItem.status.in_(WAITING)),
            "still_open": count_of(LossReport, LossReport.status == OPEN)}


# -- found items ---------------------------------------------------------------------------

@bp.route("/lost/items/new", methods=["GET", "POST"])
@require(RECORD)
def item_new():
    config = settings(KEY)
    errors, form = {}, request.form
    if request.method == "POST":
        data, errors = load(FoundItemForm(kinds=config["item_kinds"]),
                            {**form.to_dict(), "has_photo": "has_photo" in form})
        if data:
            item = FoundItem(reference=new_reference(FoundItem, "S"), status=FOUND,
                             recorded_by=current_user.id, **data)
            db.session.add(item)
            db.session.commit()
            flash(_("The item is recorded as %(ref)s. Label it and put it in its place.",
                    ref=item.reference), "success")
            return redirect(url_for(".item", found_item_id=item.id))
    else:
        form = {"found_on": local_today().isoformat()}
    return render_template("tourism/item_new.html", kinds=config["item_kinds"], errors=errors,
                           form=form), status_code(errors)


@bp.get("/lost/items/<int:found_item_id>")
@require(VIEW)
def item(found_item_id: int):
    return _item_page(get_or_404(FoundItem, found_item_id))


def _item_page(item: FoundItem, errors=None, form=None, revealed=False):
    errors = errors or {}
    candidates = None
    if item.status == FOUND:
        candidates = paginate(
            select(LossReport).where(
                LossReport.status == OPEN, LossReport.kind == item.kind,
                LossReport.lost_on <= item.found_on + timedelta(days=1))
            .order_by(LossReport.lost_on.desc(), LossReport.id.desc()), size=CANDIDATES,
            endpoint=".item", found_item_id=item.id)
    days = settings(KEY)["disposal_days"]
    return render_template(
        "tourism/item.html", item=item, report=item.report, candidates=candidates,
        people=user_names([item.recorded_by, item.handed_by]), errors=errors, form=form or {},
        revealed=revealed, may_dispose=item.status == FOUND and (
            item.disposal_due or item.found_on <= local_today() - timedelta(days=days)),
    ), status_code(errors)


def _refuse_unless(item: FoundItem, *statuses):
    if item.status not in statuses:
        return _item_page(item, {"_schema": _("This item is %(status)s: that cannot be done "
                                              "now.", status=label("item", item.status))})
    return None


@bp.post("/lost/items/<int:found_item_id>/match")
@require(RECORD)
def item_match(found_item_id: int):
    item = get_or_404(FoundItem, found_item_id)
    refused = _refuse_unless(item, FOUND)
    if refused:
        return refused
    try:
        report_id = int(request.form.get("report_id", ""))
    except ValueError:
        return _item_page(item, {"_schema": _("Please choose one of the listed options.")})
    if not 0 < report_id <= MAX_ID:  # beyond the id column's range: the database refuses it
        abort(404)
    report = get_or_404(LossReport, report_id)
    # Claim the report with a conditional UPDATE, so two items matched to it at once cannot
    # both have it: the second one changes no row and is refused. The ORM then writes the
    # same status again, so the change is audited like any other.
    claimed = db.session.execute(
        update(LossReport).where(LossReport.id == report.id, LossReport.status == OPEN)
        .values(status=MATCHED).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return _item_page(item, {"_schema": _("That report is already matched.")})
    item.report_id, item.status, report.status = report.id, MATCHED, MATCHED
    db.session.commit()
    flash(_("Matched to report %(ref)s. Call the owner to come with an identity document.",
            ref=report.reference), "success")
    return redirect(url_for(".item", found_item_id=item.id))


@bp.post("/lost/items/<int:found_item_id>/unmatch")
@require(RECORD)
def item_unmatch(found_item_id: int):
    item = get_or_404(FoundItem, found_item_id)
    refused = _refuse_unless(item, MATCHED)
    if refused:
        return refused
    item.report.status = OPEN
    item.report_id, item.status = None, FOUND
    db.session.commit()
    flash(_("The match is undone."), "success")
    return redirect(url_for(".item", found_item_id=item.id))


@bp.post("/lost/items/<int:found_item_id>/handover")
@require(RECORD)
def item_handover(found_item_id: int):
    item = get_or_404(FoundItem, found_item_id)
    refused = _refuse_unless(item, *WAITING)
    if refused:
        return refused
    form = request.form.to_dict()
    form.update({k: k in request.form for k in ("identity_checked", "details_confirmed")})
    data, errors = load(HandoverForm(), form)
    if errors:
        return _item_page(item, errors, request.form)
    item.receiver_name = data["receiver_name"]
    item.receiver_id_type = data["receiver_id_type"]
    item.receiver_id_number = data["receiver_id_number"].upper()
    item.returned_on, item.handed_by, item.status = local_today(), current_user.id, RETURNED
    if item.report is not None:
        item.report.status = RETURNED
    db.session.commit()
    flash(_("%(ref)s is returned to its owner.", ref=item.reference), "success")
    return redirect(url_for(".item", found_item_id=item.id))


@bp.post("/lost/items/<int:found_item_id>/dispose")
@require(MANAGE)
def item_dispose(found_item_id: int):
    item = get_or_404(FoundItem, found_item_id)
    refused = _refuse_unless(item, FOUND)
    if refused:
        return refused
    data, errors = load(DisposalForm(), request.form)
    if errors:
        return _item_page(item, errors, request.form)
    days = settings(KEY)["disposal_days"]
    if not item.disposal_due and item.found_on > local_today() - timedelta(days=days):
        return _item_page(item, {"_schema": _("It has not waited %(n)d days yet.", n=days)})
    item.status, item.disposed_on, item.disposal_note = DISPOSED, local_today(), data["note"]
    db.session.commit()
    flash(_("%(ref)s is recorded as disposed of.", ref=item.reference), "success")
    return redirect(url_for(".item", found_item_id=item.id))


@bp.post("/lost/items/<int:found_item_id>/reveal")
@require(VIEW)
def item_reveal(found_item_id: int):
    """The finder's and the owner's names and numbers, for a role that may reveal (the
    platform's one rule: reveal() refuses the others with a 403); audited."""
    item = get_or_404(FoundItem, found_item_id)
    reveal("tourism_found_item", item.id, ["finder_name", "finder_phone", "receiver_name",
                                           "receiver_id_number"])
    if item.report is not None:  # the matched report's reporter is shown too
        reveal("tourism_loss_report", item.report.id, ["reporter_name", "reporter_phone"])
    db.session.commit()
    return _item_page(item, revealed=True)


# -- loss reports --------------------------------------------------------------------------

@bp.route("/lost/reports/new", methods=["GET", "POST"])
@require(RECORD)
def report_new():
    config = settings(KEY)
    errors, form = {}, request.form
    if request.method == "POST":
        data, errors = load(LossReportForm(kinds=config["item_kinds"]), form)
        if data:
            report = LossReport(reference=new_reference(LossReport, "L"), **data)
            db.session.add(report)
            db.session.commit()
            flash(_("The loss is recorded as %(ref)s.", ref=report.reference), "success")
            return redirect(url_for(".report", loss_report_id=report.id))
    else:
        form = {"lost_on": local_today().isoformat()}
    return render_template("tourism/report_new.html", kinds=config["item_kinds"],
                           errors=errors, form=form), status_code(errors)


@bp.get("/lost/reports/<int:loss_report_id>")
@require(VIEW)
def report(loss_report_id: int):
    return _report_page(get_or_404(LossReport, loss_report_id))


def _report_page(report: LossReport, revealed=False):
    item = db.session.scalar(select(FoundItem).where(FoundItem.report_id == report.id))
    candidates = None
    if report.status == OPEN:
        candidates = paginate(
            select(FoundItem).where(
                FoundItem.status == FOUND, FoundItem.kind == report.kind,
                FoundItem.found_on >= report.lost_on - timedelta(days=1))
            .order_by(FoundItem.found_on, FoundItem.id), size=CANDIDATES,
            endpoint=".report", loss_report_id=report.id)
    return render_template("tourism/report.html", report=report, item=item,
                           candidates=candidates, revealed=revealed)


@bp.post("/lost/reports/<int:loss_report_id>/reveal")
@require(VIEW)
def report_reveal(loss_report_id: int):
    report = get_or_404(LossReport, loss_report_id)
    reveal("tourism_loss_report", report.id, ["reporter_name", "reporter_phone"])
    db.session.commit()
    return _report_page(report, revealed=True)
