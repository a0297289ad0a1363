"""Send "please score these comments" after commit — to Celery, or to an in-process worker.

The broker only carries comment ids (JSON). The database is the source of truth: if
a message is lost, the sweeper re-enqueues comments left `received`.

Every Celery task name and queue is defined here: they are the contract between the
processes that send (web tier, CLI) and the workers (`workers/`), which the senders
never import.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, Protocol

log = logging.getLogger("colombe.enqueue")

# Task names (messages are sent by name) and their queues.
SCORE_TASK = "colombe.score_comments"  # queue: settings.scoring_queue ("scoring")
SWEEP_TASK = "colombe.sweep_unscored"  # queue: settings.scoring_queue
DELIVER_TASK = "colombe.deliver_notifications"  # sends the outbox; queue NOTIFY_QUEUE
POLL_BLOGGER_TASK = "colombe.poll_blogger"  # queue NOTIFY_QUEUE
POLL_DISQUS_TASK = "colombe.poll_disqus"  # queue NOTIFY_QUEUE
TRAIN_TASK = "colombe.train_model"  # queue TRAINING_QUEUE
LEARN_SITE_TASK = "colombe.learn_site"  # one site's model (seconds); queue TRAINING_QUEUE
RESCORE_SITE_TASK = "colombe.rescore_site"  # a site's pending queue after a promotion; queue settings.scoring_queue
SITE_LEARNING_CHECK_TASK = "colombe.check_site_learning"  # beat: sites due a run; queue settings.scoring_queue
NOTIFY_QUEUE = "notify"  # slow platform I/O never shares a queue with scoring
TRAINING_QUEUE = "training"  # consumed only by `colombe worker -Q training -c 1`


class Dispatcher(Protocol):
    def score(self, comment_ids: list[int]) -> bool: ...
    def close(self) -> None: ...


def make_producer(broker_url: str):
    """A Celery client used only to publish messages by name (never imports `workers`)."""
    from celery import Celery

    app = Celery("colombe-producer", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        broker_connection_retry_on_startup=True,
        broker_transport_options={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
    )
    return app


class CeleryDispatcher:
    def __init__(self, broker_url: str, queue_name: str = "scoring"):
        self.producer = make_producer(broker_url)
        self.queue_name = queue_name

    def score(self, comment_ids: list[int]) -> bool:
        if not comment_ids:
            return True
        try:
            self.producer.send_task(
                SCORE_TASK,
                args=[list(map(int, comment_ids))],
                queue=self.queue_name,
                serializer="json",
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
            )
            return True
        except Exception as exc:  # broker down: the comments are stored; the sweeper will catch up
            log.warning("enqueue failed; the sweeper will retry", extra={"comment_ids": comment_ids, "error": str(exc)})
            return False

    def close(self) -> None:
        try:
            self.producer.close()
        except Exception:  # pragma: no cover - best effort
            pass


class BufferedCeleryDispatcher(CeleryDispatcher):
    """Groups the ids of many web requests into one message (every `linger_s` or 500 ids).

    The request only appends to a buffer; a flusher thread publishes. A crash loses at
    most the buffer's wake-up messages, never a comment: the comments are committed,
    and the sweeper (or the next task, which claims every waiting comment) scores them.
    """

    def __init__(self, broker_url: str, queue_name: str = "scoring", linger_s: float = 0.01, max_ids: int = 500):
        super().__init__(broker_url, queue_name)
        self.linger_s = linger_s
        self.max_ids = max_ids
        self._buf: list[int] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def score(self, comment_ids: list[int]) -> bool:
        if not comment_ids:
            return True
        with self._lock:
            self._buf.extend(comment_ids)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="colombe-enqueue", daemon=True)
                self._thread.start()
        self._wake.set()
        return True

    def _take(self) -> list[int]:
        with self._lock:
            ids, self._buf = self._buf, []
        return ids

    def _publish(self, ids: list[int]) -> None:
        for start in range(0, len(ids), self.max_ids):
            CeleryDispatcher.score(self, ids[start:start + self.max_ids])

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.5)
            self._wake.clear()
            if self._stop.is_set():
                break
            time.sleep(self.linger_s)  # let concurrent requests join this message
            ids = self._take()
            if ids:
                self._publish(ids)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
        ids = self._take()
        if ids:
            self._publish(ids)
        super().close()


class DeliveryKicker:
    """Deliver on commit (production): after a commit that recorded outbox rows, send one
    `colombe.deliver_notifications` message to the notify queue; the task then sends
    until nothing is due. Kicks closer together than `gap_s` share one message (a
    scoring batch of 500 decisions is one kick; a burst of moderator clicks is a few),
    and the last kick of a burst is never dropped: a thread sends it after the gap.
    A lost message only delays the rows until beat's periodic pass."""

    def __init__(self, broker_url: str, gap_s: float = 0.2):
        self.broker_url = broker_url
        self.gap_s = gap_s
        self._producer = None
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = None

    def kick(self) -> None:
        import os

        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()  # a forked child needs its own thread and connection
                self._producer = None
                self._thread = threading.Thread(target=self._run, name="colombe-deliver-kick", daemon=True)
                self._thread.start()
        self._wanted.set()

    def _send(self) -> None:
        try:
            if self._producer is None:
                self._producer = make_producer(self.broker_url)
            self._producer.send_task(DELIVER_TASK, queue=NOTIFY_QUEUE, serializer="json", retry=True,
                                     retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                                                   "interval_max": 0.5})
        except Exception as exc:  # broker down: beat's periodic pass sends the rows later
            log.warning("delivery kick failed; the periodic pass will send", extra={"error": str(exc)[:200]})

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            self._send()
            time.sleep(self.gap_s)


