"""The station's ground pages: its villages in its own order with their grids, key places
and community forces, kept by the station admin (on a phone too) and read by everyone in
the station. Renaming a village keeps its old name; a village anything stands on is
retired, never deleted. The coverage page is in :mod:`app.ground.coverage`."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from app.access import can, require
from app.extensions import db
from app.forms import choices, load
from app.ground import coverage  # noqa: F401 - its page joins the blueprint
from app.ground.blueprint import bp
from app.ground.models import (
    FORCE_KINDS,
    GRID_WORKER,
    PLACE_KINDS,
    VILLAGE_KINDS,
    Force,
    Grid,
    KeyPlace,
    Village,
    VillageName,
)
from app.ground.profile import profile
from app.ground.records import references, story
from app.ground.registry import force_choices, grid_choices, village_choices, village_order
from app.ground.schemas import (
    ForceForm,
    GridForm,
    GridWorkerForm,
    PlaceForm,
    VillageForm,
)
from app.paging import paginate
from app.permissions import STATION_GROUND, STATION_PII, STATION_VIEW
from app.reveal import reveal
from app.users import station_members, user_names
from tenants.web import scoped_or_404

OFFICER_ROLES = ("station_admin", "officer")  # who may be a village's or place's officer
AUXILIARY_ROLES = ("auxiliary",)


@bp.context_processor
def _words():
    return {"village_kinds": VILLAGE_KINDS, "place_kinds": PLACE_KINDS,
            "force_kinds": FORCE_KINDS, "choices": choices}


def _status(errors) -> int:
    return 400 if errors else 200


def _checked(form) -> dict:
    """A posted form with its "in use" / "active" box read as ticked or not."""
    return {**form.to_dict(), "active": "active" in form}


# -- the station's people, for the pickers -------------------------------------------------

def _offered(people: list[tuple[int, str]], keep: int | None) -> list[tuple[int, str]]:
    """The people a picker offers, and the record's own who is no longer among them."""
    if keep is None or keep in {uid for uid, _n in people}:
        return people
    name = user_names([keep]).get(keep, "")
    return [*people, (keep, _("%(name)s (no longer with the station)", name=name))]


# -- overview ------------------------------------------------------------------------------

def _grid_counts() -> dict[int, int]:
    return dict(db.session.execute(
        select(Grid.village_id, func.count()).where(Grid.active.is_(True))
        .group_by(Grid.village_id)).all())


def _ordered_villages() -> list[Village]:
    """The villages in use in the station's order, then the retired ones."""
    return list(db.session.scalars(
        select(Village).order_by(Village.active.desc(), *village_order())))


@bp.get("/")
@require(STATION_VIEW)
def index():
    villages = _ordered_villages()
    return render_template(
        "ground/index.html", profile=profile(g.station.id), villages=villages,
        grid_counts=_grid_counts(),
        people=user_names([v.officer_id for v in villages] + [v.auxiliary_id for v in villages]),
        gaps=coverage.compute().total,
    )


# -- villages ------------------------------------------------------------------------------

def _village_people(village: Village | None = None) -> dict:
    return {"officer_id": _offered(station_members(g.station.id, OFFICER_ROLES),
                                   village and village.officer_id),
            "auxiliary_id": _offered(station_members(g.station.id, AUXILIARY_ROLES),
                                     village and village.auxiliary_id)}


def _village_form_page(village, errors, form, people):
    return render_template("ground/village_form.html", village=village, errors=errors,
                           form=form, people=people), _status(errors)


def _name_taken(model, name: str, *where, exclude: int | None = None) -> bool:
    query = select(model.id).where(model.name == name, *where)
    if exclude is not None:
        query = query.where(model.id != exclude)
    return db.session.scalar(query.limit(1)) is not None


def _village_taken() -> dict:
    return {"name": _("The station already has a village or community of this name.")}


@bp.route("/villages/new", methods=["GET", "POST"])
@require(STATION_GROUND)
def village_new():
    people = _village_people()
    errors, form = {}, request.form
    if request.method == "POST":
        data, errors = load(VillageForm(people=people), form)
        if data and _name_taken(Village, data["name"]):
            errors = _village_taken()
        elif data:
            last = db.session.scalar(select(func.max(Village.position)))
            village = Village(**data, position=(last if last is not None else -1) + 1)
            db.session.add(village)
            try:
                db.session.commit()
            except IntegrityError:  # added meanwhile by someone else
                db.session.rollback()
                errors = _village_taken()
            else:
                flash(_("%(name)s is added to the station's ground.", name=village.name),
                      "success")
                return redirect(url_for(".village", village_id=village.id))
    else:
        form = {"kind": "village"}
    return _village_form_page(None, errors, form, people)


