"""Integration tasks (queue `notify`): send the outbox, poll Blogger and Disqus. Thin
wrappers over `service.integrations`; slow platform I/O never shares a queue with
scoring. Routes and the beat schedule: `workers/schedule.py`."""
from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from service.core.enqueue import DELIVER_TASK, NOTIFY_QUEUE, POLL_BLOGGER_TASK, POLL_DISQUS_TASK
from service.core.periodic import DELIVER_JOB, POLL_BLOGGER_JOB, POLL_DISQUS_JOB, beat_jobs, recorded
from service.integrations.outbox_sender import deliver_due
from service.integrations.pollers import poll_due
from workers.runtime import enqueue_scoring, settings

log = logging.getLogger("colombe.tasks")
DELIVER_BUDGET_S = 60.0  # one task sends for at most this long, then hands over (soft time limit: 240 s)

_RETRY = dict(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError),
              retry_backoff=True, retry_backoff_max=60, retry_jitter=True, max_retries=5, ignore_result=True)


@shared_task(name=DELIVER_TASK, **_RETRY)
def deliver_notifications(limit=None, periodic: bool = False) -> dict:
    """Send the due outbox rows until none is due (each row carries its own
    retry/backoff/dead-letter state). Sent after each commit that records deliveries, and
    by beat (`periodic`) for the retries; a long pass hands over to a new task after
    `DELIVER_BUDGET_S` so the time limits never cut it."""
    cfg = settings()
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100_000):
        limit = None
    if periodic:
        with recorded(cfg, DELIVER_JOB, beat_jobs(cfg)[DELIVER_JOB][1]):
            counts = deliver_due(cfg, limit, time_budget_s=DELIVER_BUDGET_S)
    else:
        counts = deliver_due(cfg, limit, time_budget_s=DELIVER_BUDGET_S)
    if counts.pop("more", 0):
        deliver_notifications.apply_async(queue=NOTIFY_QUEUE)
    if any(counts.values()):
        log.info("deliveries", extra={"task": DELIVER_TASK, **counts})
    return counts


@shared_task(name=POLL_BLOGGER_TASK, **_RETRY)
def poll_blogger() -> dict:
    cfg = settings()
    with recorded(cfg, POLL_BLOGGER_JOB, beat_jobs(cfg)[POLL_BLOGGER_JOB][1]):
        return poll_due(cfg, "blogger", enqueue=enqueue_scoring)


@shared_task(name=POLL_DISQUS_TASK, **_RETRY)
def poll_disqus() -> dict:
    cfg = settings()
    with recorded(cfg, POLL_DISQUS_JOB, beat_jobs(cfg)[POLL_DISQUS_JOB][1]):
        return poll_due(cfg, "disqus", enqueue=enqueue_scoring)
