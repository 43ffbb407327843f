"""PostgreSQL row-level security: the second wall behind the ORM's query scoping.

Every station-owned table has ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and one policy,
``station_rows``, that lets a row be read or written only when its ``tenant_id`` is one of
:func:`fengqiao_scope_stations`: the station set for this transaction, or every station of
the county set for it, or none. The app sets both with ``set_config(..., true)`` (the
function form of ``SET LOCAL``) at the start of each transaction and again whenever the
tenant context changes inside one, so a pooled connection never carries one request's
station into the next: the setting ends with the transaction.

Migrations run as the tables' owner; the app connects as a role that owns nothing, cannot
bypass RLS, and may only add to the audit log (:func:`grant_app_role`).
"""

from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import Pool

from tenants.context import acting_user_id, current_scope, presented_token

POLICY = "station_rows"

# An SQL function so the rule lives in one place; it reads the station table as the
# querying role, which may see every station's row. The table is schema-qualified: a
# temporary table of the same name must not stand in for it.
CREATE_SCOPE_FUNCTION = """
CREATE OR REPLACE FUNCTION fengqiao_scope_stations() RETURNS SETOF integer
LANGUAGE sql STABLE AS $$
    SELECT s.id FROM public.station s
    WHERE s.county_id = nullif(current_setting('fengqiao.county_id', true), '')::integer
      AND (nullif(current_setting('fengqiao.station_id', true), '') IS NULL
           OR s.id = nullif(current_setting('fengqiao.station_id', true), '')::integer)
$$
"""
DROP_SCOPE_FUNCTION = "DROP FUNCTION IF EXISTS fengqiao_scope_stations()"

# Computed once per statement (an InitPlan), then matched as an index condition on
# (tenant_id, id), even by raw SQL that names no station. Changing the rule later takes a
# migration that re-creates every table's policy.
_RULE = "tenant_id = ANY (ARRAY(SELECT fengqiao_scope_stations()))"


def enable_statements(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" USING ({_RULE}) WITH CHECK ({_RULE})',
    ]


def disable_statements(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


def enable(*tables: str) -> None:
    """In a migration: put ``tables`` behind the station policy (nothing on SQLite)."""
    on_postgresql(*(s for t in tables for s in enable_statements(t)))


def disable(*tables: str) -> None:
    """In a migration's downgrade: the reverse of :func:`enable`."""
    on_postgresql(*(s for t in tables for s in disable_statements(t)))


@contextmanager
def every_station(*tables: str):
    """In a data migration: let the owner see and change every station's rows of
    ``tables`` meanwhile (FORCE is lifted, then put back in the same transaction), even
    when the owner cannot bypass row security."""
    on_postgresql(*(f'ALTER TABLE "{t}" NO FORCE ROW LEVEL SECURITY' for t in tables))
    yield
    on_postgresql(*(f'ALTER TABLE "{t}" FORCE ROW LEVEL SECURITY' for t in tables))


def on_postgresql(*statements: str) -> None:
    """In a migration: run ``statements`` on PostgreSQL; SQLite has no row security."""
    from alembic import op

    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in statements:
        op.execute(statement)


# --- the app role ----------------------------------------------------------------------

AUDIT_TABLE = "audit_event"
# Read and written only through the owner's functions (0007_global_walls).
_THROUGH_FUNCTIONS = ("audit_chain", "user_password")


def grant_app_role(connection: Connection, role: str) -> None:
    """Give ``role`` what the app needs on every table and sequence, and no more: it
    appends to the audit log and checks passwords only through the owner's functions, and
    reads the log of its context only. Run by the owner after each upgrade, so a module's
    new tables are covered too."""
    quoted = connection.dialect.identifier_preparer.quote(role)
    exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if not exists:
        raise LookupError(f"database role {role!r} does not exist")
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {AUDIT_TABLE} FROM {quoted}",
        *(f"REVOKE ALL ON {t} FROM {quoted}" for t in _THROUGH_FUNCTIONS),
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}",
        f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        # Every function is the schema's own (the migrations revoke them from PUBLIC).
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}",
    ):
        connection.execute(text(statement))


# --- the per-transaction setting -------------------------------------------------------

_APPLIED = "fengqiao.rls_scope"
# Savepoint statements run as SQL too; they must run as they are, even in a transaction
# that has failed (where no other statement may).
_TRANSACTION_CONTROL = ("SAVEPOINT", "ROLLBACK", "RELEASE")


def _wanted() -> tuple[str, str, str, str]:
    scope, user, token = current_scope(), acting_user_id(), presented_token()
    return (
        "" if scope is None else str(scope.county_id),
        "" if scope is None or scope.station_id is None else str(scope.station_id),
        "" if user is None else str(user),
        token or "",
    )


@event.listens_for(Engine, "before_cursor_execute")
def _apply_scope(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.dialect.name != "postgresql" or statement.startswith(_TRANSACTION_CONTROL):
        return
    wanted = _wanted()
    if conn.info.get(_APPLIED) == wanted:
        return
    # A cursor of its own, so the statement about to run keeps its cursor untouched.
    with cursor.connection.cursor() as setter:
        setter.execute(
            "SELECT set_config('fengqiao.county_id', %s, true),"
            " set_config('fengqiao.station_id', %s, true),"
            " set_config('fengqiao.user_id', %s, true),"
            " set_config('fengqiao.token', %s, true)",
            wanted,
        )
    conn.info[_APPLIED] = wanted


def _forget(conn, *args) -> None:
    conn.info.pop(_APPLIED, None)


# The setting ends with the transaction (and a savepoint's rollback undoes it), so what
# was applied is forgotten at each of those points and set again on the next statement,
# even when there is no context to set: the empty values then hide anything left at the
# session level on a pooled connection (a set_config(..., false), an injected SET), which
# the pool's rollback does not clear.
for _name in ("begin", "commit", "rollback", "rollback_savepoint"):
    event.listen(Engine, _name, _forget)


@event.listens_for(Pool, "reset")
def _forget_on_return(dbapi_connection, connection_record, reset_state) -> None:
    if connection_record is not None:  # None: a connection detached from the pool
        connection_record.info.pop(_APPLIED, None)


@event.listens_for(Pool, "checkout")
def _forget_on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    connection_record.info.pop(_APPLIED, None)
