"""The module's pages: cases, the ladder (attempt, escalate, close), the agreement and its
follow-up, lists with filters and the monthly export."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from app.plugin_api import (
    FORCE_KINDS,
    Force,
    audit_event,
    blueprint,
    choices,
    current_role,
    current_user,
    db,
    force_choices,
    get_or_404,
    handoffs_to,
    load,
    local_today,
    may_reveal,
    members,
    paginate,
    require,
    reveal,
    settings,
    user_names,
    utcnow,
    village_choices,
    village_names,
    villages,
)

from .labels import LABELS, label
from .ladder import Ladder
from .listing import CaseFilter, filtered
from .models import (
    AGREEMENT,
    CLOSED,
    IN_CHARGE,
    MEDIATOR_KINDS,
    OPEN,
    REASSIGNS,
    Agreement,
    Attempt,
    Case,
    Event,
    Party,
    Reminder,
    not_kept,
)
from .schemas import (
    AttemptForm,
    CaseEditForm,
    CaseForm,
    CloseForm,
    EscalateForm,
    FollowUpForm,
    PartyForm,
    ReopenForm,
)

KEY = "mediation"
VIEW, RECORD = "mediation.view", "mediation.record"

bp = blueprint(KEY, __name__)

# What a reveal of a case's parties (on its page, on a printed agreement) shows.
PARTY_FIELDS = ["name", "phone", "id_number"]
# What may be corrected after opening, and its words for the case's timeline.
EDITABLE = {"title": _l("Title"), "kind": _l("Kind"), "village_id": _l("Village"),
            "narrative": _l("What happened"), "dispute_began_on": _l("Dispute began on"),
            "officer_id": _l("Officer in charge")}


@bp.context_processor
def _helpers():
    return {"label": label, "labels": LABELS, "today": local_today()}


def in_charge_choices(station=None) -> list[tuple[int, str]]:
    """Who may be put in charge of a case: the station's officers and its admins."""
    return members(station, roles=IN_CHARGE)


def may_reassign(case: Case) -> bool:
    """Whether the current user may change who is in charge of ``case``: a station admin
    (or the county's IT, the platform admin acting here), the officer in charge handing it
    over, or anyone who records when no one is in charge yet. Being in charge lets one
    reveal the parties' personal data, so no one puts themselves there on another's case."""
    if case.officer_id is None or current_role() in REASSIGNS:
        return True
    return current_user.is_authenticated and current_user.id == case.officer_id


# -- lists ---------------------------------------------------------------------------------

@bp.get("/")
@require(VIEW)
def index():
    data, errors = load(CaseFilter(), request.args)
    config = settings(KEY)
    page = paginate(filtered(data)) if data is not None else None
    cases = page.items if page else []
    return render_template(
        "mediation/index.html", cases=cases, page=page, errors=errors, form=request.args,
        ladder=Ladder(config), kinds=config["kinds"],
        officers=choices(in_charge_choices(), _("All")),
        # Every village the station has had: a retired one's cases stay findable.
        villages=[(v.id, v.name) for v in villages(active=None)],
        village_of=village_names(c.village_id for c in cases),
        people=user_names(c.officer_id for c in cases),
        parties=_parties_of([c.id for c in cases]), not_kept=not_kept(cases),
        # The words of the statuses and outcomes once, for every row to look up.
        words={group: {code: str(text) for code, text in LABELS[group].items()}
               for group in ("status", "outcome")},
    ), (400 if errors else 200)


def _parties_of(case_ids) -> dict[int, list[Party]]:
    out: dict[int, list[Party]] = {}
    if case_ids:
        for p in db.session.scalars(select(Party).where(Party.case_id.in_(case_ids))
                                    .order_by(Party.id)):
            out.setdefault(p.case_id, []).append(p)
    return out


@bp.get("/export.xlsx")
@require(VIEW)
def export():
    from .export import workbook_response

    data, errors = load(CaseFilter(), request.args)
    if errors:
        abort(400)
    cases = db.session.scalars(filtered(data)).all()
    audit_event("mediation.export", object_type="mediation_case", object_id=None,
                changes={"rows": len(cases), "filters": {k: str(v) for k, v in data.items()
                                                           if v is not None}})
    db.session.commit()
    return workbook_response(cases, _parties_of([c.id for c in cases]), Ladder(settings(KEY)),
                             user_names(c.officer_id for c in cases),
                             village_names(c.village_id for c in cases), not_kept(cases))


# -- opening a case ------------------------------------------------------------------------

