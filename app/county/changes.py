"""Counting the changes to each station's records of each module, so a stored figure is
known to be current (:class:`~app.county.models.FigureGeneration`).

Every transaction that writes a module's rows (through the ORM's flush, or an INSERT,
UPDATE or DELETE statement of its models), or a station's switches and settings of the
module,
counts the station's generation of that module up by one as it commits. A figure is
computed at the generation it read before reading the records; a change committed after
that read leaves the stored figure one generation behind, so it is computed again.
(What bypasses the session, raw SQL or the legacy ``bulk_save_objects``, is not counted:
after a data migration of a module's rows, run ``fengqiao figures compute --all``.)

The count is taken last in the transaction, in a fixed order, and in the context the
write was made in (a job commits after leaving its station's): no deadlock, and the
database's row policy sees the station it expects.
"""

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.county.models import FigureGeneration
from app.station_plugin import StationPlugin
from tenants.context import TenantScope, current_scope, enter, leave
from tenants.models import Station

_CHANGED = "fengqiao.changed_modules"  # session.info: {(county id, station id, module)}


def _modules_of_models() -> dict[type, str]:
    """The model classes of every module that declares metrics, to their module's key."""
    from app.plugin_host import host

    return {model: plugin.key for plugin in host().plugins.values() if plugin.metrics
            for model in plugin.models}


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, flush_context) -> None:
    written = (*session.new, *session.dirty, *session.deleted)
    if not written:
        return
    changed = session.info.setdefault(_CHANGED, set())
    scope = current_scope()
    modules = _modules_of_models()
    for obj in written:
        module = obj.plugin if isinstance(obj, StationPlugin) else modules.get(type(obj))
        if module is not None and getattr(obj, "tenant_id", None) is not None:
            changed.add((scope.county_id if scope else None, obj.tenant_id, module))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(orm_state) -> None:
    if not (orm_state.is_insert or orm_state.is_update or orm_state.is_delete) \
            or orm_state.bind_mapper is None:
        return
    module = _modules_of_models().get(orm_state.bind_mapper.class_)
    scope = current_scope()
    if module is None or scope is None:
        return  # outside a context the statement is refused anyway (tenants.scoping)
    changed = orm_state.session.info.setdefault(_CHANGED, set())
    if scope.is_station:
        changed.add((scope.county_id, scope.station_id, module))
        return
    with orm_state.session.no_autoflush:
        stations = orm_state.session.scalars(
            select(Station.id).where(Station.county_id == scope.county_id)).all()
    changed.update((scope.county_id, station_id, module) for station_id in stations)


@event.listens_for(Session, "before_commit")
def _count_up(session: Session) -> None:
    session.flush()  # what is still pending is noted too
    changed = session.info.pop(_CHANGED, None)
    if not changed:
        return
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = FigureGeneration.__table__
    for county_id, station_id, module in sorted(changed, key=lambda c: (c[1], c[2])):
        statement = dialect.insert(table).values(tenant_id=station_id, module=module,
                                                 generation=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.tenant_id, table.c.module],
            set_={"generation": table.c.generation + 1})
        token = enter(TenantScope(county_id=county_id, station_id=station_id)
                      if county_id is not None else current_scope())
        try:
            connection.execute(statement)
        finally:
            leave(token)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
