"""In-process scoring for the synchronous drop-in APIs (Perspective, Akismet, Coral)."""
from __future__ import annotations

import threading
import time

from ..config import Settings
from . import jobs
from .policy import effective_policy

# The model is shared by the request threads; scoring itself is stateless but keep one
# model call at a time per process so two big requests do not fight for two cores.
_lock = threading.Lock()


def model(settings: Settings):
    # the synchronous APIs always use the full profile (they answer within the caller's timeout)
    return jobs.get_model(settings.model_dir, "full", settings.scoring_threads)


def score_items(settings: Settings, items: list[dict], second_stage: bool = True) -> list[dict]:
    """Scores of `items` within the synchronous time budget: the model's second stage (e5)
    reads only what it can finish in `sync_model_budget_ms`; `second_stage=False` skips it
    (Akismet reads only the spam score, which the second stage does not change)."""
    m = model(settings)
    with _lock:
        return Budgeted(m, settings.sync_model_budget_ms, second_stage).score_batch(items)


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


class Budgeted:
    """A model whose scoring calls give the second stage a deadline (what the Coral phase
    hands to the core's `score_comments`).  Everything else is the model's."""

    def __init__(self, model, budget_ms: int, second_stage: bool = True):
        self._model = model
        budget = max(0, budget_ms) / 1000 if second_stage else 0.0
        takes = bool(getattr(model, "takes_deadline", False))

        def wrap(fn):
            if not takes:
                return fn
            return lambda items: fn(items, deadline=time.perf_counter() + budget)

        self.score_batch = wrap(model.score_batch)
        one_pass = getattr(model, "score_batch_with_site_features", None)
        if one_pass is not None:
            self.score_batch_with_site_features = wrap(one_pass)

    def __getattr__(self, name):
        return getattr(self._model, name)
