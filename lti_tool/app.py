"""Application factory: `create_app(config)` builds a fully configured, stateless web application."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from courses.catalogue import Catalogue
from lti_tool import db_outage, errors, i18n, metrics, security_headers
from lti_tool.config import load_settings
from lti_tool.db import Database
from lti_tool.logs import configure_logging, install_request_logging
from lti_tool.state import AppState


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the tool. `config` overrides settings by field name (see lti_tool.config.Settings)."""
    settings = load_settings(config)
    app = Flask(__name__, instance_path=str(settings.instance_path), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=512 * 1024 * 1024,
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_SAMESITE="None" if settings.secure_cookies else "Lax",
        SESSION_COOKIE_PARTITIONED=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        JSON_SORT_KEYS=False,
    )
    app.config.update({k: v for k, v in settings.extra.items() if k.isupper()})
    db = Database(settings.database_url)
    catalogue = Catalogue.from_dirs(settings.courses_dirs)
    app.extensions["mirco"] = AppState(settings=settings, db=db, catalogue=catalogue)
    _share_one_connection_per_request(app, db)

    if settings.proxy_fix:  # trust X-Forwarded-* from exactly this many reverse proxies in front of us
        hops = settings.proxy_fix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,  # type: ignore[method-assign]
                                x_prefix=hops)
    configure_logging(settings.log_json)
    install_request_logging(app, on_response=metrics.observe_request)
    errors.register(app)
    db_outage.init_app(app)
    i18n.init_app(app)
    security_headers.init_app(app)
    from lti_tool.views import catalogue as catalogue_views, health
    from lti_tool.views import library as library_views

    app.register_blueprint(catalogue_views.bp)
    app.register_blueprint(library_views.bp)
    app.register_blueprint(health.bp)
    from lti_tool.lti import register_lti

    register_lti(app)
    from lti_tool.lrs import register_lrs

    register_lrs(app)
    from lti_tool.reports import register_reports

    register_reports(app)
    from lti_tool.views import packages as package_views
    from lti_tool.views.scorm_player import register_scorm_player

    app.register_blueprint(package_views.bp)
    register_scorm_player(app)
    from lti_tool import rate_limits

    rate_limits.init_app(app, settings)  # last: it wraps endpoints registered above
    return app


def _share_one_connection_per_request(app: Flask, db: Database) -> None:
    """The sessions of one request take turns on one database connection (see Database.open_scope)."""

    @app.before_request
    def _open_database_scope() -> None:
        g.mirco_database_scope = db.open_scope()

    @app.teardown_request
    def _close_database_scope(_error: BaseException | None) -> None:
        token = g.pop("mirco_database_scope", None)
        if token is not None:
            db.close_scope(token)
