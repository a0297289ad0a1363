"""Retraining task (queue `training`): thin wrapper over `service.core.training_data.train_job`.

Training takes minutes to hours and a few GB of memory: run it on its own worker,
`colombe worker -Q training -c 1`, ideally on a separate host; scoring workers never
consume this queue (routes and time limits: `workers/schedule.py`).
"""
from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from service.core.enqueue import TRAIN_TASK
from service.core.training_data import train_job
from workers.runtime import settings
from workers.schedule import TRAINING_SOFT_TIME_LIMIT, TRAINING_TIME_LIMIT

log = logging.getLogger("colombe.tasks")


@shared_task(
    name=TRAIN_TASK,
    acks_late=True,
    # a run that kills its worker (out of memory) must not be re-delivered forever
    reject_on_worker_lost=False,
    soft_time_limit=TRAINING_SOFT_TIME_LIMIT,
    time_limit=TRAINING_TIME_LIMIT,
    ignore_result=True,
)
def train_model(site_ids=None, limit_per_dataset=None) -> dict:
    if site_ids is not None and (not isinstance(site_ids, list) or not all(isinstance(s, str) for s in site_ids)):
        log.error("bad task arguments", extra={"task": TRAIN_TASK, "site_ids": str(site_ids)[:200]})
        return {"error": "site_ids must be a list of site ids"}
    if limit_per_dataset is not None and (not isinstance(limit_per_dataset, int) or limit_per_dataset < 1):
        log.error("bad task arguments", extra={"task": TRAIN_TASK, "limit_per_dataset": str(limit_per_dataset)})
        return {"error": "limit_per_dataset must be a positive integer"}
    try:
        result = train_job(settings(), site_ids=site_ids or None, limit_per_dataset=limit_per_dataset)
    except SoftTimeLimitExceeded:
        log.error("training exceeded its time limit", extra={"task": TRAIN_TASK})
        raise
    log.info("task done", extra={"task": TRAIN_TASK, "artifact": result["artifact"],
                                 "decisions": result["decisions"]})
    return result