@bp.route("/cases/new", methods=["GET", "POST"])
@require(RECORD)
def case_new():
    config = settings(KEY)
    staff = in_charge_choices()
    errors, form = {}, request.form
    if request.method == "POST":
        data, errors = load(CaseForm(kinds=config["kinds"], member_ids=[m[0] for m in staff]),
                            form)
        parties = []
        for side in ("a", "b"):
            raw = {k[2:]: v for k, v in form.items() if k.startswith(f"{side}_")}
            if side == "b" and not any(v.strip() for v in raw.values() if v != "person"):
                continue  # the other side may be unknown yet
            party, party_errors = load(PartyForm(), raw)
            errors.update({f"{side}_{k}": v for k, v in party_errors.items()})
            parties.append(party)
        if not errors:
            case = open_case(data, parties, detail=None)
            db.session.commit()
            flash(_("The case is opened at level 1."), "success")
            return redirect(url_for(".case", case_id=case.id))
    else:
        # In charge by default who opens it, when they may be in charge at all.
        mine = current_user.id in {uid for uid, _name in staff}
        form = {"opened_on": local_today().isoformat(), "source": "walk_in",
                "officer_id": str(current_user.id) if mine else ""}
    return render_template("mediation/case_new.html", errors=errors, form=form,
                           kinds=config["kinds"], officers=choices(staff),
                           villages=village_choices()), (
        400 if errors else 200)


def open_case(data: dict, parties, detail: str | None) -> Case:
    """A new case at the first level with its parties and the first line of its timeline."""
    case = Case(level=1, level_since=data["opened_on"], created_by=_user_id(), **data)
    db.session.add(case)
    db.session.flush()
    for party in parties:
        db.session.add(Party(case_id=case.id, **party))
    db.session.add(Event(case_id=case.id, action="opened", level=1, detail=detail,
                         author_id=_user_id()))
    db.session.flush()
    return case


def _user_id():
    return current_user.id if current_user.is_authenticated else None


# -- correcting a case's details -----------------------------------------------------------

@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@require(RECORD)
def case_edit(case_id: int):
    case = get_or_404(Case, case_id)
    ladder = Ladder(settings(KEY))
    if not ladder.may_act(case.level, current_role()):
        # The ladder's rule for every act on a case: correcting it is one.
        return _page(case, {"_schema": _("Your role may not act at %(level)s.",
                                         level=ladder.name(case.level))}, status=403)
    staff = in_charge_choices()
    # The case's own kind and officer stay acceptable when the settings dropped the kind
    # or the officer left the station: correcting the village must not force a new kind.
    kinds = list(dict.fromkeys([*settings(KEY)["kinds"], case.kind]))
    if case.officer_id and case.officer_id not in {uid for uid, _name in staff}:
        staff = [*staff, (case.officer_id, user_names([case.officer_id]).get(
            case.officer_id, f"#{case.officer_id}"))]

    def show(case, errors=None, form=None, status=200):
        form = form or {f: "" if getattr(case, f) is None else str(getattr(case, f))
                        for f in EDITABLE}
        return render_template(
            "mediation/case_edit.html", case=case, errors=errors or {}, form=form,
            kinds=kinds, officers=choices(staff), may_reassign=may_reassign(case),
            villages=village_choices(keep=case.village_id),
            officer_name=user_names([case.officer_id]).get(case.officer_id, "—"),
        ), (400 if errors and status == 200 else status)

    if request.method == "GET":
        return show(case)

    def change(case, data):
        if data["officer_id"] != case.officer_id and not may_reassign(case):
            return _("Only the station's admin or the officer in charge of this case may "
                     "hand it to someone else. Nothing was saved.")
        changed = [f for f in EDITABLE if getattr(case, f) != data[f]]
        for f in changed:
            setattr(case, f, data[f])
        if changed:
            _event(case, "edited", pgettext("list separator", ", ").join(
                str(EDITABLE[f]) for f in changed))
        flash(_("The case's details are saved."), "success")
        return None

    return _act(case_id, lambda: CaseEditForm(case, kinds=kinds,
                                              member_ids=[uid for uid, _name in staff]),
                change, show=show)


# -- one case ------------------------------------------------------------------------------

@bp.get("/cases/<int:case_id>")
@require(VIEW)
def case(case_id: int):
    return _page(get_or_404(Case, case_id))


def _agreements(case: Case) -> list[Agreement]:
    """The case's agreements, oldest first: the last is the one in force or followed up."""
    return db.session.scalars(select(Agreement).where(Agreement.case_id == case.id)
                              .order_by(Agreement.id)).all()


def _page(case: Case, errors=None, form=None, revealed=False, status=200):
    errors = errors or {}
    agreements = _agreements(case)
    agreement = agreements[-1] if agreements else None
    people = user_names([case.officer_id] + [e.author_id for e in case.events])
    ladder = Ladder(settings(KEY))
    broken = case.id in not_kept([case])
    return render_template(
        "mediation/case.html", case=case, agreement=agreement, agreements=agreements,
        broken=broken, people=people, ladder=ladder,
        mediators=_mediators(case.attempts),
        mediator_choices=force_choices(kind=MEDIATOR_KINDS),
        may_act=ladder.may_act(case.level, current_role()), errors=errors, form=form or {},
        revealed=revealed, may_reveal=may_reveal(case.officer_id),
        reopen_levels=[(str(n), name) for n, name in ladder.levels_for(current_role())]
        if broken else [],
        came_from=handoffs_to(KEY, "case", case.id),
    ), (400 if errors and status == 200 else status)


