"""Fail-closed query scoping for station-owned rows.

Every model that belongs to a station inherits :class:`TenantScoped`. Inside a station
context each ORM SELECT, UPDATE and DELETE of such a model gets ``tenant_id = <station>``
added (``with_loader_criteria``); inside a county context, ``tenant_id IN <the county's
stations>``; with no context the statement raises. New rows take the context's station,
and no flush may move a row to, or write it into, a station outside the context.
"""

from contextlib import suppress
from functools import lru_cache

from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Table,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql.dml import Delete, Update
from sqlalchemy.sql.selectable import CompoundSelect, Select, TableClause
from sqlalchemy.sql.visitors import HasTraverseInternals

from tenants.context import TenantContextRequired, TenantScope, current_scope
from tenants.models import Station


class CrossTenantWrite(RuntimeError):
    """A flush tried to write a station-owned row outside the current tenant context."""


class TenantScoped:
    """Mixin for every station-owned model: ``id`` plus a NOT NULL ``tenant_id``.

    ``(tenant_id, id)`` is unique, so other station-owned rows can reference it with a
    composite foreign key (:func:`tenant_foreign_key`) and can never point into another
    station. The unique constraint also serves as the ``tenant_id`` index. A model that
    needs more table arguments lists them in ``__tenant_table_args__``.
    """

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("station.id", ondelete="RESTRICT"), nullable=False, sort_order=-1
        )

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("tenant_id", "id"), *getattr(cls, "__tenant_table_args__", ()))


def tenant_foreign_key(column: str, target_table: str, **kwargs) -> ForeignKeyConstraint:
    """A composite foreign key ``(tenant_id, column) -> target_table(tenant_id, id)``."""
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{target_table}.tenant_id", f"{target_table}.id"], **kwargs
    )


def _county_station_ids(county_id: int):
    return select(Station.id).where(Station.county_id == county_id).scalar_subquery()


_STATEMENTS = (Select, CompoundSelect, Update, Delete)

# What the walk found, by the statement's shape: its cache key, which SQLAlchemy builds
# from every element that shapes the SQL (tables, columns and the ORM entities behind
# them, sub-statements) and none of the values. Equal keys mean equal walks, and an app
# runs a few hundred shapes; the bound only keeps a runaway from growing it for ever.
_SHAPES: dict = {}
_MAX_SHAPES = 2000


def _scoped_tables(orm_state) -> tuple[tuple[Table, ...], frozenset[str]]:
    """The station-owned tables a statement reads or writes, and the names of those it
    names only through their models (:func:`_walk`, once per shape of statement)."""
    statement = orm_state.statement
    key = statement._generate_cache_key()
    if key is None:  # an element SQLAlchemy cannot key: walk it every time
        return _walk(statement)
    found = _SHAPES.get(key.key)
    if found is None:
        found = _walk(statement)
        if len(_SHAPES) >= _MAX_SHAPES:
            with suppress(KeyError, RuntimeError, StopIteration):  # another thread's
                del _SHAPES[next(iter(_SHAPES))]                      # the oldest
        _SHAPES[key.key] = found
    return found


