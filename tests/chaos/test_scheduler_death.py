"""Scenario 9 (issue #15, item 3): the scheduler dies.

Celery beat runs as a child of `colombe worker --beat`, which restarts it when it exits.
Three faults against the production setup (gunicorn, Celery worker, private Redis and
PostgreSQL), with the sweeper every 2 s (so "three intervals" is 6 s):

a) SIGKILL the scheduler: a new one runs within three intervals (repaired), and the
   death is in the worker's log;
b) SIGSTOP the scheduler (alive but hung, which no supervisor sees): /readyz answers 503
   naming the overdue jobs within three intervals (reported), and the metric
   `colombe_periodic_last_run_timestamp_seconds` stops moving; SIGCONT: ready again;
c) the incident of the review: the scheduler is killed, then Redis, while comments keep
   arriving; Redis comes back: the sweeper (in the restarted scheduler) re-sends what the
   broker lost, and no comment is left `received`.
"""
from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import requests

from tests.chaos.harness import Ledger, audit, comment, report, run_senders, say, wait_for

INTERVAL = 2  # COLOMBE_SWEEP_INTERVAL of this scenario


def _beat_pid(worker_pid: int) -> int | None:
    out = subprocess.run(["pgrep", "-P", str(worker_pid)], capture_output=True, text=True).stdout.split()
    for pid in map(int, out):
        try:
            if b"beat" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                return pid
        except FileNotFoundError:
            continue
    return None


def _current_beat(stack) -> int | None:
    for w in reversed(stack.workers):
        if w.alive():
            pid = _beat_pid(w.pid)
            if pid:
                return pid
    return None


def _sweep_stamp(stack) -> float | None:
    text = requests.get(stack.base + "/metrics", timeout=5).text
    m = re.search(r'colombe_periodic_last_run_timestamp_seconds\{job="sweep-unscored"\} ([0-9.e+]+)', text)
    return float(m.group(1)) if m else None


def test_9_scheduler_killed_is_repaired_or_reported(stack_factory):
    stack = stack_factory(sweep_after=2, sweep_interval=INTERVAL)
    stack.start_worker(concurrency=2, beat=True, supervise=True)
    stack.start_web()
    site = stack.create_site()
    events: list[str] = []
    wait_for(lambda: _sweep_stamp(stack) is not None, 90, 0.5, "the first recorded sweep")
    assert requests.get(stack.base + "/readyz", timeout=5).status_code == 200

    # a) SIGKILL: repaired
    beat = _current_beat(stack)
    os.kill(beat, signal.SIGKILL)
    t0 = time.monotonic()
    new_beat = wait_for(lambda: (p := _current_beat(stack)) not in (None, beat) and p, 3 * INTERVAL, 0.1,
                        "a new scheduler within three intervals")
    repaired_s = time.monotonic() - t0
    logged = any("scheduler (celery beat) exited; restarting it" in w.log_text() for w in stack.workers)
    before = _sweep_stamp(stack)
    wait_for(lambda: (_sweep_stamp(stack) or 0) > before, 60, 0.5, "sweeps after the restart")
    events.append(f"a) SIGKILL the scheduler (pid {beat}): a new one (pid {new_beat}) ran after {repaired_s:.1f} s "
                  f"(three intervals: {3 * INTERVAL} s); death logged by the worker: {logged}")
    say(events[-1])
    assert logged

    # b) SIGSTOP: reported
    os.kill(new_beat, signal.SIGSTOP)
    t0 = time.monotonic()
    try:
        wait_for(lambda: requests.get(stack.base + "/readyz", timeout=5).status_code == 503, 3 * INTERVAL + 3, 0.2,
                 "/readyz reports the hung scheduler")
        reported_s = time.monotonic() - t0
        check = requests.get(stack.base + "/readyz", timeout=5).json()["checks"]["scheduler"]
        stamp1 = _sweep_stamp(stack)
        time.sleep(INTERVAL + 1)
        stamp2 = _sweep_stamp(stack)
    finally:
        os.kill(new_beat, signal.SIGCONT)
    wait_for(lambda: requests.get(stack.base + "/readyz", timeout=5).status_code == 200, 60, 0.5, "ready again")
    events.append(f"b) SIGSTOP the scheduler: /readyz 503 after {reported_s:.1f} s ({check[:120]}…); the sweep "
                  f"timestamp stayed at {stamp1} ({'unchanged' if stamp1 == stamp2 else 'moved'}); SIGCONT: ready")
    say(events[-1])
    assert check.startswith("overdue: ") and "sweep-unscored" in check and stamp1 == stamp2

    # c) the incident: scheduler killed, then Redis, while comments arrive
    ledger = Ledger()
    counter = itertools.count()
    lock = threading.Lock()

    def send(i, http, stop):
        while not stop.is_set():
            with lock:
                n = next(counter)
            ledger.deliver(http, stack.base, site, [comment(f"s9-{i}-{n}")])
            time.sleep(0.05)

    def chaos():
        time.sleep(1)
        os.kill(_current_beat(stack), signal.SIGKILL)
        stack.redis.kill()
        events.append(f"c) t=1 s: SIGKILL the scheduler, then the private Redis (queued messages gone); "
                      f"{len(ledger.acked)} comments acknowledged so far")
        say(events[-1])
        time.sleep(4)
        stack.redis.start()
        events.append("   t=5 s: Redis started again, empty")
        say(events[-1])

    t = threading.Thread(target=chaos, daemon=True)
    t.start()
    errors = run_senders(4, 8, send)
    t.join(30)
    assert not errors, errors
    started = time.monotonic()
    result = audit(stack, site, ledger, wait_s=90)
    left = stack.query("SELECT count(*) FROM comments WHERE status = 'received'")[0][0]
    report("9. scheduler killed (and Redis, during the incident)",
           ["sweeper every 2 s; beat is a child of `colombe worker --beat`", *events], result, ledger,
           {"time from last send to all scored": f"{time.monotonic() - started:.1f} s",
            "comments left received": left,
            "worker crashes (restarted by the supervisor)": stack.crashes or "none"})
    assert ledger.five_xx() == 0, ledger.statuses
    assert result.acknowledged == result.sent
    assert result.lost == 0, result.details
    assert left == 0
