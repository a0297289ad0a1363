"""The only place that builds the Celery app."""
from __future__ import annotations

import logging

from celery import Celery, signals

from service import metrics
from service.config import Settings
from service.core import outbox
from service.core.enqueue import DeliveryKicker
from service.logs import configure_logging

from . import runtime
from .runtime import settings  # noqa: F401  (re-exported: the worker's settings)
from .schedule import VISIBILITY_TIMEOUT, beat_schedule, task_routes
from .tasks import integrations, scoring, site_learning, sweeper, training

# Every task module: importing them registers their tasks (`shared_task`) on the app.
TASK_MODULES = (scoring, sweeper, integrations, training, site_learning)

log = logging.getLogger("colombe.worker")
_state: dict = {}


def make_celery(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    metrics.configure(settings.metrics_dir)
    app = Celery("colombe", broker=settings.broker_url, include=[m.__name__ for m in TASK_MODULES])
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
        task_routes=task_routes(settings),
        beat_schedule=beat_schedule(settings),
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    )
    runtime.set_settings(settings)
    # deliver on commit: scoring decisions leave as soon as their batch commits
    outbox.set_after_commit(DeliveryKicker(settings.broker_url).kick)
    _state["app"] = app
    app.set_default()
    return app


@signals.worker_process_init.connect
def _after_fork(**_kwargs):
    """Children must not share the parent's pooled DB connections."""
    from service.db.session import dispose_engines

    dispose_engines()


@signals.worker_ready.connect
def _warm_model(**_kwargs):
    log.info("worker ready")
