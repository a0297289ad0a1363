"""Units of background work, shared by Celery tasks and the embedded worker."""
from __future__ import annotations

import threading

from ..config import Settings
from ..db.session import session_scope
from .scoring import score_comments, unscored_ids

_model_lock = threading.Lock()
_models: dict = {}


def get_model(model_dir: str | None):
    """Load the model once per process (the bundled artifact unless a dir is configured)."""
    key = model_dir or ""
    model = _models.get(key)
    if model is None:
        with _model_lock:
            model = _models.get(key)
            if model is None:
                from models.registry import default_model, load_model

                model = load_model(model_dir) if model_dir else default_model()
                _models[key] = model
    return model


def score_job(settings: Settings, comment_ids: list[int]) -> int:
    model = get_model(settings.model_dir)
    with session_scope(settings.database_url) as session:
        return len(score_comments(session, comment_ids, model, settings.score_prefix_chars,
                                  batch_max=settings.score_batch_max))


def sweep_job(settings: Settings, older_than_s: float, limit: int = 5000) -> list[int]:
    with session_scope(settings.database_url) as session:
        return unscored_ids(session, older_than_s, limit)
