"""Integration tasks (queue `notify`): send the outbox, poll Blogger and Disqus. Thin
wrappers over `service.integrations`; slow platform I/O never shares a queue with
scoring. Routes and the beat schedule: `workers/schedule.py`."""
from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from service.core.enqueue import DELIVER_TASK, POLL_BLOGGER_TASK, POLL_DISQUS_TASK
from service.integrations.outbox_sender import deliver_due
from service.integrations.pollers import poll_due
from workers.runtime import enqueue_scoring, settings

log = logging.getLogger("colombe.tasks")

_RETRY = dict(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError),
              retry_backoff=True, retry_backoff_max=60, retry_jitter=True, max_retries=5, ignore_result=True)


@shared_task(name=DELIVER_TASK, **_RETRY)
def deliver_notifications(limit: int = 100) -> dict:
    """Send the due outbox rows (each row carries its own retry/backoff/dead-letter state)."""
    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        limit = 100
    counts = deliver_due(settings(), limit)
    if any(counts.values()):
        log.info("deliveries", extra={"task": DELIVER_TASK, **counts})
    return counts


@shared_task(name=POLL_BLOGGER_TASK, **_RETRY)
def poll_blogger() -> dict:
    return poll_due(settings(), "blogger", enqueue=enqueue_scoring)


@shared_task(name=POLL_DISQUS_TASK, **_RETRY)
def poll_disqus() -> dict:
    return poll_due(settings(), "disqus", enqueue=enqueue_scoring)
