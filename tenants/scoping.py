"""Fail-closed query scoping for station-owned rows.

Every model that belongs to a station inherits :class:`TenantScoped`. Inside a station
context each ORM SELECT, UPDATE and DELETE of such a model gets ``tenant_id = <station>``
added (``with_loader_criteria``); inside a county context, ``tenant_id IN <the county's
stations>``; with no context the statement raises. New rows take the context's station,
and no flush may move a row to, or write it into, a station outside the context.
"""

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Table,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql.visitors import iterate

from tenants.context import TenantContextRequired, current_scope
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


def _scoped_tables(orm_state) -> tuple[list[Table], set[str]]:
    """The station-owned tables a statement reads or writes, and the names of the tables
    it reaches through mapped entities (one walk of the statement).

    ``all_mappers`` alone misses entities named only in select_from(), joins or subqueries;
    and a table met both bare and through its entity appears once in a walk, so an
    entity's columns count as naming it too.
    """
    tables: dict[str, Table] = {}
    mapped: set[str] = {m.local_table.name for m in orm_state.all_mappers}
    for element in iterate(orm_state.statement):
        entity = element._annotations.get("parententity") if hasattr(
            element, "_annotations") else None
        if entity is not None:
            mapped.add(entity.mapper.local_table.name)
        for table in _tables_of(element):
            if "tenant_id" in table.c:
                tables.setdefault(table.name, table)
    return list(tables.values()), mapped


def _tables_of(element) -> list[Table]:
    if isinstance(element, Table):
        return [element]
    table = getattr(element, "table", None)
    return [table] if isinstance(table, Table) else []


def _refuse_bare_tables(tables: list[Table], mapped: set[str]) -> None:
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
    if scope.is_station:
        station_id = scope.station_id
        criteria = with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == station_id, include_aliases=True
        )
    else:
        county_id = scope.county_id
        criteria = with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id.in_(_county_station_ids(county_id)),
            include_aliases=True,
        )
    orm_state.statement = orm_state.statement.options(criteria)


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
