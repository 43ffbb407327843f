"""the second wall around the global tables: password hashes the app cannot read, an audit
chain it can only append to (keyed links), server-side sessions, and row policies on
accounts, memberships, invitations, stations, counties and counters

The global tables get ENABLE (not FORCE) ROW LEVEL SECURITY: their owner (migrations, and
county IT's CLI run with the owner's URL) is the platform's administrator and is not
bound; the app's role is. Policies read the same per-transaction settings as the station
policy (``fengqiao.county_id``, ``fengqiao.station_id``) and two more: the account the
request acts for (``fengqiao.user_id``) and the digest of a link being opened
(``fengqiao.token``).

Revision ID: 0007_global_walls
Revises: 0006_one_counter_handoff_once
Create Date: 2026-12-02 03:20:00

"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa

from tenants import row_security


revision = '0007_global_walls'
down_revision = '0006_one_counter_handoff_once'
branch_labels = None
depends_on = None

_COUNTY = "nullif(current_setting('fengqiao.county_id', true), '')::integer"
_STATION = "nullif(current_setting('fengqiao.station_id', true), '')::integer"
_USER = "nullif(current_setting('fengqiao.user_id', true), '')::integer"
_TOKEN = "nullif(current_setting('fengqiao.token', true), '')"
_IN_STATIONS = "= ANY (ARRAY(SELECT fengqiao_scope_stations()))"
# A county context (no station set) reaches the county's own rows.
_COUNTY_ONLY = f"(%s = {_COUNTY} AND {_STATION} IS NULL)"
_SCOPE_USERS = "ANY (ARRAY(SELECT fengqiao_scope_users()))"
_UTC_NOW = "(now() AT TIME ZONE 'UTC')"

FUNCTIONS = [
    # The people wholly of the context: every place they belong to is in it (its station;
    # or its county and the county's stations), and none is a platform admin. Only they
    # may be changed, or sent a link, from the context (as the app's "only here" rule).
    # Every table is schema-qualified: a temporary table of the same name must not stand
    # in for it.
    f"""
