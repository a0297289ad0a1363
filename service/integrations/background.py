"""Embedded mode: one daemon thread delivers the outbox and runs the pollers.

Production (a broker is configured) uses the Celery beat tasks in
`workers/tasks/integrations.py` instead. The thread wakes up right after a commit that
recorded deliveries (`core.outbox.delivery_wakeup`) and otherwise every
`notify_interval_s` seconds; pollers run when their interval has elapsed.
"""
from __future__ import annotations

import logging
import threading
import time

from ..config import Settings
from ..core.outbox import delivery_wakeup
from ..core.periodic import DELIVER_JOB, POLL_JOB, record_end, record_start, recorded
from .outbox_sender import deliver_due
from .pollers import poll_due

log = logging.getLogger("colombe.integrations")


class IntegrationsThread:
    def __init__(self, settings: Settings, enqueue=None):
        self.settings = settings
        self.enqueue = enqueue
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "IntegrationsThread":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="colombe-integrations", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        interval = self.settings.notify_interval_s
        poll_every = min(interval * 2, 30)
        last_poll = last_record = 0.0
        while not self._stop.is_set():
            seen = delivery_wakeup.generation()   # a commit after this line wakes the wait below
            # a pass woken by a commit is not a periodic run: record at most one per interval
            periodic = time.monotonic() - last_record >= interval
            if periodic:
                last_record = time.monotonic()
                record_start(self.settings, DELIVER_JOB, interval)
            started = time.monotonic()
            error = None
            try:
                while sum(deliver_due(self.settings, time_budget_s=30.0).values()):
                    if self._stop.is_set():
                        return
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.exception("delivery pass failed")
            if periodic:
                record_end(self.settings, DELIVER_JOB, time.monotonic() - started, error)
            if time.monotonic() - last_poll >= poll_every:
                last_poll = time.monotonic()
                try:
                    with recorded(self.settings, POLL_JOB, poll_every):
                        poll_due(self.settings, enqueue=self.enqueue)
                except Exception:
                    log.exception("poll pass failed")
            delivery_wakeup.wait(seen, interval)

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        delivery_wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
