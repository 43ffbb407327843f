"""Fengqiao core: the app factory."""

import os
import uuid
from pathlib import Path

from flask import Flask, g, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from app import config, request_values
from app.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class BoundedInt(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(overrides: dict | None = None) -> Flask:
    from app import logs

    instance = os.environ.get("FENGQIAO_INSTANCE") or str(ROOT / "instance")
    app = Flask(__name__, instance_path=instance)
    app.config.from_mapping(config.load(app.instance_path, overrides))
    logs.init_app(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["ENV"] == "test":
        from app.passwords import use_test_cost

        use_test_cost()

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # Ids in URLs fit the database's integer: a longer number is a 404, not a 500.
    app.url_map.converters["int"] = BoundedInt
    request_values.init_app(app)  # no control character reaches a view; before any route
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    _init_login(app)
    _init_babel(app)
    _register_models()
    _register_blueprints(app)
    _init_request_hooks(app)

    from app import navigation
    from app.web import errors, filters

    navigation.init_app(app)
    filters.init_app(app)
    errors.init_app(app)
    return app


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def _init_babel(app: Flask) -> None:
    from app.i18n import NAMES, select_locale

    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )

    @app.context_processor
    def _language():
        return {"current_locale": str(get_locale()), "language_names": NAMES}


def _register_models() -> None:
    # Importing the modules maps their models and installs the ORM hooks.
    import app.audit.capture  # noqa: F401
    import app.county.changes  # noqa: F401
    import app.county.models  # noqa: F401
    import app.ground.models  # noqa: F401
    import app.handoffs  # noqa: F401
    import app.modules  # noqa: F401
    import app.rate_limits  # noqa: F401
    import app.station.notices  # noqa: F401
    import app.station_plugin  # noqa: F401
    import app.users  # noqa: F401
    import tenants.row_security  # noqa: F401
    import tenants.scoping  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    import tenants.web
    from app import health
    from app.auth import bp as auth_bp
    from app.county import dashboard as _dashboard  # noqa: F401 - pages of the county console
    from app.county import reports as _reports  # noqa: F401
    from app.county import standings as _standings  # noqa: F401
    from app.county import station_trends as _station_trends  # noqa: F401
    from app.county import targets as _targets  # noqa: F401
    from app.ground import spreadsheets as _ground_spreadsheets  # noqa: F401 - its routes
    from app.ground import views as _ground_views  # noqa: F401 - they add routes
    from app.ground.blueprint import bp as ground_bp
    from app.module_metrics import bp as module_metrics_bp
    from app.station import bp as station_bp
    from app.web import bp as web_bp
    from tenants.console import bp as county_bp
    from tenants.console import register_landing

    health.init_app(app)
    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(station_bp)
    app.register_blueprint(ground_bp)
    app.register_blueprint(county_bp)
    app.register_blueprint(module_metrics_bp)
    register_landing(app)
    tenants.web.init_app(app)

    from app import plugin_host

    plugin_host.init_app(app)  # after the core's routes: a module cannot shadow them

    from app.cli import register_commands

    register_commands(app)


def _init_request_hooks(app: Flask) -> None:
    from app.web.views import places

    # Before every other hook (URL value preprocessors run before before_request), since a
    # station's preprocessor may end the request (sign-in, 404, database down) early.
    @app.url_value_preprocessor
    def _request_id(endpoint, values):
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex

    @app.after_request
    def _headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["HSTS_SECONDS"]:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'",
        )
        return response

    @app.context_processor
    def _shell():
        # Once per request: a page renders several templates (the home page one per
        # module card), and each render asks again.
        if "_user_places" not in g:
            g._user_places = places(current_user) if current_user.is_authenticated else []
        return {"user_places": g._user_places}


@migrate.configure
def _module_migrations(alembic_config):
    # Each installed module keeps its versions in its own folder, on its own branch.
    from flask import current_app

    folders = [str(ROOT / "migrations" / "versions")]
    folders += current_app.extensions["fengqiao.plugins"].migration_folders()
    alembic_config.set_main_option("path_separator", "os")
    alembic_config.set_main_option("version_locations", os.pathsep.join(folders))
    return alembic_config


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")  # composite keys must hold on SQLite too
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
