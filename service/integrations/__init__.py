"""Platform integrations: drop-in scoring APIs (Perspective, Akismet), inbound platform
webhooks (Coral, WordPress), pollers (Blogger, Disqus), outbound decision delivery
(outbox + retries + dead letters) and history imports (WXR, Blogger export).

`init_app(app)` is called by `service.app.create_app`.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger("colombe.integrations")


def _warm_model(settings) -> None:
    """Load the model before the first synchronous request (Coral's phase has a timeout)."""
    from . import sync_scoring

    try:
        sync_scoring.model(settings)
    except Exception as exc:  # the scoring worker reports model problems; requests will retry the load
        log.warning("model warm-up failed", extra={"error": str(exc)[:300]})


def init_app(app: Flask) -> None:
    from . import akismet, api, coral, perspective, wordpress

    for module in (perspective, akismet, coral, wordpress, api):
        app.register_blueprint(module.bp)
    settings = app.extensions["colombe"]["settings"]
    state: dict = {}
    # The embedded process scores anyway; a production web tier loads the model only when
    # asked to (COLOMBE_WEB_MODEL=eager) or on the first synchronous scoring call.
    warm = settings.embedded or settings.web_model == "eager"
    if settings.extra.get("integrations_warm_model", warm and not settings.testing):
        threading.Thread(target=_warm_model, args=(settings,), name="colombe-model-warmup", daemon=True).start()
    if settings.extra.get("integrations_thread", settings.embedded and not settings.testing):
        from .background import IntegrationsThread

        get_dispatcher = app.extensions["colombe"]["dispatcher"]
        state["thread"] = IntegrationsThread(settings, enqueue=lambda ids: get_dispatcher().score(ids)).start()
    app.extensions["colombe_integrations"] = state
