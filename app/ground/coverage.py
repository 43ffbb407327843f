"""Who covers the station's ground, and the gaps (警网融合, 一村一辅警): villages without a
responsible officer or an auxiliary, grids without an active grid worker, key places
without an officer, and people still assigned who have left the station.

Read in four queries whatever the ground's size (the villages, the key places, the grids
with their workers counted, the people assigned), so the page stays fast for a station of
forty villages and hundreds of grids and forces.
"""

from dataclasses import dataclass, field

from flask import g, render_template
from sqlalchemy import and_, case, func, select

from app.access import require
from app.extensions import db
from app.ground.blueprint import bp
from app.ground.models import GRID_WORKER, Force, Grid, KeyPlace, Village
from app.ground.registry import village_order
from app.permissions import STATION_VIEW
from app.users import Membership, User


@dataclass(frozen=True)
class UncoveredGrid:
    id: int
    name: str
    village_id: int
    village: str
    left: int  # its grid workers who have left: it was covered once


@dataclass(frozen=True)
class Left:
    """Someone assigned to a village or key place who is no longer with the station."""

    what: str  # "officer", "auxiliary" (of a village) or "place" (its officer)
    object_id: int
    object_name: str
    person: str


@dataclass
class Coverage:
    villages: int = 0
    grids: int = 0
    places: int = 0
    no_officer: list = field(default_factory=list)  # [(village id, name)]
    no_auxiliary: list = field(default_factory=list)
    uncovered_grids: list[UncoveredGrid] = field(default_factory=list)
    places_without_officer: list = field(default_factory=list)  # [(id, name, kind, village)]
    left: list[Left] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (len(self.no_officer) + len(self.no_auxiliary) + len(self.uncovered_grids)
                + len(self.places_without_officer) + len(self.left))


def compute() -> Coverage:
    """The current station's coverage of its ground in use."""
    found = Coverage()
    villages = db.session.execute(
        select(Village.id, Village.name, Village.officer_id, Village.auxiliary_id)
        .where(Village.active.is_(True)).order_by(*village_order())).all()
    places = db.session.execute(
        select(KeyPlace.id, KeyPlace.name, KeyPlace.kind, KeyPlace.officer_id, Village.name)
        .join(Village, and_(Village.id == KeyPlace.village_id,
                            Village.tenant_id == KeyPlace.tenant_id))
        .where(KeyPlace.active.is_(True), Village.active.is_(True))
        .order_by(*village_order(), KeyPlace.name)).all()
    worker = and_(Force.grid_id == Grid.id, Force.tenant_id == Grid.tenant_id,
                  Force.kind == GRID_WORKER)
    active = func.coalesce(func.sum(case((Force.active.is_(True), 1), else_=0)), 0)
    grids = db.session.execute(
        select(Grid.id, Grid.name, Village.id, Village.name, active,
               func.count(Force.id) - active)
        .join(Village, and_(Village.id == Grid.village_id, Village.tenant_id == Grid.tenant_id))
        .outerjoin(Force, worker)
        .where(Grid.active.is_(True), Village.active.is_(True))
        .group_by(Grid.id, Grid.name, Village.id, Village.name, Village.position)
        .order_by(*village_order(), Grid.name)).all()
    assigned = ({v.officer_id for v in villages} | {v.auxiliary_id for v in villages}
                | {p.officer_id for p in places}) - {None}
    # Who is still with the station: an active account with an active membership here.
    present, people = set(), {}
    if assigned:
        for uid, name, account_active, here in db.session.execute(
                select(User.id, User.full_name, User.active, Membership.id)
                .outerjoin(Membership, and_(Membership.user_id == User.id,
                                            Membership.station_id == g.station.id,
                                            Membership.active.is_(True)))
                .where(User.id.in_(assigned))):
            people[uid] = name
            if account_active and here is not None:
                present.add(uid)

    found.villages, found.grids, found.places = len(villages), len(grids), len(places)
    for v in villages:
        for what, uid, missing in (("officer", v.officer_id, found.no_officer),
                                   ("auxiliary", v.auxiliary_id, found.no_auxiliary)):
            if uid is None:
                missing.append((v.id, v.name))
            elif uid not in present:
                found.left.append(Left(what, v.id, v.name, people.get(uid, "")))
    for p in places:
        if p.officer_id is None:
            found.places_without_officer.append((p.id, p.name, p.kind, p[4]))
        elif p.officer_id not in present:
            found.left.append(Left("place", p.id, p.name, people.get(p.officer_id, "")))
    for grid_id, name, village_id, village, working, gone in grids:
        if not working:
            found.uncovered_grids.append(UncoveredGrid(grid_id, name, village_id, village,
                                                       int(gone)))
    return found


@bp.get("/coverage")
@require(STATION_VIEW)
def coverage():
    return render_template("ground/coverage.html", coverage=compute())
