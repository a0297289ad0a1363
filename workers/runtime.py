"""The worker process's settings (read once from the environment, or set by `make_celery`)."""
from __future__ import annotations

from service.config import Settings

_state: dict = {}


def settings() -> Settings:
    if "settings" not in _state:
        _state["settings"] = Settings.from_env()
    return _state["settings"]


def set_settings(value: Settings) -> None:
    _state["settings"] = value


def enqueue_scoring(ids: list[int]) -> bool:
    """Send comment ids to the scoring queue (from a task that stored comments)."""
    from service.core.enqueue import CeleryDispatcher

    cfg = settings()
    return CeleryDispatcher(cfg.broker_url, cfg.scoring_queue).score(ids)