CREATE OR REPLACE FUNCTION fengqiao_scope_users() RETURNS SETOF integer
LANGUAGE sql STABLE AS $$
    SELECT m.user_id FROM public.membership m
    GROUP BY m.user_id
    -- coalesce: a place that compares as NULL (a county's row in a station context) is
    -- outside, not skipped.
    HAVING bool_and(coalesce(m.station_id {_IN_STATIONS} OR {_COUNTY_ONLY % 'm.county_id'},
                             false))
       AND NOT EXISTS (SELECT 1 FROM public.user_account u
                       WHERE u.id = m.user_id AND u.is_platform_admin)
$$""",
    # Inside a trigger: is the role running the statement the table's owner (or above)?
    """
CREATE OR REPLACE FUNCTION fengqiao_is_owner(rel oid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.pg_has_role(current_user,
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = rel), 'MEMBER')
$$""",
    # Columns only the owner changes: who is a platform admin, which county a station is
    # in, and links that would set a platform admin's password.
    """
CREATE OR REPLACE FUNCTION fengqiao_owner_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF fengqiao_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    -- Nested: a record's fields are looked up only for the table that has them.
    IF TG_TABLE_NAME = 'user_account' THEN
        IF (TG_OP = 'INSERT' AND NEW.is_platform_admin)
                OR (TG_OP = 'UPDATE'
                    AND NEW.is_platform_admin IS DISTINCT FROM OLD.is_platform_admin) THEN
            RAISE EXCEPTION 'only the database owner makes or unmakes a platform admin'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF TG_TABLE_NAME = 'station' THEN
        IF TG_OP = 'UPDATE' AND NEW.county_id IS DISTINCT FROM OLD.county_id THEN
            RAISE EXCEPTION 'only the database owner moves a station to another county'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF TG_TABLE_NAME = 'membership' THEN
        -- Who may join a place (the app's may_join): no platform admin, no account of the
        -- county bureau, no account of another county; a station's admin joins no county.
        IF EXISTS (SELECT 1 FROM public.user_account u
                   WHERE u.id = NEW.user_id AND u.is_platform_admin)
           OR EXISTS (SELECT 1 FROM public.membership m
                      WHERE m.user_id = NEW.user_id AND m.id IS DISTINCT FROM NEW.id
                        AND (m.county_id IS NOT NULL
                             OR (NEW.county_id IS NOT NULL AND m.role = 'station_admin')
                             OR (SELECT s.county_id FROM public.station s
                                 WHERE s.id = m.station_id)
                                IS DISTINCT FROM coalesce(NEW.county_id,
                                    (SELECT s.county_id FROM public.station s
                                     WHERE s.id = NEW.station_id)))) THEN
            RAISE EXCEPTION 'the account belongs to another county, the bureau or the platform'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF TG_TABLE_NAME = 'invitation' THEN
        IF EXISTS (SELECT 1 FROM public.user_account u
                   WHERE u.id = NEW.user_id AND u.is_platform_admin) THEN
            RAISE EXCEPTION 'a platform admin''s password is set by the database owner'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END
$$""",
    # Password hashes: the app hashes a candidate with the stored salt and parameters,
    # and the database says whether it matches. The hash itself never leaves.
    """
CREATE OR REPLACE FUNCTION fengqiao_password_settings(p_user integer)
RETURNS TABLE (settings text, digest_length integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT substring(password_hash from '^(.*\\$)[^$]*$'),
           length(substring(password_hash from '([^$]*)$'))
    FROM user_password WHERE user_id = p_user
$$""",
    """
CREATE OR REPLACE FUNCTION fengqiao_password_matches(p_user integer, p_candidate text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce((SELECT password_hash = p_candidate FROM user_password
                     WHERE user_id = p_user), false)
$$""",
    # A first password, for an account that is new: no password, no place, no link yet
    # (the CLI and the demo make accounts with one). An invited person sets theirs
    # through the link only.
    """
CREATE OR REPLACE FUNCTION fengqiao_password_first(p_user integer, p_hash text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM membership m WHERE m.user_id = p_user)
       OR EXISTS (SELECT 1 FROM invitation i WHERE i.user_id = p_user) THEN
        RETURN false;
    END IF;
    INSERT INTO user_password (user_id, password_hash, changed_at)
    VALUES (p_user, p_hash, now() AT TIME ZONE 'UTC') ON CONFLICT DO NOTHING;
    RETURN FOUND;
END
$$""",
    # A new password, proved by the current one (its candidate hash); open links end.
    """
CREATE OR REPLACE FUNCTION fengqiao_password_change(p_user integer, p_candidate text,
                                                    p_hash text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE user_password SET password_hash = p_hash, changed_at = now() AT TIME ZONE 'UTC'
    WHERE user_id = p_user AND password_hash = p_candidate;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE invitation SET used_at = now() AT TIME ZONE 'UTC'
    WHERE user_id = p_user AND used_at IS NULL;
    RETURN true;
END
$$""",
    # A new password, proved by an open invitation link (its digest); every open link of
    # the account ends. Returns the account, or NULL for a used, expired or unknown link.
    """
CREATE OR REPLACE FUNCTION fengqiao_password_by_invitation(p_digest text, p_hash text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    account integer;
BEGIN
    SELECT i.user_id INTO account FROM invitation i
    JOIN user_account u ON u.id = i.user_id AND NOT u.is_platform_admin
    WHERE i.token_hash = p_digest AND i.used_at IS NULL
      AND i.expires_at > now() AT TIME ZONE 'UTC'
    FOR UPDATE OF i;
    IF account IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO user_password (user_id, password_hash, changed_at)
    VALUES (account, p_hash, now() AT TIME ZONE 'UTC')
    ON CONFLICT (user_id) DO UPDATE
        SET password_hash = excluded.password_hash, changed_at = excluded.changed_at;
    UPDATE invitation SET used_at = now() AT TIME ZONE 'UTC'
    WHERE user_id = account AND used_at IS NULL;
    RETURN account;
END
$$""",
    # The audit chain: the app reserves the next link (the head's row stays locked until
    # the transaction ends), computes its keyed hash, and writes it; the head only moves
    # to a row written right after it.
    """
CREATE OR REPLACE FUNCTION fengqiao_audit_next(p_chain text)
RETURNS TABLE (id bigint, seq integer, prev_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    head audit_chain%ROWTYPE;
BEGIN
    -- A chain of the platform, of a county or of a station that exists: no other keys.
    IF NOT (p_chain = 'platform'
            OR (p_chain ~ '^county:[1-9][0-9]{0,8}$' AND EXISTS (SELECT 1 FROM county k
                WHERE k.id = substring(p_chain from 8)::integer))
            OR (p_chain ~ '^station:[1-9][0-9]{0,8}$' AND EXISTS (SELECT 1 FROM station s
                WHERE s.id = substring(p_chain from 9)::integer))) THEN
        RAISE EXCEPTION 'no audit chain %', p_chain USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO head FROM audit_chain c WHERE c.key = p_chain FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_chain (key, seq, head_hash)
        VALUES (p_chain, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
        SELECT * INTO head FROM audit_chain c WHERE c.key = p_chain FOR UPDATE;
    END IF;
    RETURN QUERY SELECT nextval(pg_get_serial_sequence('public.audit_event', 'id')),
                        head.seq + 1, head.head_hash::text;
END
$$""",
    """
CREATE OR REPLACE FUNCTION fengqiao_audit_write(
    p_id bigint, p_chain text, p_seq integer, p_prev_hash text, p_created_at timestamp,
    p_station_id integer, p_county_id integer, p_actor_id integer, p_actor_name text,
    p_action text, p_object_type text, p_object_id text, p_changes json, p_ip text,
    p_request_id text, p_key_id text, p_hash text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    own_chain text := CASE WHEN p_station_id IS NOT NULL THEN 'station:' || p_station_id
                           WHEN p_county_id IS NOT NULL THEN 'county:' || p_county_id
                           ELSE 'platform' END;
BEGIN
    -- The id reserved just before, and the chain the row's own station or county names:
    -- a row cannot take a later id (and block the next real one) or land in another chain.
    IF p_id IS DISTINCT FROM currval(pg_get_serial_sequence('public.audit_event', 'id'))
       OR p_chain IS DISTINCT FROM own_chain
       OR (p_station_id IS NOT NULL AND p_county_id IS DISTINCT FROM
           (SELECT s.county_id FROM station s WHERE s.id = p_station_id)) THEN
        RAISE EXCEPTION 'not the link reserved for chain %', p_chain
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE audit_chain SET seq = p_seq, head_hash = p_hash
    WHERE key = p_chain AND seq = p_seq - 1 AND head_hash = p_prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit chain % has moved: reserve the next link first', p_chain
            USING ERRCODE = 'serialization_failure';
    END IF;
    INSERT INTO audit_event (id, chain, seq, prev_hash, created_at, station_id, county_id,
                             actor_id, actor_name, action, object_type, object_id,
                             changes, ip, request_id, key_id, hash)
    VALUES (p_id, p_chain, p_seq, p_prev_hash, p_created_at, p_station_id, p_county_id,
            p_actor_id, p_actor_name, p_action, p_object_type, p_object_id, p_changes,
            p_ip, p_request_id, p_key_id, p_hash);
END
$$""",
    # Every chain's head, for the job that publishes them outside the database.
    """
CREATE OR REPLACE FUNCTION fengqiao_audit_heads()
RETURNS TABLE (key text, seq integer, head_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.key::text, c.seq, c.head_hash::text FROM audit_chain c ORDER BY c.key
$$""",
]
FUNCTION_NAMES = [
    "fengqiao_scope_users()", "fengqiao_is_owner(oid)", "fengqiao_owner_only()",
    "fengqiao_password_settings(integer)", "fengqiao_password_matches(integer, text)",
    "fengqiao_password_first(integer, text)",
    "fengqiao_password_change(integer, text, text)",
    "fengqiao_password_by_invitation(text, text)", "fengqiao_audit_next(text)",
    "fengqiao_audit_write(bigint, text, integer, text, timestamp, integer, integer, "
    "integer, text, text, text, text, json, text, text, text, text)",
    "fengqiao_audit_heads()",
]

_IN_SCOPE_USERS = f"(id = {_USER} OR id = {_SCOPE_USERS})"
_OF_SCOPE_USERS = f"(user_id = {_USER} OR user_id = {_SCOPE_USERS})"
_MEMBERSHIP_RULE = f"(station_id {_IN_STATIONS} OR {_COUNTY_ONLY % 'county_id'})"
# A counter may be cleared when its window has run out, or when it counts one account's
# failed sign-ins (a good sign-in forgives them); the counts of addresses and of the
# public pages cannot be reset.
_RATE_DELETE = (f"(window_start + make_interval(secs => window_seconds) < {_UTC_NOW}"
                " OR key LIKE 'signin:account:%')")

# (table, policy name, command, USING, WITH CHECK); no policy for a command: refused.
POLICIES = [
    ("user_account", "everyone_reads", "SELECT", "true", None),
    ("user_account", "anyone_joins", "INSERT", None, "true"),
    ("user_account", "self_or_scope", "UPDATE", _IN_SCOPE_USERS, _IN_SCOPE_USERS),
    ("membership", "everyone_reads", "SELECT", "true", None),
    ("membership", "scope_writes", "ALL", _MEMBERSHIP_RULE, _MEMBERSHIP_RULE),
    ("invitation", "self_scope_or_link", "ALL",
     f"(user_id = {_USER} OR user_id = {_SCOPE_USERS} OR token_hash = {_TOKEN})",
     _OF_SCOPE_USERS),
    ("user_session", "everyone_reads", "SELECT", "true", None),
    ("user_session", "self_or_scope", "ALL", _OF_SCOPE_USERS, _OF_SCOPE_USERS),
    ("station", "everyone_reads", "SELECT", "true", None),
    ("station", "county_opens", "INSERT", None, _COUNTY_ONLY % "county_id"),
    ("station", "scope_changes", "UPDATE", f"id {_IN_STATIONS}", f"id {_IN_STATIONS}"),
    ("county", "everyone_reads", "SELECT", "true", None),
    ("county", "anyone_founds", "INSERT", None, "true"),
    ("county", "own_changes", "UPDATE", _COUNTY_ONLY % "id", _COUNTY_ONLY % "id"),
    ("audit_event", "scope_reads", "SELECT",
     f"(station_id {_IN_STATIONS} OR (station_id IS NULL AND {_COUNTY_ONLY % 'county_id'}))",
     None),
    ("rate_limit", "everyone_counts", "SELECT", "true", None),
    ("rate_limit", "everyone_starts", "INSERT", None, "true"),
    ("rate_limit", "everyone_counts_on", "UPDATE", "true", "true"),
    ("rate_limit", "spent_or_forgiven", "DELETE", _RATE_DELETE, None),
    ("job_run", "scope_runs", "ALL", f"(station_id IS NULL OR station_id {_IN_STATIONS})",
     f"(station_id IS NULL OR station_id {_IN_STATIONS})"),
]
GLOBAL_TABLES = sorted({p[0] for p in POLICIES} | {"audit_chain", "user_password"})
OWNER_ONLY_TRIGGERS = ("user_account", "station", "membership", "invitation")

# While a counter's window runs, it only counts on, one hit at a time: its key, window and
# length stay, and its hits only go up by one. A new counter, or one whose window has run
# out and starts again, starts as a window does: one hit, now, of at most a week.
RATE_TRIGGER = """
CREATE OR REPLACE FUNCTION fengqiao_rate_limit_holds() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    now_utc timestamp := now() AT TIME ZONE 'UTC';
BEGIN
    IF fengqiao_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.window_start + make_interval(secs => OLD.window_seconds)
            > now_utc + interval '5 seconds' THEN  -- running (clocks differ a little)
        IF NEW.key IS DISTINCT FROM OLD.key
                OR NEW.window_start IS DISTINCT FROM OLD.window_start
                OR NEW.window_seconds IS DISTINCT FROM OLD.window_seconds
                OR NEW.hits IS DISTINCT FROM OLD.hits + 1 THEN
            RAISE EXCEPTION 'a counter''s window restarts only when it has run out'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.hits IS DISTINCT FROM 1
            OR (TG_OP = 'UPDATE' AND NEW.key IS DISTINCT FROM OLD.key)
            OR NEW.window_start NOT BETWEEN now_utc - interval '1 minute'
                                        AND now_utc + interval '1 minute'
            OR NEW.window_seconds NOT BETWEEN 1 AND 604800 THEN
        RAISE EXCEPTION 'a counter starts with one hit, now, for at most a week'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$"""


_EVENTS = sa.table(
    'audit_event', *(sa.column(c) for c in (
        'id', 'chain', 'seq', 'prev_hash', 'created_at', 'station_id', 'county_id',
        'actor_id', 'actor_name', 'action', 'object_type', 'object_id', 'ip',
        'request_id', 'key_id', 'hash')), sa.column('changes', sa.JSON))
_CHAINS = sa.table('audit_chain', sa.column('key'), sa.column('seq'), sa.column('head_hash'))
_OLD_FIELDS = ('chain', 'seq', 'prev_hash', 'created_at', 'station_id', 'county_id',
               'actor_id', 'actor_name', 'action', 'object_type', 'object_id', 'changes',
               'ip', 'request_id')


def _old_hash(row) -> str:
    # The plain SHA-256 of the rows written before keyed links.
    content = {n: row[n].isoformat(timespec='microseconds') if hasattr(row[n], 'isoformat')
               else row[n] for n in _OLD_FIELDS}
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(',', ':'))
    return hashlib.sha256(payload.encode()).hexdigest()


def _sign_the_log_so_far():
    """Re-link every row with the audit key, once its old links are checked: from here on
    no row is accepted without a key, so none can be forged as an old one. A log that is
    already broken stops the upgrade, rather than being signed as sound."""
    from flask import current_app

    from app.audit.chain import row_hash

    key_id, secret = next(iter(current_app.config['AUDIT_KEYS'].items()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_EVENTS).order_by(_EVENTS.c.chain, _EVENTS.c.seq)).mappings()
    chain, old_prev, new_prev, heads = None, None, None, {}
    for row in rows:
        if row['chain'] != chain:
            chain, old_prev, new_prev = row['chain'], '0' * 64, '0' * 64
        if row['prev_hash'] != old_prev or _old_hash(row) != row['hash']:
            raise RuntimeError(
                f"the audit log is broken at row id={row['id']} of {chain}: run `fengqiao "
                "audit verify` on the previous release and restore the log before upgrading")
        signed = {**row, 'prev_hash': new_prev, 'key_id': key_id}
        signed['hash'] = row_hash(signed, {key_id: secret})
        bind.execute(_EVENTS.update().where(_EVENTS.c.id == row['id']).values(
            prev_hash=new_prev, key_id=key_id, hash=signed['hash']))
        old_prev, new_prev = row['hash'], signed['hash']
        heads[chain] = new_prev
    for key, head in heads.items():
        bind.execute(_CHAINS.update().where(_CHAINS.c.key == key).values(head_hash=head))


def _relink_unkeyed():
    # Back to the plain links the previous release verifies.
    bind = op.get_bind()
    rows = bind.execute(sa.select(_EVENTS).order_by(_EVENTS.c.chain, _EVENTS.c.seq)).mappings()
    chain, prev, heads = None, None, {}
    for row in rows:
        if row['chain'] != chain:
            chain, prev = row['chain'], '0' * 64
        plain = _old_hash({**row, 'prev_hash': prev})
        bind.execute(_EVENTS.update().where(_EVENTS.c.id == row['id']).values(
            prev_hash=prev, hash=plain))
        prev = heads[chain] = plain
    for key, head in heads.items():
        bind.execute(_CHAINS.update().where(_CHAINS.c.key == key).values(head_hash=head))


def upgrade():
    op.create_table('user_password',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_password_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_password'))
    )
    op.execute("INSERT INTO user_password (user_id, password_hash, changed_at) "
               "SELECT id, password_hash, created_at FROM user_account "
               "WHERE password_hash IS NOT NULL")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_set_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE user_account SET password_set_at = coalesce(last_sign_in_at, created_at)"
               " WHERE password_hash IS NOT NULL")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('password_hash')

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('digest', name=op.f('uq_user_session_digest'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))
    _sign_the_log_so_far()
    with op.batch_alter_table('rate_limit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_seconds', sa.Integer(), nullable=False,
                                      server_default='0'))

    row_security.on_postgresql(*FUNCTIONS, RATE_TRIGGER)
    row_security.on_postgresql(*(f"REVOKE EXECUTE ON FUNCTION {f} FROM PUBLIC"
                                 for f in FUNCTION_NAMES))
    statements = [f'ALTER TABLE "{t}" ENABLE ROW LEVEL SECURITY' for t in GLOBAL_TABLES]
    for table, name, command, using, check in POLICIES:
        statements.append(
            f'CREATE POLICY {name} ON "{table}" FOR {command}'
            + (f" USING ({using})" if using else "")
            + (f" WITH CHECK ({check})" if check else ""))
    statements += [f'CREATE TRIGGER owner_only BEFORE INSERT OR UPDATE ON "{t}" '
                   "FOR EACH ROW EXECUTE FUNCTION fengqiao_owner_only()"
                   for t in OWNER_ONLY_TRIGGERS]
    statements.append("CREATE TRIGGER window_holds BEFORE INSERT OR UPDATE ON rate_limit "
                      "FOR EACH ROW EXECUTE FUNCTION fengqiao_rate_limit_holds()")
    row_security.on_postgresql(*statements)


def downgrade():
    statements = ["DROP TRIGGER IF EXISTS window_holds ON rate_limit"]
    statements += [f'DROP TRIGGER IF EXISTS owner_only ON "{t}"' for t in OWNER_ONLY_TRIGGERS]
    statements += [f'DROP POLICY IF EXISTS {name} ON "{table}"'
                   for table, name, *_ in POLICIES]
    statements += [f'ALTER TABLE "{t}" DISABLE ROW LEVEL SECURITY' for t in GLOBAL_TABLES
                   if t != "user_password"]
    statements += [f"DROP FUNCTION IF EXISTS {f}" for f in reversed(FUNCTION_NAMES)]
    statements.append("DROP FUNCTION IF EXISTS fengqiao_rate_limit_holds()")
    row_security.on_postgresql(*statements)

    with op.batch_alter_table('rate_limit', schema=None) as batch_op:
        batch_op.drop_column('window_seconds')
    _relink_unkeyed()
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('key_id')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
    op.execute("UPDATE user_account SET password_hash = (SELECT p.password_hash FROM "
               "user_password p WHERE p.user_id = user_account.id)")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('password_set_at')
    op.drop_table('user_password')
