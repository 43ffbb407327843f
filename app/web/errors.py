"""Error pages in the user's language, as HTML for people and JSON for the API."""

from contextlib import suppress

from flask import current_app, g, has_request_context, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.logs import describe

RETRY_AFTER_SECONDS = 30


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Please sign in"), _("You need to sign in to see this page.")),
        403: (_("Not allowed"), _("Your role does not allow this action.")),
        404: (_("Page not found"), _("There is no such page, or it is not yours to see.")),
        405: (_("Not allowed"), _("This action cannot be done this way.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("The error has been logged. Please try again later.")),
        503: (_("Service temporarily unavailable"),
              _("The database cannot be reached at the moment. "
                "Please try again in a few minutes.")),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(code: int, detail: str | None = None):
    title, text = _titles().get(code, (str(code), ""))
    if _wants_json():
        return jsonify(error={"code": code, "title": title, "message": detail or text}), code
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def handle_http(exc: HTTPException):
    if exc.response is not None:  # e.g. abort(redirect(...)) from the sign-in guard
        return exc.response
    return _render(exc.code or 500)


def handle_csrf(exc: CSRFError):
    return _render(400, _("The form has expired or was not sent from this site. "
                          "Please reload the page and try again."))


def handle_unexpected(exc: Exception):
    original = getattr(exc, "original_exception", exc)  # an InternalServerError wraps it
    if is_database_outage(original):
        return database_unavailable(original)
    _rollback()
    current_app.logger.exception("unhandled error")
    return _render(500)


# -- the database is down ------------------------------------------------------------------

def is_database_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached, rather than that a query is wrong."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True  # a connection died under us: the server stopped or restarted
    # No statement: no connection could be made at all (refused, timed out, starting up).
    return isinstance(exc, OperationalError) and exc.statement is None


def handle_database_error(exc: DBAPIError):
    if is_database_outage(exc):
        return database_unavailable(exc)
    if current_app.debug:
        raise exc  # a broken query: the debugger shows it, as it would without this handler
    return handle_unexpected(exc)


def database_unavailable(exc: BaseException):
    """The 503 page. Touches nothing that needs the database: no rollback that can raise
    again, and a page without the shell's context processors (the user's places)."""
    _rollback()
    _log_outage(exc)
    title, text = _titles()[503]
    if _wants_json():
        response = jsonify(error={"code": 503, "title": title, "message": text})
    else:
        page = current_app.jinja_env.get_template("errors/unavailable.html").render(
            title=title, text=text, current_locale=str(get_locale())
        )
        response = current_app.response_class(page, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _rollback() -> None:
    # With the connection gone, rolling back may fail too; the session is discarded at
    # the end of the request either way.
    from app.extensions import db

    with suppress(SQLAlchemyError):
        db.session.rollback()


def _log_outage(exc: BaseException) -> None:
    if g.get("database_outage_logged"):
        return
    g.database_outage_logged = True
    current_app.logger.error("database unreachable: %s", describe(exc))


@event.listens_for(Engine, "handle_error")
def _note_outage(context) -> None:
    # Flask-Login's user loader swallows database errors and shows the visitor as signed
    # out: remember the outage so that the request still ends as a 503 (see below), not as
    # a redirect to the sign-in page. A failed pre-ping is not an outage: the pool retries.
    if context.is_pre_ping or not has_request_context():
        return
    exc = context.sqlalchemy_exception
    if exc is not None and is_database_outage(exc):
        g.database_outage = exc


def _outage_wins(response):
    """A request that met a database outage answers 503, whatever became of the error."""
    outage = g.get("database_outage")
    if outage is None or response.status_code == 503:
        return response
    return database_unavailable(outage)


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.after_request(_outage_wins)
    if not app.debug:
        app.register_error_handler(Exception, handle_unexpected)
