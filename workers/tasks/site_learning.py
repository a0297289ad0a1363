"""Per-site learning tasks: thin wrappers over `service.core.site_learning` / `site_jobs`.

- `colombe.learn_site` (queue `training`): train, shadow-test and maybe promote one
  site's model (seconds; `colombe worker -Q training -c 1`).
- `colombe.rescore_site` (scoring queue): rescore a site's pending queue after a
  promotion or a rollback.
- `colombe.check_site_learning` (beat, scoring queue): start the runs that are due and
  rescore pending queues left with an old site model version.
"""
from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from service import metrics
from service.core.enqueue import LEARN_SITE_TASK, RESCORE_SITE_TASK, SITE_LEARNING_CHECK_TASK
from workers.runtime import settings
from workers.schedule import SITE_LEARN_SOFT_TIME_LIMIT, SITE_LEARN_TIME_LIMIT

log = logging.getLogger("colombe.tasks")
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


def _site_arg(task: str, site_id) -> bool:
    if not isinstance(site_id, str) or not 0 < len(site_id) <= 32:
        log.error("bad task arguments", extra={"task": task, "site_id": str(site_id)[:100]})
        return False
    return True


@shared_task(name=LEARN_SITE_TASK, acks_late=True, reject_on_worker_lost=False, ignore_result=True,
             soft_time_limit=SITE_LEARN_SOFT_TIME_LIMIT, time_limit=SITE_LEARN_TIME_LIMIT)
def learn_site(site_id) -> dict:
    if not _site_arg(LEARN_SITE_TASK, site_id):
        return {"error": "site_id must be a site id"}
    from service.core.site_learning import UnknownSite, learn_site as run

    try:
        result = run(settings(), site_id)
    except UnknownSite as exc:
        log.warning("site learning for an unknown site", extra={"site_id": site_id, "error": str(exc)})
        return {"error": str(exc)}
    except Exception:
        metrics.task_failure(LEARN_SITE_TASK)
        raise
    log.info("task done", extra={"task": LEARN_SITE_TASK, "site_id": site_id,
                                 "candidate_version": result.get("candidate_version"),
                                 "promoted": result.get("promoted")})
    return {k: result.get(k) for k in ("site_id", "candidate_version", "live_version", "promoted", "reason")}


@shared_task(name=RESCORE_SITE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True,
             autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=60, max_retries=10)
def rescore_site(self, site_id) -> int:
    if not _site_arg(RESCORE_SITE_TASK, site_id):
        return 0
    from service.core.jobs import settings_model
    from service.core.site_rescoring import rescore_pending

    cfg = settings()
    try:
        n = rescore_pending(cfg, site_id, settings_model(cfg))
    except TRANSIENT:
        raise
    except Exception:
        metrics.task_failure(RESCORE_SITE_TASK)
        raise
    log.info("task done", extra={"task": RESCORE_SITE_TASK, "site_id": site_id, "rescored": n})
    return n


@shared_task(name=SITE_LEARNING_CHECK_TASK, acks_late=True, ignore_result=True)
def check_site_learning() -> dict:
    from service.core.jobs import settings_model
    from service.core.site_jobs import CelerySiteJobs, check_sites

    from service.core.periodic import SITE_LEARNING_JOB, recorded

    cfg = settings()
    jobs = CelerySiteJobs(cfg)
    try:
        with recorded(cfg, SITE_LEARNING_JOB, max(1.0, cfg.site_learn_check_s)):
            return check_sites(cfg, jobs.learn, jobs.rescore, settings_model(cfg).version)
    finally:
        jobs.close()
