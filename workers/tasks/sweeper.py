"""Periodic: re-enqueue comments left `received` (a lost message only delays a comment)."""
from __future__ import annotations

import logging

from celery import shared_task

from service.core.enqueue import SWEEP_TASK, CeleryDispatcher
from service.core.jobs import sweep_job
from service.core.periodic import SWEEP_JOB, recorded
from workers.runtime import settings

log = logging.getLogger("colombe.tasks")


@shared_task(name=SWEEP_TASK, acks_late=True, ignore_result=True)
def sweep_unscored() -> int:
    cfg = settings()
    with recorded(cfg, SWEEP_JOB, float(cfg.sweep_interval_s)):
        ids = sweep_job(cfg, cfg.sweep_after_s)
    if ids:
        dispatcher = CeleryDispatcher(cfg.broker_url, cfg.scoring_queue)
        for start in range(0, len(ids), 500):
            dispatcher.score(ids[start:start + 500])
        log.info("sweeper re-enqueued", extra={"count": len(ids)})
    return len(ids)
