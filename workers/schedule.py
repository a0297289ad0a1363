"""Where the workers' tasks run: queues, the beat schedule and time limits.

Built from `Settings` when the Celery app is made (no environment read at import time).
Task names and queues are defined in `service.core.enqueue`.
"""
from __future__ import annotations

from service.config import Settings
from service.core.enqueue import (DELIVER_TASK, LEARN_SITE_TASK, NOTIFY_QUEUE, POLL_BLOGGER_TASK, POLL_DISQUS_TASK,
                                  RESCORE_SITE_TASK, SCORE_TASK, SITE_LEARNING_CHECK_TASK, SWEEP_TASK, TRAIN_TASK,
                                  TRAINING_QUEUE)
from service.core.periodic import beat_jobs

# Training takes minutes to hours: its own limits (a full run on the shared data takes
# about 15 min on 2 cores).
TRAINING_SOFT_TIME_LIMIT = 3 * 3600
TRAINING_TIME_LIMIT = TRAINING_SOFT_TIME_LIMIT + 600
# One site model trains in seconds (5,000 decisions <= 60 s on one core): generous limits.
SITE_LEARN_SOFT_TIME_LIMIT = 1800
SITE_LEARN_TIME_LIMIT = SITE_LEARN_SOFT_TIME_LIMIT + 120
# With acks_late, Redis re-delivers a message still unacknowledged after the transport's
# visibility timeout: it must outlast the longest task.
VISIBILITY_TIMEOUT = TRAINING_TIME_LIMIT + 600


def task_routes(settings: Settings) -> dict:
    return {
        SCORE_TASK: {"queue": settings.scoring_queue},
        SWEEP_TASK: {"queue": settings.scoring_queue},
        **{name: {"queue": NOTIFY_QUEUE} for name in (DELIVER_TASK, POLL_BLOGGER_TASK, POLL_DISQUS_TASK)},
        TRAIN_TASK: {"queue": TRAINING_QUEUE},
        LEARN_SITE_TASK: {"queue": TRAINING_QUEUE},
        RESCORE_SITE_TASK: {"queue": settings.scoring_queue},
        SITE_LEARNING_CHECK_TASK: {"queue": settings.scoring_queue},
    }


def beat_schedule(settings: Settings) -> dict:
    """Periodic tasks, run by `colombe beat` (its own process, or the child that
    `colombe worker --beat` supervises). The poll entries fire often; each connection's own
    interval decides whether it is polled. Each run is recorded (`service.core.periodic`):
    /readyz reports a job overdue by more than three intervals."""
    schedule = {}
    for job, (task, interval) in beat_jobs(settings).items():
        schedule[job] = {"task": task, "schedule": interval}
        if task == DELIVER_TASK:
            schedule[job]["kwargs"] = {"periodic": True}
    return schedule
