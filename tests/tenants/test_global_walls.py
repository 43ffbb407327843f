"""The second wall around the global tables: raw SQL as the app's database role (what an
SQL injection or a compromised pod has) cannot take over the platform.

Each attack was found by a run against a production-mode deployment; each must fail here,
in the context the attacker's request had (none, or a station's, or a county's).
"""

import contextlib

import pytest
from psycopg import errors

from app.extensions import db
from app.users import User
from tenants.scoping import TenantScoped
from tests.conftest import PG, set_scope

pytestmark = pytest.mark.postgres
if not PG:
    pytest.skip("row-level security is PostgreSQL's", allow_module_level=True)

REFUSED = (errors.InsufficientPrivilege,)


@pytest.fixture
def ids(demo, as_owner):
    """Ids the attacker aims at: their own account (an officer of 东岭), the other
    station, the county, and another county made for the occasion."""
    one = lambda sql, *a: as_owner.execute(sql, a).fetchone()[0]  # noqa: E731
    other = one("INSERT INTO county (slug, name, created_at) VALUES ('far', '远县公安局', "
                "now()) RETURNING id")
    as_owner.commit()
    return {
        "me": one("SELECT id FROM user_account WHERE username = 'dongling-officer'"),
        "admin": one("SELECT id FROM user_account WHERE username = 'qingshi-admin'"),
        "dongling": demo.station("dongling").id,
        "qingshi": demo.station("qingshi").id,
        "county": demo.county.id,
        "other_county": other,
    }


def _in_dongling(conn, ids, **extra):
    set_scope(conn, ids["county"], ids["dongling"], extra.get("user", ids["me"]))


def _refused(conn, sql, params=()):
    with pytest.raises(REFUSED):
        conn.execute(sql, params)
    conn.rollback()


def _nothing_or_refused(conn, sql, params=()):
    """The statement changes no row: the policy hides them all, or it is refused."""
    with contextlib.suppress(REFUSED):
        assert conn.execute(sql, params).rowcount == 0
    conn.rollback()


def _count(conn, sql, params=()) -> int:
    return conn.execute(sql, params).fetchone()[0]


