"""What every request pays before a page's own work: the statements a signed-in
officer's station page sends the database, no pre-ping of a connection in use, one
setting of the tenant context, and templates that find their catalogue once."""

import re
from contextlib import contextmanager

import pytest
from flask import render_template_string
from sqlalchemy import text

from app import config
from tests.conftest import APP_ROLE, PG, statements_run

PAGE = "/s/dongling/notices"


@contextmanager
def recorded(app, monkeypatch):
    """The statements sent meanwhile, in order. On PostgreSQL every one the driver sends,
    those past SQLAlchemy's cursor too (the tenant setting, a ping)."""
    seen: list[str] = []
    if PG:
        import psycopg

        real = psycopg.Cursor.execute

        def execute(self, query, *args, **kwargs):
            seen.append(str(query))
            return real(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", execute)
        yield seen
        monkeypatch.setattr(psycopg.Cursor, "execute", real)
        return
    with statements_run(app) as seen:
        yield seen


def kinds(statements: list[str]) -> list[str]:
    """Each statement by what it is: the tenant setting, a ping, or its first table."""
    out = []
    for sql in statements:
        if "set_config" in sql:
            out.append("set_config")
        elif sql.strip() in (";", "SELECT 1"):
            out.append("ping")
        else:
            out.append(_outer_from(sql))
    return out


def _outer_from(sql: str) -> str:
    """The first table of the statement's own FROM, not of a subquery in its columns (a
    FROM that is itself a subquery: the first table in that)."""
    depth = 0
    for match in re.finditer(r"[()]|\bFROM\b", sql):
        if match.group(0) == "(":
            depth += 1
        elif match.group(0) == ")":
            depth -= 1
        elif depth == 0:
            rest = sql[match.end():].lstrip()
            if rest.startswith("("):
                return re.search(r"\bFROM\s+\"?(\w+)", rest).group(1)
            return re.match(r"\"?(\w+)", rest).group(1)
    raise AssertionError(f"no FROM in {sql[:80]}")


# Who is signed in with a session still alive (one query), and the station with its
# county and the user's role there (one query). On PostgreSQL the transaction first sets
# the empty scope (it hides anything left at the session level on a pooled connection),
# then the station's, once.
_SET = ["set_config"] if PG else []
BEFORE_THE_PAGE = [*_SET, "user_account", "station", *_SET]


def test_a_station_page_pays_two_round_trips_before_its_own_work_four_on_postgresql(
        make_browser, demo, app, monkeypatch):
    officer = make_browser("dongling-officer")
    assert officer.get(PAGE).status_code == 200  # the pool holds a connection now
    with recorded(app, monkeypatch) as seen:
        assert officer.get(PAGE).status_code == 200
    assert kinds(seen) == [
        *BEFORE_THE_PAGE,
        "station_notice", "station_notice",  # the page: its notices, counted and listed
        "membership",  # the shell: the user's places
        "station_plugin",  # the menu: the station's modules
    ]
    station = seen[kinds(seen).index("station")]
    assert "JOIN county" in station and station.count("FROM membership") == 2  # own, county
    user = seen[kinds(seen).index("user_account")]
    assert "JOIN user_session" in user and "ended_at IS NULL" in user
    places = seen[kinds(seen).index("membership")]
    assert "JOIN station" in places and "JOIN county" in places  # the names with them


def test_a_module_page_reads_the_modules_once_for_the_gate_and_the_page(
        make_browser, demo, app, monkeypatch):
    officer = make_browser("dongling-officer")
    path = "/s/dongling/courtyard/"
    assert officer.get(path).status_code == 200
    with recorded(app, monkeypatch) as seen:
        assert officer.get(path).status_code == 200
    done = kinds(seen)
    assert done[:len(BEFORE_THE_PAGE)] == BEFORE_THE_PAGE
    assert done[len(BEFORE_THE_PAGE)] == "station_plugin"  # the gate, first
    assert done.count("station_plugin") == 1 and done.count("set_config") == 2 * int(PG)
    assert "ping" not in done


# -- dead connections: only an idle one is checked before use -----------------------------

def _kill_the_apps_connections(owner_engine) -> None:
    with owner_engine.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND usename = :role"), {"role": APP_ROLE})
        conn.commit()


postgres_only = pytest.mark.skipif(not PG, reason="a server to lose: PostgreSQL's pass")


@postgres_only
def test_an_idle_connection_is_checked_first_and_a_dead_one_replaced_unseen(
        make_browser, demo, app, owner_engine, monkeypatch):
    officer = make_browser("dongling-officer")
    assert officer.get(PAGE).status_code == 200
    _kill_the_apps_connections(owner_engine)  # the server restarted, say, while idle
    monkeypatch.setattr(config, "PING_AFTER_IDLE_SECONDS", -1.0)  # idle long enough
    with recorded(app, monkeypatch) as seen:
        response = officer.get(PAGE)
    assert response.status_code == 200
    # The dead one's ping, then a new connection's first transaction.
    assert kinds(seen)[:3] == ["ping", "set_config", "user_account"]


@postgres_only
def test_a_connection_dead_just_after_use_fails_one_request_then_the_pool_reconnects(
        make_browser, demo, app, owner_engine):
    officer = make_browser("dongling-officer")
    assert officer.get(PAGE).status_code == 200
    _kill_the_apps_connections(owner_engine)
    assert officer.get(PAGE).status_code == 503  # used a moment ago: trusted, and dead
    assert officer.get(PAGE).status_code == 200  # the pool was emptied: new connections


# -- templates find their catalogue once per render ----------------------------------------

TRANSLATED = (
    '{{ _("Sign out") }}|{{ gettext("Sign out") }}|{{ _("<%(who)s>", who="<b>") }}|'
    '{{ ngettext("%(num)d station", "%(num)d stations", 3) }}|'
    '{{ pgettext("date range", "From") }}|'
    '{{ npgettext("date range", "%(num)d day", "%(num)d days", 2) }}|'
    '{% trans n=2 %}{{ n }} things{% endtrans %}'
)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_templates_say_what_flask_babels_gettext_says(app, language):
    with app.test_request_context("/", headers={"Cookie": f"fengqiao_lang={language}"}):
        ours = render_template_string(TRANSLATED)
        babels = app.jinja_env.from_string(TRANSLATED).render()  # no render hook
    assert ours == babels
    assert ("退出登录" in ours) == (language == "zh") and "<&lt;b&gt;>" in ours


def test_a_template_looks_its_catalogue_up_once_not_once_per_string(app, monkeypatch):
    import flask_babel

    lookups = []
    real = flask_babel.Domain.get_translations

    def counted(self):
        lookups.append(1)
        return real(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    with app.test_request_context("/"):
        page = render_template_string("{% for i in range(100) %}{{ _('Sign out') }}{% endfor %}")
    assert page == "退出登录" * 100
    assert len(lookups) == 1
