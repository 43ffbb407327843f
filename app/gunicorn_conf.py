"""Gunicorn settings for production: ``gunicorn --config python:app.gunicorn_conf app.wsgi:app``.

Everything a deployment changes comes from the environment: PORT, WEB_CONCURRENCY,
GUNICORN_THREADS, FORWARDED_ALLOW_IPS.
"""

import json
import os
from datetime import UTC, datetime
from urllib.parse import urlsplit

from gunicorn import glogging

from app.logs import JsonFormatter

MAX_DEFAULT_WORKERS = 8


def _default_workers() -> int:
    # The CPUs this process may run on (a container's cpuset), not the machine's. A CPU
    # quota (Kubernetes limits) is not visible here: set WEB_CONCURRENCY with it.
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (cpus or 1) + 1, MAX_DEFAULT_WORKERS)


class JsonLogger(glogging.Logger):
    """Access log lines as JSON, like the app's own. Only what tells requests apart, and no
    query string: it can hold the names people search for."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time) -> None:
        headers = {name.lower(): value for name, value in resp.headers}
        status = int(str(resp.status).split(None, 1)[0])
        method = environ.get("REQUEST_METHOD")
        path = urlsplit(environ.get("RAW_URI", "")).path  # as sent, without the query
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": f"{method} {path} {status}",
            "request_id": headers.get("x-request-id"),
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "size": getattr(resp, "sent", None),
            "remote_addr": environ.get("REMOTE_ADDR"),
        }
        self.access_log.info(json.dumps(entry, ensure_ascii=False))


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or _default_workers())
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle each worker after some twenty thousand requests, at staggered moments, so that
# slow memory growth never builds up and the workers never all restart together. Not much
# sooner: a new worker builds the app and its database pool again and serves its first
# pages cold. At a county's 100 requests a second, a thousand meant a worker restarting
# somewhere every ten seconds; twenty thousand is one every three minutes or so.
max_requests = 20000
max_requests_jitter = 2000
# The workers' heartbeat files live in memory: the root filesystem is read-only in Kubernetes.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - gunicorn's own files, one per worker
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
# No control socket (gunicorn 25.1+): it would be created under $HOME, read-only in
# Kubernetes, and the orchestrator manages the workers' lifecycle anyway.
control_socket_disable = True
# The proxies whose X-Forwarded-Proto is believed (the ingress controller's addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Not preloaded: each worker builds the app, and so its database pool, after the fork. A
# pool opened in the master would hand the same connections to every worker.
preload_app = False
accesslog = "-"
errorlog = "-"
logger_class = JsonLogger
proc_name = "fengqiao"
