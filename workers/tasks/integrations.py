"""Integration tasks (queue `notify`): outbox delivery and pollers. Thin wrappers over
`service.integrations`; slow platform I/O never shares a queue with scoring."""
from __future__ import annotations

import logging
import os

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from service.core.enqueue import CeleryDispatcher
from workers.celery_app import settings

log = logging.getLogger("colombe.tasks")

DELIVER_TASK = "colombe.deliver_notifications"
POLL_BLOGGER_TASK = "colombe.poll_blogger"
POLL_DISQUS_TASK = "colombe.poll_disqus"
QUEUE = "notify"

_RETRY = dict(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError),
              retry_backoff=True, retry_backoff_max=60, retry_jitter=True, max_retries=5, ignore_result=True)


def _enqueue(ids):
    cfg = settings()
    return CeleryDispatcher(cfg.broker_url, cfg.scoring_queue).score(ids)


@shared_task(name=DELIVER_TASK, **_RETRY)
def deliver_notifications(limit: int = 100) -> dict:
    """Send the due outbox rows (each row carries its own retry/backoff/dead-letter state)."""
    from service.integrations.outbound import deliver_due

    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        limit = 100
    counts = deliver_due(settings(), limit)
    if any(counts.values()):
        log.info("deliveries", extra={"task": DELIVER_TASK, **counts})
    return counts


def _poll(platform: str) -> dict:
    from service.integrations.pollers import poll_due

    return poll_due(settings(), platform, enqueue=_enqueue)


@shared_task(name=POLL_BLOGGER_TASK, **_RETRY)
def poll_blogger() -> dict:
    return _poll("blogger")


@shared_task(name=POLL_DISQUS_TASK, **_RETRY)
def poll_disqus() -> dict:
    return _poll("disqus")


def _every(env_name: str, default: float, floor: float) -> float:
    try:
        return max(floor, float(os.environ.get(env_name) or default))
    except ValueError:
        return default


# The beat entries fire often; each connection's own interval decides whether it is polled.
BEAT_SCHEDULE = {
    "deliver-notifications": {"task": DELIVER_TASK, "schedule": _every("COLOMBE_NOTIFY_INTERVAL", 5.0, 1.0)},
    "poll-blogger": {"task": POLL_BLOGGER_TASK, "schedule": _every("COLOMBE_POLL_BEAT", 15.0, 1.0)},
    "poll-disqus": {"task": POLL_DISQUS_TASK, "schedule": _every("COLOMBE_POLL_BEAT", 15.0, 1.0)},
}
TASK_ROUTES = {name: {"queue": QUEUE} for name in (DELIVER_TASK, POLL_BLOGGER_TASK, POLL_DISQUS_TASK)}
