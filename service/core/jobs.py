"""Units of background work, shared by Celery tasks and the embedded worker."""
from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import InterfaceError, OperationalError

from ..config import Settings
from ..db.session import session_scope
from .scoring import claim, score_comments, unscored_ids

log = logging.getLogger("colombe.scoring")
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)

_model_lock = threading.Lock()
_models: dict = {}


def get_model(model_dir: str | None, profile: str | None = None, encoder_threads: int | None = None):
    """Load the model once per process and profile (the bundled artifact unless a dir is
    configured; profile None = "full"). Callers with settings use `settings_model`.
    `encoder_threads`: e5's threads, if this is the process's first load of it."""
    from models.registry import resolve_profile

    profile = resolve_profile(profile)
    key = (model_dir or "") if profile == "full" else f"{model_dir or ''}#{profile}"
    model = _models.get(key)
    if model is None:
        with _model_lock:
            model = _models.get(key)
            if model is None:
                from models.encoder import set_e5_threads
                from models.registry import default_model, load_model

                if encoder_threads:     # only before a load: e5 reads its count once per process
                    set_e5_threads(encoder_threads)
                model = load_model(model_dir, profile) if model_dir else default_model(profile)
                _models[key] = model
    return model


def settings_model(settings: Settings):
    """The model scoring uses: `COLOMBE_MODEL_DIR` (or the bundled artifact) with
    `COLOMBE_MODEL_PROFILE`."""
    return get_model(settings.model_dir, settings.model_profile, settings.scoring_threads)


def score_job(settings: Settings, comment_ids: list[int]) -> int:
    model = settings_model(settings)
    try:
        with session_scope(settings.database_url) as session:
            return len(score_comments(session, comment_ids, model, settings.score_prefix_chars,
                                      batch_max=settings.score_batch_max))
    except TRANSIENT:
        raise  # database or broker trouble: the task retries with backoff
    except Exception:
        # One comment the model (or a site rule) chokes on must not hold its batch hostage;
        # with top-up claiming (oldest waiting first) it would otherwise sink every batch.
        log.exception("scoring batch failed; isolating the comment at fault", extra={"comment_ids": comment_ids[:50]})
    with session_scope(settings.database_url) as session:
        ids = [c.id for c in claim(session, comment_ids, settings.score_batch_max)]
    return _score_isolating(settings, model, ids)


def _score_isolating(settings: Settings, model, ids: list[int]) -> int:
    """Score `ids` without top-up, halving on failure; a single comment that still fails
    while the model scores a canary text is held for a moderator (`pending`, reason
    `scoring_error`) so it leaves the `received` pool."""
    if not ids:
        return 0
    try:
        with session_scope(settings.database_url) as session:
            return len(score_comments(session, ids, model, settings.score_prefix_chars, batch_max=0))
    except TRANSIENT:
        raise
    except Exception:
        if len(ids) > 1:
            mid = len(ids) // 2
            return _score_isolating(settings, model, ids[:mid]) + _score_isolating(settings, model, ids[mid:])
        model.score_batch([{"text": "Merci pour cet article."}])  # raises if the model itself is broken
        log.exception("comment cannot be scored; held for a moderator", extra={"comment_ids": ids})
        _hold_unscorable(settings, ids[0])
        return 0


def _hold_unscorable(settings: Settings, comment_id: int) -> None:
    from ..db.tables import PENDING, RECEIVED, Comment
    from .status_changes import change_status

    with session_scope(settings.database_url) as session:
        comment = session.get(Comment, comment_id, with_for_update=True)
        if comment is None or comment.status != RECEIVED:
            return
        comment.priority = 1.0  # unknown risk: show it first
        change_status(session, comment, PENDING, actor="auto", action="hold", reason="scoring_error",
                      note="the model could not score this comment")


def sweep_job(settings: Settings, older_than_s: float, limit: int = 5000) -> list[int]:
    """Comments to re-enqueue; also repairs recent parent links missed after a commit."""
    from .ingest import relink_recent_orphans

    try:
        with session_scope(settings.database_url) as session:
            relink_recent_orphans(session)
    except TRANSIENT:
        log.warning("orphan relink skipped: database unavailable")
    with session_scope(settings.database_url) as session:
        return unscored_ids(session, older_than_s, limit)