class InProcessDispatcher:
    """Embedded mode: a scoring thread fed by an in-memory queue, plus a sweeper thread.

    Losing the in-memory queue (crash, restart) loses nothing: comments stay `received`
    in the database and the sweeper (which also runs once at start) re-enqueues them.
    """

    def __init__(self, score_fn: Callable[[list[int]], int], sweep_fn: Callable[[float], list[int]],
                 sweep_after_s: float, sweep_interval_s: float, batch_max: int = 500):
        self.score_fn = score_fn
        self.sweep_fn = sweep_fn
        self.sweep_after_s = sweep_after_s
        self.sweep_interval_s = sweep_interval_s
        self.batch_max = batch_max
        self.q: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> "InProcessDispatcher":
        if not self._threads:
            for target, name in ((self._work, "colombe-scoring"), (self._sweep, "colombe-sweeper")):
                t = threading.Thread(target=target, name=name, daemon=True)
                t.start()
                self._threads.append(t)
        return self

    def score(self, comment_ids: list[int]) -> bool:
        if comment_ids:
            self.q.put(list(comment_ids))
        return True

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                ids = self.q.get(timeout=0.2)
            except queue.Empty:
                continue
            while len(ids) < self.batch_max:  # merge what is waiting into one model call
                try:
                    ids.extend(self.q.get_nowait())
                except queue.Empty:
                    break
            for attempt in range(5):
                try:
                    self.score_fn(ids)
                    break
                except Exception:
                    log.exception("embedded scoring failed", extra={"comment_ids": ids[:50], "attempt": attempt})
                    time.sleep(min(0.5 * 2**attempt, 5))

    def _sweep(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                ids = self.sweep_fn(0.0 if first else self.sweep_after_s)
                if ids:
                    log.info("sweeper re-enqueued unscored comments", extra={"count": len(ids)})
                    self.score(ids)
                first = False
            except Exception:
                log.exception("sweep failed")
            self._stop.wait(self.sweep_interval_s)

    def close(self, timeout: float = 10.0) -> None:
        """Finish the batch in flight, then stop (what is still queued stays `received`)."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
