"""A station's size, the denominators the county compares stations by: the people its
villages hold, its officers and auxiliaries, its villages and grids."""

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.ground.models import Force, Grid, Village
from app.users import Membership, User


@dataclass(frozen=True)
class Profile:
    population: int = 0  # resident (else registered) population of the villages in use
    households: int = 0
    villages: int = 0
    grids: int = 0
    officers: int = 0  # active members with the role (station admins count as officers)
    auxiliaries: int = 0
    forces: int = 0  # active community forces
    villages_without_population: int = 0  # the sum is only as good as these are few


def profiles(station_ids) -> dict[int, Profile]:
    """The profiles of ``station_ids`` (all within the current context), in four queries
    whatever their number."""
    ids = list(station_ids)
    if not ids:
        return {}
    population = func.coalesce(Village.resident_population, Village.registered_population)
    found: dict[int, dict] = {i: {} for i in ids}
    for tenant_id, people, households, villages, missing in db.session.execute(
            select(Village.tenant_id, func.coalesce(func.sum(population), 0),
                   func.coalesce(func.sum(Village.households), 0), func.count(),
                   func.count() - func.count(population))
            .where(Village.tenant_id.in_(ids), Village.active.is_(True))
            .group_by(Village.tenant_id)):
        found[tenant_id].update(population=int(people), households=int(households),
                                villages=villages, villages_without_population=missing)
    for tenant_id, grids in db.session.execute(
            select(Grid.tenant_id, func.count())
            .join(Village, (Village.id == Grid.village_id)
                  & (Village.tenant_id == Grid.tenant_id))
            .where(Grid.tenant_id.in_(ids), Grid.active.is_(True), Village.active.is_(True))
            .group_by(Grid.tenant_id)):
        found[tenant_id]["grids"] = grids
    for tenant_id, forces in db.session.execute(
            select(Force.tenant_id, func.count())
            .where(Force.tenant_id.in_(ids), Force.active.is_(True))
            .group_by(Force.tenant_id)):
        found[tenant_id]["forces"] = forces
    for station_id, role, members in db.session.execute(
            select(Membership.station_id, Membership.role, func.count())
            .join(User, User.id == Membership.user_id)
            .where(Membership.station_id.in_(ids), Membership.active.is_(True),
                   User.active.is_(True))
            .group_by(Membership.station_id, Membership.role)):
        if role == "auxiliary":
            found[station_id]["auxiliaries"] = members
        else:
            found[station_id]["officers"] = found[station_id].get("officers", 0) + members
    return {i: Profile(**values) for i, values in found.items()}


def profile(station_id: int) -> Profile:
    """One station's profile (see :func:`profiles`)."""
    return profiles([station_id])[station_id]