def _station_owned_tables() -> dict[str, Table]:
    """Every station-owned table by name (the tables of the mixin's models)."""
    out, pending = {}, list(TenantScoped.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        table = getattr(cls, "__table__", None)
        if isinstance(table, Table):
            out[table.name] = table
    return out


def _walk(statement) -> tuple[tuple[Table, ...], frozenset[str]]:
    """One walk of ``statement``.

    ``with_loader_criteria`` filters the FROMs of mapped entities. A table named bare (its
    ``Table`` or a plain column) is safe only inside a statement, or sub-statement, that
    also names it through its model, since both then share the one filtered FROM; a bare
    table in a subquery or a UNION of its own would run unfiltered.
    """
    tables: dict[str, Table] = {}
    bare: set[str] = set()

    def walk(element, seen: dict[str, set[str]]) -> None:
        if isinstance(element, _STATEMENTS):
            seen = {"model": set(), "bare": set()}
            statements.append(seen)
        entity = getattr(element, "_annotations", {}).get("parententity")
        if entity is not None:
            table = entity.mapper.local_table
            if "tenant_id" in table.c:
                tables.setdefault(table.name, table)
                seen["model"].add(table.name)
            return  # inside an entity every column and table is its own
        table = element if isinstance(element, Table) else getattr(element, "table", None)
        if isinstance(element, Table | Column) and isinstance(table, Table) \
                and "tenant_id" in table.c:
            tables.setdefault(table.name, table)
            seen["bare"].add(table.name)
        elif isinstance(element, TableClause) and not isinstance(element, Table):
            # sqlalchemy.table("courtyard_concern", ...): a station-owned table by its name.
            owned = _station_owned_tables().get(element.name)
            if owned is not None:
                tables.setdefault(owned.name, owned)
                seen["bare"].add(owned.name)
        # The generic children: Select.get_children() would add the plain tables behind
        # every model column and blur the two.
        for child in HasTraverseInternals.get_children(element):
            walk(child, seen)

    statements: list[dict[str, set[str]]] = []
    walk(statement, {"model": set(), "bare": set()})
    for seen in statements:
        bare |= seen["bare"] - seen["model"]
    return tuple(tables.values()), frozenset(set(tables) - bare)


def _refuse_bare_tables(tables, mapped) -> None:
    # with_loader_criteria filters mapped entities only; a Table named directly (it carries
    # no ORM annotation) would slip through, so it is refused rather than run unfiltered.
    bare = {t.name for t in tables} - mapped
    if bare:
        raise TenantContextRequired(
            f"query names station-owned tables ({', '.join(sorted(bare))}) without their "
            "models; the tenant filter only applies to models"
        )


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(orm_state) -> None:
    if orm_state.is_column_load or not (
        orm_state.is_select or orm_state.is_update or orm_state.is_delete
    ):
        return
    tables, mapped = _scoped_tables(orm_state)
    if not tables:
        return
    _refuse_bare_tables(tables, mapped)
    scope = current_scope()
    if scope is None:
        names = ", ".join(sorted({t.name for t in tables}))
        raise TenantContextRequired(
            f"query of station-owned tables ({names}) outside a station or county context"
        )
    orm_state.statement = orm_state.statement.options(_criteria(scope))


@lru_cache(maxsize=1024)  # one per station and county a process serves
def _criteria(scope: TenantScope):
    """The tenant filter of ``scope``, made once: an option is immutable, and the station
    or county id in the lambda is a bound parameter of every statement it is added to."""
    if scope.is_station:
        station_id = scope.station_id
        return with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == station_id, include_aliases=True
        )
    county_id = scope.county_id
    return with_loader_criteria(
        TenantScoped,
        lambda cls: cls.tenant_id.in_(_county_station_ids(county_id)),
        include_aliases=True,
    )


@event.listens_for(Session, "before_flush")
def _check_writes(session: Session, flush_context, instances) -> None:
    scoped_new = [o for o in session.new if isinstance(o, TenantScoped)]
    scoped_changed = [o for o in (*session.dirty, *session.deleted) if isinstance(o, TenantScoped)]
    if not scoped_new and not scoped_changed:
        return
    scope = current_scope()
    if scope is None:
        raise TenantContextRequired("writing station-owned rows needs a station or county context")
    allowed = _allowed_station_ids(session, scope, scoped_new + scoped_changed)
    for obj in scoped_new:
        if obj.tenant_id is None:
            if not scope.is_station:
                raise CrossTenantWrite(
                    f"{type(obj).__name__}: a county context must name the row's station"
                )
            obj.tenant_id = scope.station_id
        if obj.tenant_id not in allowed:
            raise CrossTenantWrite(f"{type(obj).__name__}: station {obj.tenant_id} is out of scope")
    for obj in scoped_changed:
        history = _tenant_history(obj)
        if history.deleted and history.deleted != [obj.tenant_id]:
            raise CrossTenantWrite(f"{type(obj).__name__}: a row cannot move to another station")
        if obj.tenant_id not in allowed:
            raise CrossTenantWrite(f"{type(obj).__name__}: station {obj.tenant_id} is out of scope")


def _tenant_history(obj):
    return inspect(obj).attrs.tenant_id.history


def _allowed_station_ids(session: Session, scope, objs) -> set[int]:
    if scope.is_station:
        return {scope.station_id}
    wanted = {o.tenant_id for o in objs if o.tenant_id is not None}
    if not wanted:
        return set()
    with session.no_autoflush:
        rows = session.execute(
            select(Station.id).where(Station.id.in_(wanted), Station.county_id == scope.county_id)
        )
        return set(rows.scalars())
