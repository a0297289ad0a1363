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
        last_poll = 0.0
        while not self._stop.is_set():
            delivery_wakeup.clear()
            try:
                while sum(deliver_due(self.settings).values()):
                    if self._stop.is_set():
                        return
            except Exception:
                log.exception("delivery pass failed")
            if time.monotonic() - last_poll >= min(interval * 2, 30):
                last_poll = time.monotonic()
                try:
                    poll_due(self.settings, enqueue=self.enqueue)
                except Exception:
                    log.exception("poll pass failed")
            delivery_wakeup.wait(interval)

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        delivery_wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