def _mediators(attempts) -> dict[int, str]:
    """The community forces who mediated, as the case page names them: 百户长 李德明."""
    ids = {a.mediator_force_id for a in attempts if a.mediator_force_id}
    if not ids:
        return {}
    return {f.id: f"{FORCE_KINDS[f.kind]} {f.name}"
            for f in db.session.scalars(select(Force).where(Force.id.in_(ids)))}


def _act(case_id: int, form_class, action, show=_page):
    """Run one state change on a case: the version it was read at must be current, the
    form valid and the move legal; otherwise the page (``show``) comes back with the
    reason and nothing is saved. A stale version is a conflict on the case's page."""
    case = get_or_404(Case, case_id)
    if request.form.get("version") != str(case.version):
        return _conflict(case)
    data, errors = load(form_class(), request.form) if form_class else ({}, {})
    if errors:
        return show(case, errors, request.form)
    refusal = action(case, data)
    if refusal:
        db.session.rollback()
        return show(get_or_404(Case, case_id), {"_schema": refusal}, request.form)
    case.updated_at = utcnow()  # every act bumps the case's version
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _conflict(get_or_404(Case, case_id))
    return redirect(url_for(".case", case_id=case_id))


def _conflict(case: Case):
    return _page(case, {"_schema": _(
        "Someone else changed this case while you were working on it. Your change was not "
        "saved: read the case again below and redo it if it still applies.")}, status=409)


def _event(case: Case, action: str, detail: str | None = None) -> None:
    db.session.add(Event(case_id=case.id, action=action, level=case.level, detail=detail,
                         author_id=_user_id()))


@bp.post("/cases/<int:case_id>/attempts")
@require(RECORD)
def attempt(case_id: int):
    def record(case, data):
        ladder = Ladder(settings(KEY))
        refusal = ladder.refuse_acting(case, current_role())
        if refusal:
            return refusal
        if data["mediator_force_id"] is not None:
            # In words too, as the timeline and the printed agreement (in Chinese, the
            # document the parties sign) name them.
            force = db.session.scalar(select(Force).where(
                Force.id == data["mediator_force_id"]))
            with force_locale("zh"):
                data["mediator"] = f"{FORCE_KINDS[force.kind]} {force.name}"[:100]
        db.session.add(Attempt(case_id=case.id, level=case.level, created_by=_user_id(),
                               **data))
        _event(case, "attempt", data["mediator"] + _(": ") + data["notes"])
        flash(_("The attempt is recorded."), "success")
        return None

    return _act(case_id, AttemptForm, record)


@bp.post("/cases/<int:case_id>/escalate")
@require(RECORD)
def escalate(case_id: int):
    def move(case, data):
        ladder = Ladder(settings(KEY))
        refusal = ladder.refuse_escalation(case, data["to_level"], current_role())
        if refusal:
            return refusal
        from_level = case.level
        case.level, case.level_since = data["to_level"], local_today()
        _event(case, "escalated", _("From %(a)s to %(b)s: %(reason)s",
                                    a=ladder.name(from_level), b=ladder.name(case.level),
                                    reason=data["reason"]))
        flash(_("The case moved up to %(level)s.", level=ladder.name(case.level)), "success")
        return None

    return _act(case_id, EscalateForm, move)


@bp.post("/cases/<int:case_id>/close")
@require(RECORD)
def close(case_id: int):
    def finish(case, data):
        ladder = Ladder(settings(KEY))
        refusal = ladder.refuse_acting(case, current_role())
        if refusal:
            return refusal
        today = local_today()
        case.status, case.outcome, case.closed_on = CLOSED, data["outcome"], today
        if data["outcome"] == AGREEMENT:  # a case mediated again gets a new one
            days = settings(KEY)["follow_up_days"]
            db.session.add(Agreement(case_id=case.id, level=case.level, terms=data["terms"],
                                     confirmed=True, signed_on=today,
                                     follow_up_on=today + timedelta(days=days)))
        _event(case, "closed", label("outcome", data["outcome"]) + _(": ") + data["note"])
        db.session.execute(db.delete(Reminder).where(Reminder.case_id == case.id,
                                                     Reminder.kind == "stuck"))
        flash(_("The case is closed: %(outcome)s.", outcome=label("outcome", data["outcome"])),
              "success")
        return None

    return _act(case_id, CloseForm, finish)