def test_every_table_is_behind_a_wall(app, as_owner, as_app):
    """A wall is only as good as its weakest table: each table has row security on, and
    the app's role either meets a policy or has no privilege on it at all."""
    with app.app_context():
        tables = {t.name for t in db.metadata.sorted_tables}
        tenant = {m.local_table.name for m in db.Model.registry.mappers
                  if issubclass(m.class_, TenantScoped)}
    rows = as_owner.execute(
        "SELECT c.relname, c.relrowsecurity, count(p.policyname)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_policies p ON p.tablename = c.relname"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' GROUP BY 1, 2").fetchall()
    found = {name: (rls, policies) for name, rls, policies in rows}
    assert tables <= set(found)
    without = sorted(t for t in tables if not found[t][0])
    assert without == [], f"tables without row security: {without}"
    no_privilege = {"audit_chain", "user_password"}
    bare = sorted(t for t in tables - no_privilege if found[t][1] == 0)
    assert bare == [], f"tables with row security but no policy: {bare}"
    for table in no_privilege:
        _refused(as_app, f'SELECT * FROM "{table}"')
    assert tenant < tables and "membership" in tables


def test_the_app_role_cannot_make_a_platform_admin(ids, as_app, as_owner):
    for scope in ((), (ids["county"],), (ids["county"], ids["dongling"], ids["me"])):
        set_scope(as_app, *scope)
        _nothing_or_refused(as_app, "UPDATE user_account SET is_platform_admin = true"
                            " WHERE id = %s", (ids["me"],))
        set_scope(as_app, *scope)
        _refused(as_app, "INSERT INTO user_account (username, full_name, is_platform_admin,"
                 " active, session_version, created_at) VALUES ('root2', 'x', true, true, 1,"
                 " now())")
    # Acting for itself in its own station, where it may change its own row, a trigger
    # still refuses the flag.
    _in_dongling(as_app, ids)
    _refused(as_app, "UPDATE user_account SET is_platform_admin = true WHERE id = %s",
             (ids["me"],))
    assert _count(as_owner, "SELECT count(*) FROM user_account WHERE is_platform_admin") == 0


def test_no_password_hash_is_readable_or_settable(ids, as_app, as_owner):
    stored = as_owner.execute("SELECT password_hash FROM user_password WHERE user_id = %s",
                              (ids["admin"],)).fetchone()[0]
    digest = stored.rpartition("$")[2]
    _in_dongling(as_app, ids)
    _refused(as_app, "SELECT password_hash FROM user_password")
    with pytest.raises(errors.UndefinedColumn):
        as_app.execute("SELECT password_hash FROM user_account")
    as_app.rollback()
    # What the functions give is the salt and parameters, never the digest.
    settings, length = as_app.execute("SELECT * FROM fengqiao_password_settings(%s)",
                                      (ids["admin"],)).fetchone()
    assert digest not in settings and length == len(digest)
    # Setting someone's password needs their current one, or a link of theirs.
    _refused(as_app, "UPDATE user_password SET password_hash = 'x' WHERE user_id = %s",
             (ids["admin"],))
    assert as_app.execute("SELECT fengqiao_password_change(%s, %s, 'x')",
                          (ids["admin"], settings + "A" * length)).fetchone()[0] is False
    assert as_app.execute("SELECT fengqiao_password_first(%s, 'x')",
                          (ids["admin"],)).fetchone()[0] is False
    assert as_app.execute("SELECT fengqiao_password_by_invitation(%s, 'x')",
                          ("f" * 64,)).fetchone()[0] is None
    as_app.commit()
    assert as_owner.execute("SELECT password_hash FROM user_password WHERE user_id = %s",
                            (ids["admin"],)).fetchone()[0] == stored


def test_no_one_joins_another_station_or_county(ids, as_app, as_owner):
    before = _count(as_owner, "SELECT count(*) FROM membership")
    for scope in ((), (ids["county"], ids["dongling"], ids["me"])):
        set_scope(as_app, *scope)
        _refused(as_app, "INSERT INTO membership (user_id, station_id, role, active,"
                 " created_at) VALUES (%s, %s, 'station_admin', true, now())",
                 (ids["me"], ids["qingshi"]))
        set_scope(as_app, *scope)
        _refused(as_app, "INSERT INTO membership (user_id, county_id, role, active,"
                 " created_at) VALUES (%s, %s, 'county_admin', true, now())",
                 (ids["me"], ids["county"]))
    # From inside 东岭: its own people only; the role of someone in 青石 stays.
    _in_dongling(as_app, ids)
    assert as_app.execute("UPDATE membership SET role = 'officer' WHERE station_id = %s",
                          (ids["qingshi"],)).rowcount == 0
    assert as_app.execute("DELETE FROM membership WHERE station_id = %s",
                          (ids["qingshi"],)).rowcount == 0
    _refused(as_app, "UPDATE membership SET station_id = %s WHERE user_id = %s",
             (ids["qingshi"], ids["me"]))
    assert _count(as_owner, "SELECT count(*) FROM membership") == before


def test_no_station_moves_to_another_county(ids, as_app, as_owner):
    for scope in ((ids["county"],), (ids["other_county"],),
                  (ids["county"], ids["dongling"], ids["me"])):
        set_scope(as_app, *scope)
        _nothing_or_refused(as_app, "UPDATE station SET county_id = %s WHERE id = %s",
                            (ids["other_county"], ids["dongling"]))
    # Nor is a station opened in, or renamed from, a county the context is not.
    set_scope(as_app, ids["county"])
    _refused(as_app, "INSERT INTO station (county_id, slug, name, active, created_at)"
             " VALUES (%s, 'planted', '假所', true, now())", (ids["other_county"],))
    set_scope(as_app, ids["other_county"])
    assert as_app.execute("UPDATE station SET name = 'x' WHERE id = %s",
                          (ids["dongling"],)).rowcount == 0
    as_app.rollback()
    set_scope(as_app, ids["county"])  # its own county may rename it, never move it
    _refused(as_app, "UPDATE station SET county_id = %s WHERE id = %s",
             (ids["other_county"], ids["dongling"]))
    assert _count(as_owner, "SELECT county_id FROM station WHERE id = %s",
                  (ids["dongling"],)) == ids["county"]


def test_invitations_are_not_readable(app, ids, as_app, as_owner):
    from app.enrolment import enrol
    from tenants.models import Station

    with app.app_context():
        station = db.session.get(Station, ids["qingshi"])
        enrol(username="newcomer", full_name="新人", role="officer", station=station)
        db.session.commit()
    assert _count(as_owner, "SELECT count(*) FROM invitation") >= 1
    for scope in ((), (ids["county"], ids["dongling"], ids["me"])):
        set_scope(as_app, *scope)
        assert _count(as_app, "SELECT count(*) FROM invitation") == 0
        assert as_app.execute("UPDATE invitation SET expires_at = now() + interval '1 year'"
                              ).rowcount == 0
        as_app.rollback()
    # A link for a platform admin would set their password: only the owner makes one.
    root = as_owner.execute("INSERT INTO user_account (username, full_name, is_platform_admin,"
                            " active, session_version, created_at) VALUES ('root', '管理员',"
                            " true, true, 1, now()) RETURNING id").fetchone()[0]
    as_owner.commit()
    set_scope(as_app, "", "", root)
    _refused(as_app, "INSERT INTO invitation (user_id, token_hash, expires_at, created_at)"
             " VALUES (%s, %s, now() + interval '1 day', now())", (root, "e" * 64))


def test_rate_limits_cannot_be_reset(browser, ids, as_app, as_owner):
    for _ in range(3):
        browser.post("/auth/sign-in", {"username": "dongling-admin", "password": "wrong"})
    keys = [k for (k,) in as_owner.execute("SELECT key FROM rate_limit")]
    address = [k for k in keys if k.startswith("signin:address:")]
    assert address and any(k.startswith("signin:account:") for k in keys)
    assert as_app.execute("DELETE FROM rate_limit WHERE key LIKE 'signin:address:%'"
                          ).rowcount == 0
    _refused(as_app, "UPDATE rate_limit SET hits = 0 WHERE key = %s", (address[0],))
    _refused(as_app, "TRUNCATE rate_limit")
    assert _count(as_owner, "SELECT hits FROM rate_limit WHERE key = %s", (address[0],)) == 3


def test_no_context_reads_another_places_audit_log(ids, as_app, as_owner):
    assert _count(as_owner, "SELECT count(DISTINCT chain) FROM audit_event") >= 4
    set_scope(as_app)
    assert _count(as_app, "SELECT count(*) FROM audit_event") == 0
    _in_dongling(as_app, ids)
    chains = {c for (c,) in as_app.execute("SELECT DISTINCT chain FROM audit_event")}
    assert chains == {f"station:{ids['dongling']}"}
    set_scope(as_app, ids["other_county"])
    assert _count(as_app, "SELECT count(*) FROM audit_event") == 0
    set_scope(as_app, ids["county"])
    seen = {c for (c,) in as_app.execute("SELECT DISTINCT chain FROM audit_event")}
    assert f"county:{ids['county']}" in seen and "platform" not in seen


@pytest.mark.parametrize("statement", [
    "UPDATE audit_chain SET seq = 0",
    "DELETE FROM audit_chain",
    "INSERT INTO audit_chain (key, seq, head_hash) VALUES ('x', 0, 'x')",
    "INSERT INTO audit_event (chain, seq, prev_hash, created_at, action, hash)"
    " VALUES ('platform', 999, 'x', now(), 'forged', 'x')",
    "UPDATE audit_event SET actor_name = 'x'",
    "DELETE FROM audit_event",
])
def test_the_audit_chain_is_not_writable_but_through_its_functions(ids, as_app, statement):
    _in_dongling(as_app, ids)
    _refused(as_app, statement)


def test_a_head_moves_only_to_the_row_written_after_it(ids, as_app, as_owner):
    chain = f"station:{ids['dongling']}"
    seq, head = as_owner.execute("SELECT seq, head_hash FROM audit_chain WHERE key = %s",
                                 (chain,)).fetchone()
    row_id = as_app.execute("SELECT id FROM fengqiao_audit_next(%s)", (chain,)).fetchone()[0]
    with pytest.raises(errors.SerializationFailure):  # a link that skips rows
        as_app.execute("SELECT fengqiao_audit_write(%s, %s, %s, %s, now()::timestamp,"
                       " %s, %s, NULL, NULL, 'forged', NULL, NULL, NULL, NULL, NULL,"
                       " 'x', 'x')",
                       (row_id, chain, seq + 5, head, ids["dongling"], ids["county"]))
    as_app.rollback()
    assert as_owner.execute("SELECT seq, head_hash FROM audit_chain WHERE key = %s",
                            (chain,)).fetchone() == (seq, head)


def test_job_keys_of_another_station_are_out_of_reach(ids, as_app, as_owner):
    as_owner.execute("INSERT INTO job_run (key, job, station_id, done_at) VALUES"
                     " ('k-qingshi', 'x:y', %s, now())", (ids["qingshi"],))
    as_owner.commit()
    _in_dongling(as_app, ids)
    assert as_app.execute("DELETE FROM job_run WHERE key = 'k-qingshi'").rowcount == 0
    as_app.commit()
    assert _count(as_owner, "SELECT count(*) FROM job_run WHERE key = 'k-qingshi'") == 1


def test_a_platform_admin_is_made_by_the_owner(owner_app, ids):
    with owner_app.app_context():
        root = User(username="root-by-owner", full_name="管理员", is_platform_admin=True)
        db.session.add(root)
        root.set_first_password("a-long-password")
        db.session.commit()
        assert root.check_password("a-long-password")


# -- found by the review's attack run -------------------------------------------------------

def test_a_temporary_table_does_not_stand_in_for_the_catalogue(ids, as_app, as_owner):
    _in_dongling(as_app, ids)
    as_app.execute(
        "CREATE TEMP TABLE pg_class ON COMMIT DROP AS SELECT c.oid, (SELECT oid FROM"
        " pg_catalog.pg_roles WHERE rolname = current_user) AS relowner"
        " FROM pg_catalog.pg_class c")
    _refused(as_app, "UPDATE user_account SET is_platform_admin = true WHERE id = %s",
             (ids["me"],))
    assert _count(as_owner, "SELECT count(*) FROM user_account WHERE is_platform_admin") == 0


def test_an_invited_persons_first_password_is_set_through_the_link_only(app, ids, as_app):
    from app.enrolment import enrol
    from tenants.models import Station

    with app.app_context():
        enrol(username="invitee", full_name="新人", role="officer",
              station=db.session.get(Station, ids["qingshi"]))
        db.session.commit()
        invitee = db.session.scalar(db.select(User.id).where(User.username == "invitee"))
    assert as_app.execute("SELECT fengqiao_password_first(%s, 'x')",
                          (invitee,)).fetchone()[0] is False


def test_a_station_cannot_pull_in_or_take_over_anyone_elses_account(ids, as_app, as_owner):
    county_it = _count(as_owner, "SELECT id FROM user_account WHERE username = 'county-it'")
    other = as_owner.execute(
        "INSERT INTO user_account (username, full_name, is_platform_admin, active,"
        " session_version, created_at) VALUES ('far-it', '远县', false, true, 1, now())"
        " RETURNING id").fetchone()[0]
    as_owner.execute("INSERT INTO membership (user_id, county_id, role, active, created_at)"
                     " VALUES (%s, %s, 'county_admin', true, now())", (other, ids["other_county"]))
    root = as_owner.execute(
        "INSERT INTO user_account (username, full_name, is_platform_admin, active,"
        " session_version, created_at) VALUES ('root', '管理员', true, true, 1, now())"
        " RETURNING id").fetchone()[0]
    as_owner.commit()
    for victim in (county_it, other, root):
        _in_dongling(as_app, ids)
        _refused(as_app, "INSERT INTO membership (user_id, station_id, role, active,"
                 " created_at) VALUES (%s, %s, 'officer', true, now())",
                 (victim, ids["dongling"]))
        _in_dongling(as_app, ids)
        _refused(as_app, "INSERT INTO invitation (user_id, token_hash, expires_at, created_at)"
                 " VALUES (%s, %s, now() + interval '1 day', now())", (victim, "b" * 64))
        _in_dongling(as_app, ids)
        _nothing_or_refused(as_app, "UPDATE user_account SET active = false WHERE id = %s",
                            (victim,))
    # Someone of 青石 is not 东岭's to send a link to either.
    _in_dongling(as_app, ids)
    _refused(as_app, "INSERT INTO invitation (user_id, token_hash, expires_at, created_at)"
             " VALUES (%s, %s, now() + interval '1 day', now())", (ids["admin"], "c" * 64))
    assert _count(as_owner, "SELECT count(*) FROM user_account WHERE NOT active") == 0


def test_a_running_window_only_counts_on(browser, as_app, as_owner, demo):
    browser.post("/auth/sign-in", {"username": "dongling-admin", "password": "wrong"})
    key = as_owner.execute("SELECT key FROM rate_limit WHERE key LIKE 'signin:address:%'"
                           ).fetchone()[0]
    for change in ("window_start = '2000-01-01'", "window_seconds = 0",
                   "key = key || 'x'", "hits = hits + 5"):
        _refused(as_app, f"UPDATE rate_limit SET {change} WHERE key = %s", (key,))
    assert as_app.execute("UPDATE rate_limit SET hits = hits + 1 WHERE key = %s",
                          (key,)).rowcount == 1  # what counting does
    as_app.commit()
    # Nor is a counter planted ahead, or an expired one rewritten, to give room later.
    _refused(as_app, "INSERT INTO rate_limit VALUES ('signin:address:8.8.8.8', -2000000000,"
             " now() AT TIME ZONE 'UTC', 2000000000)")
    as_owner.execute("UPDATE rate_limit SET window_start = window_start - interval '2 days'"
                     " WHERE key = %s", (key,))
    as_owner.commit()
    _refused(as_app, "UPDATE rate_limit SET hits = -1000000, window_start = now() AT TIME"
             " ZONE 'UTC', window_seconds = 2000000000 WHERE key = %s", (key,))
    assert as_app.execute("UPDATE rate_limit SET hits = 1, window_start = now() AT TIME ZONE"
                          " 'UTC', window_seconds = 900 WHERE key = %s",
                          (key,)).rowcount == 1  # a window that ran out starts again


def test_an_appended_row_takes_its_reserved_id_and_its_own_chain(ids, as_app, as_owner):
    chain = f"station:{ids['dongling']}"
    _refused_as = (errors.InvalidParameterValue,)
    for bad_chain in ("zz-junk", "station:999999", f"county:{ids['other_county']}x",
                      f"station:0{ids['dongling']}"):
        with pytest.raises(_refused_as):
            as_app.execute("SELECT * FROM fengqiao_audit_next(%s)", (bad_chain,))
        as_app.rollback()
    row_id, seq, prev = as_app.execute("SELECT * FROM fengqiao_audit_next(%s)",
                                       (chain,)).fetchone()
    write = ("SELECT fengqiao_audit_write(%s, %s, %s, %s, now()::timestamp, %s, %s, NULL,"
             " NULL, 'forged', NULL, NULL, NULL, NULL, NULL, 'x', 'x')")
    with pytest.raises(_refused_as):  # a later id, to block the next real row
        as_app.execute(write, (row_id + 1, chain, seq, prev, ids["dongling"], ids["county"]))
    as_app.rollback()
    row_id, seq, prev = as_app.execute("SELECT * FROM fengqiao_audit_next(%s)",
                                       (chain,)).fetchone()
    with pytest.raises(_refused_as):  # a row of 青石 in 东岭's chain
        as_app.execute(write, (row_id, chain, seq, prev, ids["qingshi"], ids["county"]))
    as_app.rollback()


def test_a_county_place_is_not_skipped_when_a_station_weighs_who_is_wholly_its_own(
        ids, as_app, as_owner):
    """An auxiliary of 东岭 also taken on by the county bureau is not 东岭's alone: 东岭
    may not send them a link (it would take over a county account)."""
    aux = _count(as_owner, "SELECT id FROM user_account WHERE username = 'dongling-aux'")
    as_owner.execute("INSERT INTO membership (user_id, county_id, role, active, created_at)"
                     " VALUES (%s, %s, 'county_admin', true, now())", (aux, ids["county"]))
    as_owner.commit()
    _in_dongling(as_app, ids)
    assert aux not in {u for (u,) in as_app.execute("SELECT fengqiao_scope_users()")}
    _refused(as_app, "INSERT INTO invitation (user_id, token_hash, expires_at, created_at)"
             " VALUES (%s, %s, now() + interval '1 day', now())", (aux, "d" * 64))


def test_a_station_row_names_its_own_county(ids, as_app):
    chain = f"station:{ids['dongling']}"
    row_id, seq, prev = as_app.execute("SELECT * FROM fengqiao_audit_next(%s)",
                                       (chain,)).fetchone()
    with pytest.raises(errors.InvalidParameterValue):
        as_app.execute("SELECT fengqiao_audit_write(%s, %s, %s, %s, now()::timestamp, %s, %s,"
                       " NULL, NULL, 'forged', NULL, NULL, NULL, NULL, NULL, 'x', 'x')",
                       (row_id, chain, seq, prev, ids["dongling"], ids["other_county"]))
    as_app.rollback()
