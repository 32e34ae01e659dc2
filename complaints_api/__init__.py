"""Yikatong complaints service: citizens' inquiries, complaints, reports and disclosure
requests reach the department responsible and are answered on time.

``create_app(test_config=None)`` is the Flask app factory. Routes (keep these prefixes so a
WSGI dispatcher can mount the static site at ``/`` and this service on the same port):
``/api/v1/…`` (JSON API, OpenAPI at ``/api/v1/openapi.json``), ``/handler/…`` (staff pages),
``/track`` (the citizen's status page) and ``/healthz``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from generator.core.county import load_county
from generator.core.workdays import WorkCalendar

from . import csrf, errors
from .cases import CHINA, CaseService
from .config import SETTINGS, load_settings
from .db import Database, default_sqlite_url
from .limits import init_limits
from .site_chrome import SCRIPT_SRC

# What the service answers on the site's origin: everything under these prefixes, and these
# exact paths. ``/track`` is the no-JavaScript status page; ``/track/`` is the site's own
# 办理查询 page (a static file) and must stay with the site. One rule, used by
# ``complaints_api.dispatch`` (and so by ``yikatong serve``) and by the nginx example.
SERVICE_PREFIXES = ("/api/", "/handler/")
SERVICE_PATHS = ("/handler", "/track", "/healthz")
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " + SCRIPT_SRC + "; "
       "frame-ancestors 'none'; base-uri 'none'")
log = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the service. ``test_config`` overrides settings read from the environment."""
    app = Flask(__name__, instance_relative_config=True)
    test_config = dict(test_config or {})
    app.config.update(load_settings(overrides=test_config))
    app.config.update({k: v for k, v in test_config.items() if k not in {s.name for s in SETTINGS}})
    _configure_session(app)
    db = Database(app.config["DATABASE_URL"] or default_sqlite_url(app.instance_path),
                  app.config["SQLITE_SYNCHRONOUS"])
    if app.config["AUTO_INIT_DB"]:
        db.init()
    service = _make_service(app, db)
    service.duplicate_window = int(app.config["DUPLICATE_WINDOW_SECONDS"])
    service.fingerprint_key = str(app.config["SECRET_KEY"]).encode()
    app.extensions["yikatong"] = service
    app.extensions["yikatong_db"] = db

    from . import api, cli, handler, public, site_chrome
    app.register_blueprint(site_chrome.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(handler.bp)
    app.register_blueprint(public.bp)
    init_limits(app)
    csrf.protect(app)
    errors.register(app)
    cli.register(app)
    _wire_notifications(app, service)
    app.after_request(_security_headers)
    _proxy_fix(app)
    return app


def _wire_notifications(app: Flask, service: CaseService) -> None:
    """Notifications: the event hook, the 督办 pages, the ``notify`` command (issue 14)."""
    from . import escalation, notifications, notify_cli

    service.event_hooks.append(notifications.EventNotifier(service, app.config))
    service.visibility_hooks.append(escalation.visible_to_office(service))
    app.register_blueprint(escalation.bp)
    app.cli.add_command(notify_cli.notify)


def _configure_session(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="yikatong_handler",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=app.config["SESSION_HOURS"]),
        JSON_SORT_KEYS=True,
    )
    app.json.sort_keys = True  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]


def _instance_secret(instance: Path) -> str:
    """One random key shared by every worker, kept in instance/secret_key."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text().strip()
            if key:
                return key
            import time
            time.sleep(0.02)
        raise RuntimeError(f"{path} 为空：请删除后重启，或设置 SECRET_KEY。") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _make_service(app: Flask, db: Database) -> CaseService:
    data_dir = Path(app.config["YIKATONG_DATA"])
    county = load_county(data_dir)
    calendar = WorkCalendar.from_data(data_dir, strict=False)
    fixed = app.config.get("TODAY") or ""

    def today() -> dt.date:
        value = app.config.get("TODAY") or fixed
        if value:
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return dt.datetime.now(CHINA).date()

    return CaseService(db, county, calendar, today)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(("/handler", "/track", "/api/v1/submissions")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _proxy_fix(app: Flask) -> None:
    hops = {key: app.config[f"PROXY_FIX_{key.upper()}"] for key in ("x_for", "x_proto", "x_host", "x_prefix")}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def service_of(app: Flask) -> CaseService:
    return app.extensions["yikatong"]  # type: ignore[no-any-return]
