"""create_app(settings=None): config → extensions → blueprints → background threads.

Every blueprint is registered here, explicitly: this is the list of what the web tier
serves.
"""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask, g, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from . import metrics, moderation
from .api.akismet import bp as akismet_bp
from .api.deliveries import bp as deliveries_bp
from .api.perspective import bp as perspective_bp
from .api.site_models import bp as site_models_bp
from .api.views import bp as api_bp
from .config import Settings
from .db.ids import ID_MAX
from .ops import bp as ops_bp
from .web import json_error
from .webhooks.coral import bp as coral_bp
from .webhooks.generic import bp as webhooks_bp
from .webhooks.wordpress import bp as wordpress_bp

log = logging.getLogger("colombe.http")

BLUEPRINTS = (
    webhooks_bp, wordpress_bp, coral_bp,  # where comments arrive (signed webhooks, Coral's phase)
    api_bp, deliveries_bp,  # the JSON API (+ OpenAPI), the outbox and connections
    site_models_bp,  # a site's own models: versions, promote, rollback
    perspective_bp, akismet_bp,  # drop-in scoring APIs (Perspective, Akismet), scored in-process
    ops_bp,  # /healthz, /readyz, /metrics
)

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
        kwargs.setdefault("max", ID_MAX)
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
    from .core.periodic import SWEEP_JOB, recorded

    if settings.broker_url:
        return BufferedCeleryDispatcher(settings.broker_url, settings.scoring_queue,
                                        linger_s=settings.enqueue_linger_ms / 1000)
    def sweep(older: float) -> list[int]:
        with recorded(settings, SWEEP_JOB, float(settings.sweep_interval_s)):
            return sweep_job(settings, older)

    return InProcessDispatcher(
        score_fn=lambda ids: score_job(settings, ids),
        sweep_fn=sweep,
        sweep_after_s=settings.sweep_after_s,
        sweep_interval_s=settings.sweep_interval_s,
        batch_max=settings.max_batch,
    ).start()


def build_site_jobs(settings: Settings):
    from .core.site_jobs import CelerySiteJobs, InProcessSiteJobs

    return CelerySiteJobs(settings) if settings.broker_url else InProcessSiteJobs(settings)


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
    if settings.trusted_proxies > 0:
        # The client's address, scheme and host as the last N proxies saw them; without this
        # setting X-Forwarded-* are ignored (anyone can send them).
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    metrics.configure(settings.metrics_dir)
    app.extensions["colombe"] = {
        "settings": settings,
        "dispatcher": _make_dispatcher_getter(settings, dispatcher),
        "site_jobs": build_site_jobs(settings),  # site model runs and rescoring (core/site_jobs.py)
    }

    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    moderation.init_app(app)  # the moderator UI: its blueprint, templates and filters
    _start_background(app, settings)
    _install_hooks(app)
    return app


def _warm_model(settings: Settings) -> None:
    """Load the model before the first synchronous request (Coral's phase has a timeout)."""
    from .core import sync_scoring

    try:
        sync_scoring.model(settings)
    except Exception as exc:  # the scoring worker reports model problems; requests will retry the load
        log.warning("model warm-up failed", extra={"error": str(exc)[:300]})


def _coral_configured(settings: Settings) -> bool:
    """Whether a site has a Coral connection: Coral's phase times out after 200 ms by default,
    so the model must not be loaded on its first call (see `webhooks.coral`)."""
    from .integrations.common import coral_connected

    try:
        return coral_connected(settings)
    except Exception:  # database not migrated yet, or unreachable: the first call loads it
        return False


def should_warm_model(settings: Settings) -> bool:
    """Load the model at start: embedded mode, `COLOMBE_WEB_MODEL=eager`, or a Coral connection."""
    if settings.warm_model is not None:
        return settings.warm_model
    if settings.testing:
        return False
    return settings.embedded or settings.web_model == "eager" or _coral_configured(settings)


def _start_background(app: Flask, settings: Settings) -> None:
    """The model warm-up and, in embedded mode, the thread that sends the outbox and runs
    the pollers (production runs those as Celery beat tasks)."""
    state: dict = {}
    # The embedded process scores anyway; a production web tier loads the model only when
    # asked to (COLOMBE_WEB_MODEL=eager) or on the first synchronous scoring call.
    if should_warm_model(settings):
        threading.Thread(target=_warm_model, args=(settings,), name="colombe-model-warmup", daemon=True).start()
    from .core.outbox import set_after_commit

    if settings.broker_url:  # deliver on commit: a moderator's decision leaves at once
        from .core.enqueue import DeliveryKicker

        set_after_commit(DeliveryKicker(settings.broker_url).kick)
    else:  # embedded: the background thread wakes on the same commits (outbox.delivery_wakeup)
        set_after_commit(None)
    background = settings.background_thread
    if background is None:
        background = settings.embedded and not settings.testing
    if background:
        from .integrations.background import IntegrationsThread

        get_dispatcher = app.extensions["colombe"]["dispatcher"]
        state["thread"] = IntegrationsThread(settings, enqueue=lambda ids: get_dispatcher().score(ids)).start()
        if settings.embedded:  # site model runs, checks and rescoring in-process (production: Celery tasks)
            state["site_jobs"] = app.extensions["colombe"]["site_jobs"].start()
    app.extensions["colombe_integrations"] = state


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
        if _wants_html() or (exc.code or 500) < 400:  # pages, and redirects (their Location)
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        # the exception's own headers too: `Allow` on a 405, `Retry-After`, `WWW-Authenticate`
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return json_error(exc.code or 500, code, exc.description or exc.name, headers=headers)

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
