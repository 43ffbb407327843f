"""Gunicorn takes its settings from the environment and writes JSON access log lines."""

import importlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def settings(monkeypatch, **env):
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import app.gunicorn_conf

    return importlib.reload(app.gunicorn_conf)


def test_port_workers_and_threads_come_from_the_environment(monkeypatch):
    conf = settings(monkeypatch, PORT="9123", WEB_CONCURRENCY="3", GUNICORN_THREADS="4")
    assert (conf.bind, conf.workers, conf.threads) == ("0.0.0.0:9123", 3, 4)


def test_default_workers_follow_the_cpus_the_process_may_use(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    conf = settings(monkeypatch)
    assert (conf.bind, conf.workers, conf.threads) == ("0.0.0.0:8000", 5, 1)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert settings(monkeypatch).workers == 8


@pytest.fixture
def gunicorn(app, tmp_path):
    """Gunicorn serving the app with the production config, and what it printed."""
    port = free_port()
    env = {
        **os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1", "FENGQIAO_ENV": "development",
        "FENGQIAO_LOG_FORMAT": "json", "FENGQIAO_INSTANCE": str(tmp_path),
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "fengqiao.db"),
    }
    out, err = open(tmp_path / "out", "w+"), open(tmp_path / "err", "w+")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf",
         "app.wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=err,
    )
    try:
        _wait_until_up(port, server)
        yield port, lambda: (Path(out.name).read_text(), Path(err.name).read_text())
    finally:
        server.terminate()
        server.wait(30)
        out.close()
        err.close()


def _wait_until_up(port, server) -> None:
    for _ in range(300):
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not answer")


def test_gunicorn_logs_each_request_as_json_without_its_query_string(gunicorn):
    port, printed = gunicorn
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/readyz?name=%E5%BC%A0%E4%B8%89",
        headers={"X-Request-ID": "probe-1"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - http:// above
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=10)

    # Gunicorn writes the line just after sending the answer: wait for it.
    for _ in range(100):
        out, err = printed()
        if "/no-such-page" in out:
            break
        time.sleep(0.1)
    access = [json.loads(line) for line in out.splitlines()]
    [ready] = [line for line in access if line["request_id"] == "probe-1"]
    assert ready["method"] == "GET" and ready["path"] == "/readyz" and ready["status"] == 200
    assert ready["size"] > 0 and ready["duration_ms"] >= 0 and ready["remote_addr"] == "127.0.0.1"
    assert any(line["path"] == "/no-such-page" and line["status"] == 404 for line in access)
    assert "name=" not in out and "%E5%BC%A0" not in out
    assert all(json.loads(line)["level"] for line in err.splitlines())  # gunicorn's own too
    assert "gunicorn.ctl" not in err  # no control socket under a read-only $HOME


def test_workers_are_recycled_rarely_and_never_together(monkeypatch):
    # At a county's 100 requests a second a worker restarting every thousand requests
    # meant a cold worker somewhere every ten seconds.
    conf = settings(monkeypatch)
    assert conf.max_requests >= 20000
    assert conf.max_requests // 20 <= conf.max_requests_jitter < conf.max_requests // 2
