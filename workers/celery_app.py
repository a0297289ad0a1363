"""The only place that builds the Celery app."""
from __future__ import annotations

import importlib
import logging

from celery import Celery, signals

from service.config import Settings

log = logging.getLogger("colombe.worker")
_state: dict = {}
OPTIONAL_TASK_MODULES = ("workers.tasks.integrations", "workers.tasks.training")


def make_celery(settings: Settings | None = None) -> Celery:
    from service import metrics
    from service.core.enqueue import SCORE_TASK, SWEEP_TASK
    from service.logs import configure_logging

    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    metrics.configure(settings.metrics_dir)
    include = ["workers.tasks.scoring", "workers.tasks.sweeper"]
    extra_schedule = {}
    extra_routes = {}
    visibility_timeout = 3600
    for name in OPTIONAL_TASK_MODULES:  # feature task modules, when present
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        include.append(name)
        extra_schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
        extra_routes.update(getattr(module, "TASK_ROUTES", {}))
        # long tasks (training) with acks_late: Redis must not re-deliver them mid-run
        visibility_timeout = max(visibility_timeout, int(getattr(module, "MIN_VISIBILITY_TIMEOUT", 0)))
    app = Celery("colombe", broker=settings.broker_url, include=include)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=300,
        task_soft_time_limit=240,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_default_queue="celery",
        task_routes={SCORE_TASK: {"queue": settings.scoring_queue}, SWEEP_TASK: {"queue": settings.scoring_queue},
                     **extra_routes},
        beat_schedule={
            "sweep-unscored": {"task": SWEEP_TASK, "schedule": float(settings.sweep_interval_s)},
            **extra_schedule,
        },
        broker_transport_options={"visibility_timeout": visibility_timeout},
    )
    _state["settings"] = settings
    _state["app"] = app
    app.set_default()
    return app


def settings() -> Settings:
    if "settings" not in _state:
        _state["settings"] = Settings.from_env()
    return _state["settings"]


@signals.worker_process_init.connect
def _after_fork(**_kwargs):
    """Children must not share the parent's pooled DB connections."""
    from service.db.session import dispose_engines

    dispose_engines()


@signals.worker_ready.connect
def _warm_model(**_kwargs):
    log.info("worker ready")
