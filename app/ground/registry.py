"""What a module reads of the station's ground: its villages, grids and community forces,
as lists, as choices for a form's select, and as composite foreign keys."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.ground.models import Force, Grid, KeyPlace, Village
from tenants.scoping import tenant_foreign_key


def village_foreign_key(column: str = "village_id", **kwargs):
    """A composite foreign key from a module's table to a village of the same station."""
    return tenant_foreign_key(column, Village.__tablename__, **kwargs)


def grid_foreign_key(column: str = "grid_id", **kwargs):
    """A composite foreign key from a module's table to a grid of the same station."""
    return tenant_foreign_key(column, Grid.__tablename__, **kwargs)


def force_foreign_key(column: str = "force_id", **kwargs):
    """A composite foreign key from a module's table to a community force of the station."""
    return tenant_foreign_key(column, Force.__tablename__, **kwargs)


def place_foreign_key(column: str = "place_id", **kwargs):
    """A composite foreign key from a module's table to a key place of the station."""
    return tenant_foreign_key(column, KeyPlace.__tablename__, **kwargs)


def village_order():
    """The station's order of its villages (its route sheets follow it)."""
    return (Village.position, Village.name, Village.id)


def villages(*, active: bool | None = True) -> list[Village]:
    """The current station's villages in its order (``active=None``: retired ones too)."""
    query = select(Village).order_by(*village_order())
    if active is not None:
        query = query.where(Village.active.is_(active))
    return list(db.session.scalars(query))


def grids(village_id: int | None = None, *, active: bool | None = True) -> list[Grid]:
    """The current station's grids (of one village), by village order then name."""
    # The join loads each grid's village too: labels name it without a query per grid.
    query = (select(Grid).join(Grid.village).options(contains_eager(Grid.village))
             .order_by(*village_order(), Grid.name))
    if village_id is not None:
        query = query.where(Grid.village_id == village_id)
    if active is not None:
        query = query.where(Grid.active.is_(active))
    return list(db.session.scalars(query))


def forces(kind: str | tuple[str, ...] | None = None, *, active: bool | None = True,
           village_id: int | None = None) -> list[Force]:
    """The current station's community forces (of one kind or several), by name."""
    query = select(Force).order_by(Force.name, Force.id)
    if kind is not None:
        query = query.where(Force.kind.in_((kind,) if isinstance(kind, str) else kind))
    if active is not None:
        query = query.where(Force.active.is_(active))
    if village_id is not None:
        query = query.where(Force.village_id == village_id)
    return list(db.session.scalars(query))


def places(kind: str | None = None, *, active: bool | None = True) -> list[KeyPlace]:
    """The current station's key places (of one kind), by name."""
    query = select(KeyPlace).order_by(KeyPlace.name)
    if kind is not None:
        query = query.where(KeyPlace.kind == kind)
    if active is not None:
        query = query.where(KeyPlace.active.is_(active))
    return list(db.session.scalars(query))


def village_names(ids) -> dict[int, str]:
    """Names of villages by id (one query), for lists that show where records stand."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Village.id, Village.name).where(Village.id.in_(ids))).all())


def force_names(ids) -> dict[int, str]:
    """Names of community forces by id (one query)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Force.id, Force.name).where(Force.id.in_(ids))).all())


def _retired(label: str) -> str:
    return _("%(name)s (no longer in use)", name=label)


def village_choices(keep: int | None = None) -> list[tuple[int, str]]:
    """``(id, name)`` of the villages a form offers: those in use, in the station's order,
    plus ``keep`` (the record's own, even when retired)."""
    rows = [v for v in villages(active=None) if v.active or v.id == keep]
    return [(v.id, v.name if v.active else _retired(v.name)) for v in rows]


def grid_choices(keep: int | None = None) -> list[tuple[int, str]]:
    """``(id, "village · grid")`` of the grids a form offers (and ``keep``)."""
    rows = [g for g in grids(active=None) if (g.active and g.village.active) or g.id == keep]
    return [(g.id, f"{g.village.name} · {g.name}" if g.active
             else _retired(f"{g.village.name} · {g.name}")) for g in rows]


def force_choices(kind: str | tuple[str, ...] | None = None,
                  keep: int | None = None) -> list[tuple[int, str]]:
    """``(id, "name (village · grid)")`` of the active forces of ``kind`` a form offers (and
    ``keep``, the record's own even after they left)."""
    rows = forces(kind, active=None)
    names = village_names(f.village_id for f in rows)
    grid_names = dict(db.session.execute(select(Grid.id, Grid.name).where(
        Grid.id.in_({f.grid_id for f in rows if f.grid_id}))).all()) if any(
        f.grid_id for f in rows) else {}
    out = []
    for f in rows:
        if not (f.active or f.id == keep):
            continue
        # Where they work, so a picker shows who already covers a grid, and which.
        where = " · ".join(n for n in (names.get(f.village_id), grid_names.get(f.grid_id)) if n)
        label = f"{f.name} ({where})" if where else f.name
        out.append((f.id, label if f.active else _retired(label)))
    return out
