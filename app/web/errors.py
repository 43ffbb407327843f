"""Error pages in the user's language, as HTML for people and JSON for the API."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Please sign in"), _("You need to sign in to see this page.")),
        403: (_("Not allowed"), _("Your role does not allow this action.")),
        404: (_("Page not found"), _("There is no such page, or it is not yours to see.")),
        405: (_("Not allowed"), _("This action cannot be done this way.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("The error has been logged. Please try again later.")),
    }


def _render(code: int, detail: str | None = None):
    title, text = _titles().get(code, (str(code), ""))
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
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
    from flask import current_app

    from app.extensions import db

    db.session.rollback()
    current_app.logger.exception("unhandled error")
    return _render(500)


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
    if not app.debug:
        app.register_error_handler(Exception, handle_unexpected)
