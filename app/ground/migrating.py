"""What a module's data migration uses to move its own idea of a place or a person onto the
station's ground: free-text villages become the registry's villages, a module's own people
become community forces. Run inside an Alembic migration, on every station's rows (even
for an owner that cannot bypass row security)."""

from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

from tenants.row_security import every_station

_village = sa.table(
    "ground_village", sa.column("id"), sa.column("tenant_id"), sa.column("name"),
    sa.column("kind"), sa.column("position"), sa.column("active"), sa.column("created_at"))
_former = sa.table("ground_village_name", sa.column("tenant_id"), sa.column("village_id"),
                   sa.column("name"))
_force = sa.table(
    "ground_force", sa.column("id"), sa.column("tenant_id"), sa.column("name"),
    sa.column("phone"), sa.column("kind"), sa.column("village_id"), sa.column("team"),
    sa.column("note"), sa.column("active"), sa.column("created_at"))
_GROUND = ("ground_village", "ground_village_name", "ground_force")


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def _bind():
    from alembic import op

    return op.get_bind()


def clean_name(value) -> str:
    """A typed name as the registry keeps it: white space trimmed and single."""
    return " ".join(str(value or "").split())


def _village_for(bind, tenant_id: int, name: str, *, active: bool = True) -> int:
    found = bind.scalar(sa.select(_village.c.id).where(
        _village.c.tenant_id == tenant_id, _village.c.name == name))
    if found is None:
        found = bind.scalar(sa.select(_former.c.village_id).where(
            _former.c.tenant_id == tenant_id, _former.c.name == name).limit(1))
    if found is not None:
        return found
    position = bind.scalar(sa.select(sa.func.coalesce(sa.func.max(_village.c.position), 0))
                           .where(_village.c.tenant_id == tenant_id))
    return bind.scalar(sa.insert(_village).values(
        tenant_id=tenant_id, name=name, position=position + 1, active=active,
        kind="community" if name.endswith("社区") else "village", created_at=_now(),
    ).returning(_village.c.id))


def villages_from_text(table: str, text_column: str = "village",
                       id_column: str = "village_id", *, blank_to: str | None = None) -> int:
    """Point each row of ``table`` at its station's village named by its free text
    ``text_column`` (now or formerly; ``id_column`` must exist already), adding the
    villages the ground lacks after the others. Rows without text keep NULL, or, with
    ``blank_to``, go to a retired village of that name (nothing is lost, nothing new goes
    there). Returns how many rows were pointed."""
    bind = _bind()
    rows = sa.table(table, sa.column("id"), sa.column("tenant_id"), sa.column(text_column),
                    sa.column(id_column))
    moved = 0
    with every_station(table, *_GROUND):
        found = bind.execute(sa.select(rows.c.id, rows.c.tenant_id, rows.c[text_column])
                             .order_by(rows.c.id)).all()
        cache: dict[tuple[int, str], int] = {}
        for row_id, tenant_id, value in found:
            name, active = clean_name(value), True
            if not name:
                if blank_to is None:
                    continue
                name, active = blank_to, False
            key = (tenant_id, name)
            if key not in cache:
                cache[key] = _village_for(bind, tenant_id, name, active=active)
            bind.execute(sa.update(rows).where(rows.c.id == row_id)
                         .values({id_column: cache[key]}))
            moved += 1
    return moved


def text_from_villages(table: str, text_column: str = "village",
                       id_column: str = "village_id") -> None:
    """The reverse of :func:`villages_from_text`, for a downgrade: each row's text
    (``text_column`` must exist again) is its village's name as it reads now."""
    from alembic import op

    # Names here are the calling migration's own constants, never input.
    with every_station(table, "ground_village"):
        op.execute(
            f'UPDATE "{table}" SET "{text_column}" = (SELECT v.name FROM ground_village v '  # noqa: S608
            f'WHERE v.id = "{table}"."{id_column}" AND v.tenant_id = "{table}".tenant_id)')


def villages_first(tenant_id: int, names) -> None:
    """Make ``names`` villages of the station (in use, added when missing) and put them
    first in its order, as listed; its other villages follow in the order they had."""
    bind = _bind()
    with every_station(*_GROUND):
        first = list(dict.fromkeys(
            _village_for(bind, tenant_id, n) for n in map(clean_name, names) if n))
        others = [i for (i,) in bind.execute(
            sa.select(_village.c.id).where(_village.c.tenant_id == tenant_id)
            .order_by(_village.c.position, _village.c.name, _village.c.id)) if i not in first]
        for position, village_id in enumerate(first + others):
            bind.execute(sa.update(_village).where(_village.c.id == village_id)
                         .values(position=position))


def add_force(tenant_id: int, *, name: str, kind: str, phone: str | None = None,
              team: str | None = None, note: str | None = None, active: bool = True,
              created_at: datetime | None = None, village_id: int | None = None) -> int:
    """Add one community force to ``tenant_id``'s ground; returns its id."""
    bind = _bind()
    with every_station("ground_force"):
        return bind.scalar(sa.insert(_force).values(
            tenant_id=tenant_id, name=name, phone=phone, kind=kind, team=team, note=note,
            active=active, created_at=created_at or _now(), village_id=village_id,
        ).returning(_force.c.id))


@contextmanager
def rebuilt_keeping_rows(table: str):
    """Around a batch alteration of ``table`` that other tables' rows reference: SQLite
    rebuilds a table to change it, and dropping the old copy fails while foreign keys
    point at it (they are on, and cannot be switched off inside a transaction). So on
    SQLite the rows step aside meanwhile, the check deferred to the commit, and come back
    into the new table. Elsewhere it does nothing."""
    from alembic import op

    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    # Table names here are the calling migration's own constants, never input.
    aside = f"_{table}_rows"
    # The pragma lasts for the transaction: a statement that changes nothing opens it.
    op.execute(f'UPDATE "{table}" SET id = id WHERE 1 = 0')  # noqa: S608
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute(f'CREATE TABLE "{aside}" AS SELECT * FROM "{table}"')  # noqa: S608
    op.execute(f'DELETE FROM "{table}"')  # noqa: S608
    yield
    held = {c["name"] for c in sa.inspect(bind).get_columns(aside)}
    names = ", ".join(f'"{c["name"]}"' for c in sa.inspect(bind).get_columns(table)
                      if c["name"] in held)
    op.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{aside}"')  # noqa: S608
    op.execute(f'DROP TABLE "{aside}"')