@bp.get("/villages/<int:village_id>")
@require(STATION_VIEW)
def village(village_id: int):
    village = scoped_or_404(Village, village_id)
    return _village_page(village)


def _village_page(village: Village, errors=None, form=None, status=None):
    grids = list(village.grids)
    workers = db.session.scalars(
        select(Force).where(Force.grid_id.in_([gr.id for gr in grids]))
        .order_by(Force.active.desc(), Force.name)).all() if grids else []
    by_grid: dict[int, list[Force]] = {}
    for worker in workers:
        by_grid.setdefault(worker.grid_id, []).append(worker)
    places = db.session.scalars(select(KeyPlace).where(KeyPlace.village_id == village.id)
                                .order_by(KeyPlace.active.desc(), KeyPlace.name)).all()
    forces = db.session.scalars(
        select(Force).where(Force.village_id == village.id, Force.grid_id.is_(None))
        .order_by(Force.active.desc(), Force.kind, Force.name)).all()
    return render_template(
        "ground/village.html", village=village, grids=grids, workers=by_grid,
        places=places, forces=forces, stories=story(village.id),
        people=user_names([village.officer_id, village.auxiliary_id]
                     + [p.officer_id for p in places]),
        grid_workers=force_choices(GRID_WORKER) if can(STATION_GROUND) else [],
        errors=errors or {}, form=form or {},
    ), status or _status(errors)


@bp.route("/villages/<int:village_id>/edit", methods=["GET", "POST"])
@require(STATION_GROUND)
def village_edit(village_id: int):
    village = scoped_or_404(Village, village_id)
    people = _village_people(village)
    errors, form = {}, request.form
    if request.method == "POST":
        form = _checked(request.form)
        data, errors = load(VillageForm(people=people, keep={
            "officer_id": village.officer_id, "auxiliary_id": village.auxiliary_id}), form)
        if data and _name_taken(Village, data["name"], exclude=village.id):
            errors = _village_taken()
        elif data:
            if data["name"] != village.name:
                # Old papers still say the old name: it stays findable.
                db.session.add(VillageName(village_id=village.id, name=village.name))
            for name, value in data.items():
                setattr(village, name, value)
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                errors = _village_taken()
            else:
                flash(_("%(name)s is saved.", name=village.name), "success")
                return redirect(url_for(".village", village_id=village.id))
    else:
        form = {c: getattr(village, c) for c in VillageForm().fields}
        form = {k: "" if v is None else v for k, v in form.items()}
    return _village_form_page(village, errors, form, people)


def _stands_on(village: Village) -> bool:
    """Whether any record, grid, key place or force stands in the village."""
    for model in (Grid, KeyPlace, Force):
        if db.session.scalar(select(model.id).where(model.village_id == village.id).limit(1)):
            return True
    return references(village.id) > 0


@bp.post("/villages/<int:village_id>/delete")
@require(STATION_GROUND)
def village_delete(village_id: int):
    village = scoped_or_404(Village, village_id)
    refused = _("Records stand on %(name)s: it cannot be deleted. Retire it instead "
                "(untick “In use”).", name=village.name)
    if _stands_on(village):
        flash(refused, "danger")
        return redirect(url_for(".village", village_id=village.id))
    name = village.name
    try:
        # Its former names only ever told the village apart: they go with it.
        # One by one, through the ORM, so that each is audited.
        for former in db.session.scalars(
                select(VillageName).where(VillageName.village_id == village.id)):
            db.session.delete(former)
        db.session.flush()
        db.session.delete(village)
        db.session.commit()
    except IntegrityError:  # a record no module declared stands on it
        db.session.rollback()
        flash(refused, "danger")
        return redirect(url_for(".village", village_id=village_id))
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect(url_for(".index"))


