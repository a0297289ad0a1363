"""Thin task: ids in, core function does the work."""
from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from service import metrics
from service.core.enqueue import SCORE_TASK
from service.core.jobs import score_job
from workers.runtime import settings

log = logging.getLogger("colombe.tasks")


@shared_task(
    name=SCORE_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=10,
)
def score_comments(self, comment_ids: list[int]) -> int:
    if not isinstance(comment_ids, list) or not all(isinstance(i, int) for i in comment_ids):
        log.error("bad task arguments", extra={"args": str(comment_ids)[:200]})
        return 0
    try:
        n = score_job(settings(), comment_ids)
    except Exception:
        metrics.task_failure(SCORE_TASK)
        raise
    log.info("task done", extra={"task": SCORE_TASK, "comment_ids": comment_ids[:100], "scored": n})
    return n
