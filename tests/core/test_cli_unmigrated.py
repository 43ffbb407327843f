"""On a database that was never migrated, every command that needs the schema says to run
`fengqiao db upgrade` first, in the user's language, and exits 2: no traceback. The real
`fengqiao` command is run, since the check sits in its command group."""

import os
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import FENGQIAO, PG

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "tenants" / "examples" / "county.yaml")
NEEDS_SCHEMA = [
    ["plugins", "list"],
    ["station", "list"],
    ["user", "create", "--username", "qs-it", "--name", "周建明", "--county", "qingshan",
     "--role", "county_admin"],
    ["tenants", "apply", "--dry-run", EXAMPLE],
    ["jobs", "run", "courtyard.flag_overdue"],
    ["demo"],
    ["audit", "verify"],
]
NO_TABLES = "数据库还没有建表：请先运行 `fengqiao db upgrade`。"


def _env(tmp_path, database_url, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in {"FENGQIAO_LANG", "FENGQIAO_BASE_URL", "REDIS_URL", "DATABASE_URL"}}
    return {**env, "FENGQIAO_ENV": "development", "DATABASE_URL": database_url,
            "FENGQIAO_INSTANCE": str(tmp_path / "instance"), "PYTHONPATH": str(ROOT), **extra}


def _start(args, env):
    return subprocess.Popen([FENGQIAO, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(args, env):
    done = _start(args, env)
    out, err = done.communicate(timeout=120)
    return done.returncode, out, err


def test_commands_on_a_fresh_database_say_to_migrate_first(tmp_path):
    env = _env(tmp_path, f"sqlite:///{tmp_path}/fresh.db")
    running = [(args, _start(args, env)) for args in NEEDS_SCHEMA]  # side by side: quicker
    for args, process in running:
        out, err = process.communicate(timeout=120)
        assert "Traceback" not in out + err, f"{args}: {err}"
        assert process.returncode == 2, f"{args}: {out}{err}"
        assert NO_TABLES in err, f"{args}: {err}"
    code, out, err = _run(["station", "list"], {**env, "FENGQIAO_LANG": "en"})
    assert code == 2
    assert "The database has no tables yet: run `fengqiao db upgrade` first." in err
    # `db` itself works there, and then so does everything else.
    code, out, err = _run(["db", "upgrade"], env)
    assert code == 0, err
    assert _run(["station", "list"], env)[0] == 0
    # A database behind the code (a newer migration not run) is told apart.
    with sqlite3.connect(tmp_path / "fresh.db") as conn:
        conn.execute("DROP TABLE audit_chain")
    code, out, err = _run(["audit", "verify"], env)
    assert code == 2 and "Traceback" not in err
    assert "数据库缺少当前版本所需的表：请先运行 `fengqiao db upgrade`。" in err


@pytest.mark.skipif(not PG, reason="the PostgreSQL pass of `make test` runs this")
def test_an_empty_postgresql_database_says_the_same(tmp_path):
    admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    name = f"fengqiao_empty_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(os.environ["TEST_DATABASE_URL"]).set(database=name)
        env = _env(tmp_path, url.render_as_string(hide_password=False))
        code, out, err = _run(["plugins", "list"], env)
        assert code == 2 and NO_TABLES in err, err
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
