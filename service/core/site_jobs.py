"""When site models train and rescore: the periodic check, and where the work runs.

Every `COLOMBE_SITE_LEARN_CHECK` seconds the check counts each site's new labels (human
decisions, Akismet and Perspective labels) since its previous count; a site with at least
N of them since its last run (`every_n`, else `COLOMBE_SITE_LEARN_EVERY`) gets a run. It
also finds pending queues left with an old site model version (a rescoring cut short) and
rescores them.

Where the work runs: production sends tasks by name (`colombe.learn_site` on the
`training` queue, `colombe.rescore_site` on the scoring queue, the check from beat);
embedded mode runs both in one in-process thread (`InProcessSiteJobs`).
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from sqlalchemy import select

from ..db.session import session_scope
from ..db.tables import Site
from .enqueue import LEARN_SITE_TASK, RESCORE_SITE_TASK, TRAINING_QUEUE, make_producer
from .periodic import SITE_LEARNING_JOB, recorded
from .site_labels import check_window, count_new_labels
from .site_models import learning_row

log = logging.getLogger("colombe.site_jobs")


def check_sites(settings, learn: Callable[[str], object], rescore: Callable[[str], object],
                global_version: str | None = None) -> dict:
    """Count new labels per site; start the runs that are due; rescore stale pending queues."""
    window = check_window()
    due = []
    with session_scope(settings.database_url) as s:
        site_ids = list(s.scalars(select(Site.id).order_by(Site.id)))
    for site_id in site_ids:  # one short transaction per site
        with session_scope(settings.database_url) as s:
            state = learning_row(s, site_id, lock="update")
            state.new_labels = (state.new_labels or 0) + count_new_labels(s, site_id, state.checked_at, window)
            state.checked_at = window
            every = state.every_n or settings.site_learn_every
            if settings.site_learning and every > 0 and state.new_labels >= every and state.running_since is None:
                due.append(site_id)
                state.new_labels = 0  # a lost run is retried after the next N labels
    for site_id in due:
        log.info("site model run due", extra={"site_id": site_id})
        learn(site_id)
    stale = []
    if global_version:
        from .site_rescoring import stale_pending_sites

        with session_scope(settings.database_url) as s:
            stale = stale_pending_sites(s, global_version)
        for site_id in stale:
            rescore(site_id)
    return {"due": due, "stale": stale}


class CelerySiteJobs:
    """Production: the work goes to the workers by task name (JSON arguments)."""

    def __init__(self, settings):
        self.settings = settings
        self._producer = None
        self._lock = threading.Lock()

    def _send(self, name: str, args: list, queue_name: str) -> bool:
        with self._lock:
            if self._producer is None:
                self._producer = make_producer(self.settings.broker_url)
        try:
            self._producer.send_task(name, args=args, queue=queue_name, serializer="json", retry=True,
                                     retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2})
            return True
        except Exception as exc:  # the periodic check finds the stale queue again
            log.warning("could not send a site learning task", extra={"task": name, "error": str(exc)[:200]})
            return False

    def learn(self, site_id: str) -> bool:
        return self._send(LEARN_SITE_TASK, [site_id], TRAINING_QUEUE)

    def rescore(self, site_id: str) -> bool:
        return self._send(RESCORE_SITE_TASK, [site_id], self.settings.scoring_queue)

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()


class InProcessSiteJobs:
    """Embedded mode: one thread runs the periodic check and the runs / rescorings it
    queues, one at a time. Unstarted (tests), `rescore` runs inline and `learn` queues."""

    def __init__(self, settings, model_getter=None):
        self.settings = settings
        self.model_getter = model_getter
        self.q: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "InProcessSiteJobs":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="colombe-site-learning", daemon=True)
            self._thread.start()
        return self

    def _model(self):
        if self.model_getter is not None:
            return self.model_getter()
        from .jobs import settings_model

        return settings_model(self.settings)

    def learn(self, site_id: str) -> bool:
        self.q.put(("learn", site_id))
        return True

    def rescore(self, site_id: str) -> bool:
        if self._thread is None:
            self._do("rescore", site_id)
        else:
            self.q.put(("rescore", site_id))
        return True

    def _do(self, kind: str, site_id: str) -> None:
        try:
            if kind == "learn":
                from .site_learning import learn_site

                learn_site(self.settings, site_id, model=self._model())
            else:
                from .site_rescoring import rescore_pending

                rescore_pending(self.settings, site_id, self._model())
        except Exception:
            log.exception("site learning job failed", extra={"job": kind, "site_id": site_id})

    def _run(self) -> None:
        next_check = 0.0
        import time

        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_check:
                every = max(1.0, self.settings.site_learn_check_s)
                next_check = now + every
                try:
                    with recorded(self.settings, SITE_LEARNING_JOB, every):
                        check_sites(self.settings, self.learn, lambda site: self.q.put(("rescore", site)),
                                    self._model().version)
                except Exception:
                    log.exception("site learning check failed")
            try:
                kind, site_id = self.q.get(timeout=0.5)
            except queue.Empty:
                continue
            self._do(kind, site_id)

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
