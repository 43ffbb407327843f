"""Logging: one JSON object a line in production (plain text in development), each with the
request's id, station and user, and never personal data.

Log lines name things by id: no form bodies, no query strings (they hold the names people
search for), no names or phone numbers.
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_app_context, has_request_context
from flask.logging import default_handler
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError

from tenants.context import current_scope

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
CONTEXT_FIELDS = ("request_id", "station", "station_id", "user_id")


class ContextFilter(logging.Filter):
    """Adds the request id, station and user to every record; drops query strings from
    the development server's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = record.station = record.user_id = None
        scope = current_scope()
        record.station_id = scope.station_id if scope else None  # requests, jobs and CLI
        if has_request_context():
            record.request_id = g.get("request_id")
            record.station = g.get("log_station")
            record.user_id = _loaded_user_id()
        if record.name == "werkzeug" and record.levelno == logging.INFO and record.args:
            # The development server's request line: '"GET /path?query HTTP/1.1" 200 -'.
            record.args = (_QUERY.sub("", str(record.args[0])), *record.args[1:])
        return True


_QUERY = re.compile(r"\?\S*")


def _loaded_user_id() -> int | None:
    # Only a user Flask-Login has already loaded, read without a query: logging must never
    # touch the database (it may be the very thing that is down).
    state = sa_inspect(g.get("_login_user"), raiseerr=False)
    return state.identity[0] if state is not None and state.identity else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({field: getattr(record, field, None) for field in CONTEXT_FIELDS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class AppLogHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record arrives (a redirect, a test's
    capture). Standard error, not output: the CLI prints its results on standard output."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def init_app(app: Flask) -> None:
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    app.logger.removeHandler(default_handler)  # the root's handler writes the app's records
    app.before_request(_remember_station)


def configure(log_format: str, level: str) -> None:
    """Send the app's and every library's records (SQLAlchemy, RQ) through one handler on
    the root logger. Idempotent: the app factory runs many times in one test process."""
    handler = AppLogHandler()
    handler.addFilter(ContextFilter())
    json_lines = log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, AppLogHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # logging.config.fileConfig (Alembic's env.py calls it) disables every logger it does
    # not name, the app's included: after a migration in the same process, enable them.
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False


def _remember_station() -> None:
    # Kept as text now: reading the station row later could query the database.
    station = g.get("station")
    if station is not None:
        g.log_station = station.slug


def describe(exc: BaseException) -> str:
    """The exception's class and the first line of its message, without the SQL statement,
    its parameters or any password: safe for logs and for /readyz."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    text = f"{type(cause).__name__}: {lines[0][:200]}" if lines else type(cause).__name__
    return _without_passwords(text)


def _without_passwords(text: str) -> str:
    if not has_app_context():
        return text
    for key in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL"):
        url = current_app.config.get(key)
        password = urlsplit(url).password if url else None
        if password:
            text = text.replace(password, "***")
    return text