@bp.post("/villages/<int:village_id>/move")
@require(STATION_GROUND)
def village_move(village_id: int):
    """One place up or down the station's order (its route through the villages)."""
    village = scoped_or_404(Village, village_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction"))
    if step is None:
        abort(400)
    ordered = _ordered_villages()
    in_use = [v for v in ordered if v.active]
    if village in in_use:
        here = in_use.index(village)
        there = here + step
        if 0 <= there < len(in_use):
            in_use[here], in_use[there] = in_use[there], in_use[here]
    # Numbered afresh in the order shown: only the rows whose number changes are written.
    for position, v in enumerate(in_use + [v for v in ordered if not v.active]):
        if v.position != position:
            v.position = position
    db.session.commit()
    return redirect(url_for(".index") + f"#village-{village.id}")


# -- grids ---------------------------------------------------------------------------------

def _grid_taken() -> dict:
    return {"name": _("The village already has a grid of this name.")}


@bp.post("/villages/<int:village_id>/grids")
@require(STATION_GROUND)
def grid_new(village_id: int):
    village = scoped_or_404(Village, village_id)
    if not village.active:  # its page offers no grid form: only a stale tab gets here
        flash(_("This village is no longer in use: put it back in use first."), "danger")
        return redirect(url_for(".village", village_id=village.id))
    data, errors = load(GridForm(), request.form)
    if data and _name_taken(Grid, data["name"], Grid.village_id == village.id):
        data, errors = None, _grid_taken()
    if data:
        grid = Grid(village_id=village.id, **data)
        db.session.add(grid)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            errors = _grid_taken()
        else:
            flash(_("%(name)s is added. Now put its grid worker on it.", name=grid.name),
                  "success")
            return redirect(url_for(".village", village_id=village.id) + f"#grid-{grid.id}")
    return _village_page(village, errors, request.form)  # the add-a-grid form's


@bp.route("/grids/<int:grid_id>/edit", methods=["GET", "POST"])
@require(STATION_GROUND)
def grid_edit(grid_id: int):
    grid = scoped_or_404(Grid, grid_id)
    errors, form = {}, request.form
    if request.method == "POST":
        form = _checked(request.form)
        data, errors = load(GridForm(), form)
        if data and _name_taken(Grid, data["name"], Grid.village_id == grid.village_id,
                                exclude=grid.id):
            errors = _grid_taken()
        elif data:
            for name, value in data.items():
                setattr(grid, name, value)
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                errors = _grid_taken()
            else:
                flash(_("%(name)s is saved.", name=grid.name), "success")
                return redirect(url_for(".village", village_id=grid.village_id)
                                + f"#grid-{grid.id}")
    else:
        form = {"name": grid.name, "note": grid.note or "", "active": grid.active}
    return render_template("ground/grid_form.html", grid=grid, errors=errors,
                           form=form), _status(errors)


@bp.post("/grids/<int:grid_id>/workers")
@require(STATION_GROUND)
def grid_worker(grid_id: int):
    """Put one of the station's grid workers on the grid (and so in its village)."""
    grid = scoped_or_404(Grid, grid_id)
    data, errors = load(GridWorkerForm(), request.form)
    if errors:
        return _village_page(grid.village, {f"worker_{grid.id}": errors["force_id"]})
    if not grid.active or not grid.village.active:
        return _village_page(grid.village, {f"worker_{grid.id}": _(
            "This grid is no longer in use: put it back in use first.")})
    force = scoped_or_404(Force, data["force_id"])
    before = force.grid if force.grid_id not in (None, grid.id) else None
    force.grid_id, force.village_id = grid.id, grid.village_id
    db.session.commit()
    if before is not None:  # a grid worker works one grid: the old one is uncovered now
        flash(_("%(name)s now works grid %(grid)s, no longer %(old)s.", name=force.name,
                grid=grid.name, old=f"{before.village.name} · {before.name}"), "warning")
    else:
        flash(_("%(name)s now works grid %(grid)s.", name=force.name, grid=grid.name),
              "success")
    return redirect(url_for(".village", village_id=grid.village_id) + f"#grid-{grid.id}")


# -- key places ----------------------------------------------------------------------------

@bp.get("/places")
@require(STATION_VIEW)
def places():
    kind = request.args.get("kind")
    query = (select(KeyPlace).join(KeyPlace.village).options(contains_eager(KeyPlace.village))
             .order_by(KeyPlace.active.desc(), *village_order(), KeyPlace.name))
    if kind in PLACE_KINDS:
        query = query.where(KeyPlace.kind == kind)
    page = paginate(query)
    return render_template("ground/places.html", places=page, page=page,
                           kind=kind if kind in PLACE_KINDS else "",
                           people=user_names(p.officer_id for p in page))


def _place_taken() -> dict:
    return {"name": _("The station already has a key place of this name.")}


def _place_form(place: KeyPlace | None):
    errors, form = {}, request.form
    people = {"officer_id": _offered(station_members(g.station.id, OFFICER_ROLES),
                                     place and place.officer_id)}
    if request.method == "POST":
        form = _checked(request.form) if place else request.form
        keep = {"village_id": place.village_id, "officer_id": place.officer_id} if place else {}
        data, errors = load(PlaceForm(people=people, keep=keep), form)
        if data and _name_taken(KeyPlace, data["name"], exclude=place and place.id):
            errors = _place_taken()
        elif data:
            place = place or KeyPlace()
            for name, value in data.items():
                setattr(place, name, value)
            db.session.add(place)
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                errors = _place_taken()
            else:
                flash(_("%(name)s is saved.", name=place.name), "success")
                return redirect(url_for(".places"))
    elif place:
        form = {"kind": place.kind, "name": place.name, "village_id": place.village_id,
                "officer_id": place.officer_id or "", "note": place.note or "",
                "active": place.active}
    else:
        form = {"village_id": request.args.get("village_id", "")}
    return render_template(
        "ground/place_form.html", place=place, errors=errors, form=form, people=people,
        villages=village_choices(keep=place and place.village_id),
    ), _status(errors)


@bp.route("/places/new", methods=["GET", "POST"])
@require(STATION_GROUND)
def place_new():
    return _place_form(None)


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@require(STATION_GROUND)
def place_edit(place_id: int):
    return _place_form(scoped_or_404(KeyPlace, place_id))


# -- community forces ----------------------------------------------------------------------

def _int_arg(name: str) -> int | None:
    text = request.args.get(name, "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _force_filter() -> dict:
    kind = request.args.get("kind")
    return {"kind": kind if kind in FORCE_KINDS else "", "village_id": _int_arg("village_id")}


def _kind_order():
    # The kinds as the list of kinds names them (grid workers first), not by their keys.
    return case({kind: n for n, kind in enumerate(FORCE_KINDS)}, value=Force.kind, else_=99)


def _force_page():
    """The page of forces the list's filters and page number ask for."""
    chosen = _force_filter()
    query = (select(Force).options(selectinload(Force.village), selectinload(Force.grid))
             .order_by(Force.active.desc(), _kind_order(), Force.name, Force.id))
    if chosen["kind"]:
        query = query.where(Force.kind == chosen["kind"])
    if chosen["village_id"]:
        query = query.where(Force.village_id == chosen["village_id"])
    return chosen, paginate(query, endpoint=".forces")


def _forces_page(chosen, page, revealed=False):
    return render_template(
        "ground/forces.html", forces=page, page=page, chosen=chosen, revealed=revealed,
        villages=village_choices(), may_reveal=can(STATION_PII),
    )


@bp.get("/forces")
@require(STATION_VIEW)
def forces():
    return _forces_page(*_force_page())


@bp.post("/forces/reveal")
@require(STATION_PII)
def forces_reveal():
    """The phones of the page of forces shown (its filters and number in the form's URL),
    audited; the other pages stay masked."""
    chosen, page = _force_page()
    reveal("ground_force", None, ["phone"], ids=[f.id for f in page])
    db.session.commit()
    return _forces_page(chosen, page, revealed=True)


def _force_form(force: Force | None):
    errors, form = {}, request.form
    people = {"user_id": _offered(station_members(g.station.id), force and force.user_id)}
    keep = ({"village_id": force.village_id, "grid_id": force.grid_id,
             "user_id": force.user_id} if force else {})
    if request.method == "POST":
        form = _checked(request.form) if force else request.form
        data, errors = load(ForceForm(people=people, keep=keep), form)
        if data and force and data["phone"] is None and "clear_phone" not in form:
            # The form never shows a stored phone (that would be a reveal): left blank,
            # the number stays as it is.
            data["phone"] = force.phone
        if data:
            force = force or Force()
            for name, value in data.items():
                setattr(force, name, value)
            db.session.add(force)
            db.session.commit()
            flash(_("%(name)s is saved.", name=force.name), "success")
            if force.grid_id:
                return redirect(url_for(".village", village_id=force.village_id)
                                + f"#grid-{force.grid_id}")
            return redirect(url_for(".forces", kind=force.kind))
    elif force:
        form = {"name": force.name, "kind": force.kind,
                "village_id": force.village_id or "", "grid_id": force.grid_id or "",
                "user_id": force.user_id or "", "team": force.team or "",
                "note": force.note or "", "active": force.active}
    else:
        # Opened from a grid ("add its grid worker") or a filtered list.
        grid = _int_arg("grid_id")
        form = {"kind": request.args.get("kind", ""), "grid_id": grid or "",
                "village_id": _int_arg("village_id") or ""}
    return render_template(
        "ground/force_form.html", force=force, errors=errors, form=form, people=people,
        villages=village_choices(keep=keep.get("village_id")),
        grids=grid_choices(keep=keep.get("grid_id")),
    ), _status(errors)


@bp.route("/forces/new", methods=["GET", "POST"])
@require(STATION_GROUND)
def force_new():
    return _force_form(None)


@bp.route("/forces/<int:force_id>/edit", methods=["GET", "POST"])
@require(STATION_GROUND)
def force_edit(force_id: int):
    return _force_form(scoped_or_404(Force, force_id))
