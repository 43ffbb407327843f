"""The deployment on one machine: two gunicorn servers and two RQ workers, as the Helm
chart runs them, against one PostgreSQL (the app as its unprivileged role) and one Redis,
with the demo county loaded. A bounded load from a second process, while recurring jobs
are enqueued: zero errors, every record and every job accounted for, the audit log whole.
"""

import json
import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import APP_ROLE, FENGQIAO, PG, REDIS_URL, free_port, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
if not (PG and REDIS_URL):
    pytest.skip("needs PostgreSQL and Redis (the second pass of `make test`)",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
OFFICERS = ("dongling-officer", "dongling-admin", "qingshi-officer", "qingshi-admin")
ITERATIONS = 10
JOB_RUNS = 3  # `fengqiao jobs run courtyard.flag_overdue` during the load


@pytest.fixture
def cluster_database():
    """A database of the cluster's own: (owner URL, app URL)."""
    name = f"fengqiao_cluster_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(os.environ["TEST_DATABASE_URL"])
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    owner = admin_url.set(database=name)
    yield (owner.render_as_string(hide_password=False),
           owner.set(username=APP_ROLE, password=None).render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=5) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def test_two_servers_and_two_workers_lose_nothing_under_load(cluster_database, tmp_path):
    owner_url, app_url = cluster_database
    queue = f"cluster-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ, "FENGQIAO_ENV": "production", "SECRET_KEY": uuid.uuid4().hex * 2,
        "SESSION_COOKIE_SECURE": "0", "DATABASE_URL": app_url, "REDIS_URL": REDIS_URL,
        "FENGQIAO_JOB_QUEUE": queue, "FENGQIAO_INSTANCE": str(tmp_path / "instance"),
        "FENGQIAO_LOG_FORMAT": "json", "PYTHONPATH": str(ROOT),
    }
    def fengqiao(*args, **extra):
        done = subprocess.run([FENGQIAO, *args], cwd=ROOT, env={**env, **extra},
                              capture_output=True, text=True)
        assert done.returncode == 0, f"fengqiao {' '.join(args)}: {done.stdout}{done.stderr}"

    fengqiao("db", "upgrade", DATABASE_URL=owner_url, FENGQIAO_APP_ROLE=APP_ROLE)
    fengqiao("demo")

    processes = []

    def start(name, args, **extra):
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the process holds it
        processes.append(subprocess.Popen(args, cwd=ROOT, env={**env, **extra}, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True))

    try:
        servers = []
        for i in (1, 2):
            port = free_port()
            start(f"web{i}", [sys.executable, "-m", "gunicorn", "--config",
                              "python:app.gunicorn_conf", "app.wsgi:app"],
                  PORT=str(port), WEB_CONCURRENCY="2")
            servers.append(f"http://127.0.0.1:{port}")
        for i in (1, 2):
            start(f"worker{i}", [FENGQIAO, "worker"])
        for server in servers:
            wait_until(lambda server=server: _ready(server), 60, f"{server} to be ready")

        owner = create_engine(owner_url)
        with owner.connect() as conn:
            sessions = dict(conn.execute(text(
                "SELECT s.slug, min(c.id) FROM courtyard_session c"
                " JOIN station s ON s.id = c.tenant_id GROUP BY s.slug")).all())
        marker = f"load-{uuid.uuid4().hex[:6]}"
        plan = {
            "servers": servers, "password": "fengqiao-demo", "marker": marker,
            "iterations": ITERATIONS,
            "officers": [{"username": u, "station": u.split("-")[0], "category": "烦心事",
                          "session_id": sessions[u.split("-")[0]]} for u in OFFICERS],
        }
        (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        load = subprocess.Popen([sys.executable, ROOT / "bench" / "cluster_load.py",
                                 "--plan", tmp_path / "plan.json"], stdout=subprocess.PIPE,
                                text=True, start_new_session=True)
        processes.append(load)
        for _ in range(JOB_RUNS):  # jobs enqueued while the servers are busy
            fengqiao("jobs", "run", "courtyard.flag_overdue")
        out, _ = load.communicate(timeout=300)
        result = json.loads(out)
        assert result["errors"] == 0, result["error_samples"]
        assert result["requests"] == len(OFFICERS) * (2 + 4 * ITERATIONS)

        from redis import Redis
        from rq import Queue

        rq_queue = Queue(queue, connection=Redis.from_url(REDIS_URL))
        wait_until(lambda: not (rq_queue.count or rq_queue.started_job_registry.count), 60,
                   "the workers to drain the queue")
        assert rq_queue.failed_job_registry.count == 0

        with owner.connect() as conn:
            recorded = conn.execute(text(
                "SELECT count(*) FROM courtyard_concern WHERE title LIKE :m"),
                {"m": f"{marker} %"}).scalar()
            job_runs = conn.execute(text(
                "SELECT count(*) FROM job_run WHERE job LIKE '%flag_overdue%'")).scalar()
        owner.dispose()
        assert recorded == len(OFFICERS) * ITERATIONS == sum(result["concerns_posted"].values())
        assert job_runs == JOB_RUNS * 2  # 东岭 and 青石 run courtyard talks
        # Concurrent writers on two servers never forked a station's audit chain; the
        # heads published by the app's role hold when the owner checks them.
        fengqiao("audit", "publish")
        fengqiao("audit", "verify", DATABASE_URL=owner_url)
        print(json.dumps(result, ensure_ascii=False))  # the figures, with -s
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
