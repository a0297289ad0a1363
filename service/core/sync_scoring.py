"""In-process scoring for the synchronous drop-in APIs (Perspective, Akismet, Coral)."""
from __future__ import annotations

import threading

from ..config import Settings
from . import jobs
from .policy import effective_policy

# The model is shared by the request threads; scoring itself is stateless but keep one
# model call at a time per process so two big requests do not fight for two cores.
_lock = threading.Lock()


def model(settings: Settings):
    # the synchronous APIs always use the full profile (they answer within the caller's timeout)
    return jobs.get_model(settings.model_dir, "full")


def score_items(settings: Settings, items: list[dict]) -> list[dict]:
    m = model(settings)
    with _lock:
        return m.score_batch(items)


def explain(settings: Settings, item: dict) -> list[dict] | None:
    m = model(settings)
    fn = getattr(m, "explain", None)
    if fn is None:
        return None
    with _lock:
        return fn(item)


def site_policy(settings: Settings, site):
    m = model(settings)
    return effective_policy(m.labels, m.thresholds, site.policy)


def thresholds(settings: Settings) -> dict:
    return model(settings).thresholds or {}