@bp.post("/cases/<int:case_id>/follow-up")
@require(RECORD)
def follow_up(case_id: int):
    def visit(case, data):
        agreements = _agreements(case)
        agreement = agreements[-1] if agreements else None
        if agreement is None:
            return _("Only an agreement is followed up.")
        if agreement.followed_up_on is not None:
            return _("The follow-up visit is already recorded.")
        if data["followed_up_on"] < agreement.signed_on or data["followed_up_on"] > local_today():
            return _("The visit must fall between the agreement and today.")
        agreement.followed_up_on, agreement.holds = data["followed_up_on"], data["holds"]
        agreement.follow_up_notes = data["notes"]
        db.session.execute(db.delete(Reminder).where(Reminder.case_id == case.id,
                                                     Reminder.kind == "follow_up"))
        holds = _("the agreement holds") if data["holds"] else _("the agreement does not hold")
        _event(case, "follow_up", holds + _(": ") + data["notes"])
        flash(_("The follow-up visit is recorded."), "success")
        return None

    return _act(case_id, FollowUpForm, visit)


@bp.post("/cases/<int:case_id>/reopen")
@require(RECORD)
def reopen(case_id: int):
    """The follow-up found the agreement not kept: the case is mediated again, at a level
    the user picks; the agreement stays on record, marked as not kept."""
    def again(case, data):
        ladder = Ladder(settings(KEY))
        agreements = _agreements(case)
        agreement = agreements[-1] if agreements else None
        refusal = ladder.refuse_reopening(case, agreement, data["level"], current_role())
        if refusal:
            return refusal
        case.status, case.outcome, case.closed_on = OPEN, None, None
        case.level, case.level_since = data["level"], local_today()
        _event(case, "reopened", _(
            "At %(level)s; the agreement of %(day)s is not kept: %(reason)s",
            level=ladder.name(case.level), day=agreement.signed_on.isoformat(),
            reason=data["reason"]))
        flash(_("The case is mediated again at %(level)s.", level=ladder.name(case.level)),
              "success")
        return None

    return _act(case_id, ReopenForm, again)


@bp.post("/cases/<int:case_id>/parties")
@require(RECORD)
def party_add(case_id: int):
    def add(case, data):
        db.session.add(Party(case_id=case.id, **data))
        _event(case, "party", label("party_kind", data["kind"]))
        return None

    return _act(case_id, PartyForm, add)


@bp.post("/cases/<int:case_id>/reveal")
@require(VIEW)
def parties_reveal(case_id: int):
    """The parties' names, phones and ID numbers, for the officer in charge or a role that
    may reveal; audited."""
    case = get_or_404(Case, case_id)
    reveal("mediation_case", case.id, PARTY_FIELDS, assignee_id=case.officer_id)
    db.session.commit()
    return _page(case, revealed=True)


@bp.post("/cases/<int:case_id>/agreement", defaults={"agreement_id": None})
@bp.post("/cases/<int:case_id>/agreement/<int:agreement_id>")
@require(VIEW)
def agreement_print(case_id: int, agreement_id: int | None):
    """The agreement (调解协议书) as a print-ready page, in Chinese whatever the UI language:
    it is the document the parties sign. The newest at the case's URL, an earlier one (not
    kept) at its own. It carries the parties' personal data: printing is a reveal, so it is
    a POST from the case page's form (with its CSRF token, opening a tab to print from); a
    GET (a link, an image, a prefetch, from any site) is refused (405) and reveals nothing."""
    case = get_or_404(Case, case_id)
    agreements = _agreements(case)
    if agreement_id is not None:
        agreements = [a for a in agreements if a.id == agreement_id]
    if not agreements:
        abort(404)
    agreement = agreements[-1]
    reveal("mediation_agreement", agreement.id, PARTY_FIELDS, assignee_id=case.officer_id,
           **{"for": "print"})
    db.session.commit()
    level = agreement.level or case.level  # rows from before levels were kept
    attempts = [a for a in case.attempts if a.level == level and a.held_on <= agreement.signed_on]
    return render_template(
        "mediation/agreement_print.html", case=case, agreement=agreement, level=level,
        mediator=attempts[-1].mediator if attempts else "", ladder=Ladder(settings(KEY)),
    )


def object_url(object_type: str, object_id: int) -> str | None:
    if object_type == "case":
        return url_for("plugin_mediation.case", case_id=object_id)
    return None


HOME_CARD_REMINDERS = 8  # the oldest shown on the home page; the total and a link say the rest


def home_card():
    reminders = db.session.execute(
        select(Reminder, Case.title).join(Case, (Case.id == Reminder.case_id)
                                          & (Case.tenant_id == Reminder.tenant_id))
        .order_by(Reminder.since, Reminder.id).limit(HOME_CARD_REMINDERS)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(Reminder))
    return render_template("mediation/_home_card.html", reminders=reminders, total=total,
                           label=label)
