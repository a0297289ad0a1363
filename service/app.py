"""create_app(settings=None): config → extensions → blueprints."""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask, g, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from .config import Settings
from . import metrics
from .web import json_error

log = logging.getLogger("colombe.http")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}


class DatabaseId(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _make_dispatcher_getter(settings: Settings, dispatcher=None):
    """The dispatcher is created lazily, once per process (after gunicorn's fork)."""
    lock = threading.Lock()
    holder = {"d": dispatcher}

    def get():
        if holder["d"] is None:
            with lock:
                if holder["d"] is None:
                    holder["d"] = build_dispatcher(settings)
        return holder["d"]

    return get


def build_dispatcher(settings: Settings):
    from .core.enqueue import BufferedCeleryDispatcher, InProcessDispatcher
    from .core.jobs import score_job, sweep_job

    if settings.broker_url:
        return BufferedCeleryDispatcher(settings.broker_url, settings.scoring_queue,
                                        linger_s=settings.enqueue_linger_ms / 1000)
    return InProcessDispatcher(
        score_fn=lambda ids: score_job(settings, ids),
        sweep_fn=lambda older: sweep_job(settings, older),
        sweep_after_s=settings.sweep_after_s,
        sweep_interval_s=settings.sweep_interval_s,
        batch_max=settings.max_batch,
    ).start()


def create_app(settings: Settings | None = None, dispatcher=None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    # Every <int:...> in a route is a database id: bounded to 32 bits, so a huge number is a
    # 404 like any unknown id (not a driver overflow).
    app.url_map.converters["int"] = DatabaseId
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        TESTING=settings.testing,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
    )
    app.json.sort_keys = False
    metrics.configure(settings.metrics_dir)
    app.extensions["colombe"] = {
        "settings": settings,
        "dispatcher": _make_dispatcher_getter(settings, dispatcher),
    }

    from .api.views import bp as api_bp
    from .ops import bp as ops_bp
    from .webhooks.generic import bp as webhooks_bp

    app.register_blueprint(webhooks_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(ops_bp)
    _register_optional_blueprints(app)
    _install_hooks(app)
    return app


def _register_optional_blueprints(app: Flask) -> None:
    """Blueprints of other features register themselves here when present."""
    import importlib

    for module_name in ("service.moderation", "service.integrations"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)


def _install_hooks(app: Flask) -> None:
    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        started = g.get("started")
        elapsed = time.perf_counter() - started if started else 0.0
        metrics.request(request.url_rule.rule if request.url_rule else "unmatched", request.method,
                        response.status_code, elapsed)
        if request.path not in ("/metrics", "/healthz"):
            log.info("request", extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "ms": round(elapsed * 1000, 2), "comment_ids": g.get("comment_ids"),
            })
        return response

    @app.teardown_request
    def _close_db(_exc):
        session = g.pop("db", None)
        if session is not None:
            session.close()

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_html():
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        return json_error(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _db_down(exc):
        log.error("database error", extra={"error": str(exc).splitlines()[0][:300]})
        return json_error(503, "database_unavailable", "the database is unavailable; retry later",
                          headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        return json_error(500, "internal_error", "internal error")


def _wants_html() -> bool:
    path = request.path
    if path.startswith(("/api/", "/v1alpha1/", "/1.1/", "/integrations/", "/metrics", "/healthz", "/readyz")):
        return False
    return request.accept_mimetypes.accept_html
