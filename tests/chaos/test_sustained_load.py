"""Scenario 6: 50 concurrent senders for 60 s against the production setup
(gunicorn with 2 web workers + a Celery worker with 2 pool processes): zero 5xx, zero lost.

COLOMBE_CHAOS_LOAD_SECONDS and COLOMBE_CHAOS_LOAD_SENDERS shorten or widen it.
"""
from __future__ import annotations

import itertools
import os
import threading
import time

import pytest

from tests.chaos.harness import Ledger, audit, comment, report, run_senders


SECONDS = float(os.environ.get("COLOMBE_CHAOS_LOAD_SECONDS", "60"))
SENDERS = int(os.environ.get("COLOMBE_CHAOS_LOAD_SENDERS", "50"))


def test_6_sustained_load(stack_factory):
    stack = stack_factory(sweep_after=30, sweep_interval=5, web_workers=2)
    stack.start_worker(concurrency=2, beat=True)
    stack.start_web()
    sites = [stack.create_site(f"Blog {n}") for n in range(3)]
    ledger = Ledger()
    counter = itertools.count()
    lock = threading.Lock()

    def send(i, http, stop):
        site = sites[i % len(sites)]
        while not stop.is_set():
            with lock:
                n = next(counter)
            # mostly single comments, every 10th webhook a batch of 5, with replies to earlier comments
            if n % 10 == 0:
                batch = [comment(f"L-{n}-{j}", parent_id=f"L-{n}-0" if j else None) for j in range(5)]
                for c in batch:
                    if c.get("parent_id") is None:
                        c.pop("parent_id")
            else:
                batch = [comment(f"L-{n}")]
            ledger.deliver(http, stack.base, site, batch)
            time.sleep(0.05)

    started = time.monotonic()
    errors = run_senders(SENDERS, SECONDS, send)
    sent_for = time.monotonic() - started
    assert not errors, errors
    drain_started = time.monotonic()
    total = audit(stack, sites, ledger, wait_s=120)
    drained = time.monotonic() - drain_started
    requests_done = sum(ledger.statuses.values())
    report(f"6. sustained load ({SENDERS} senders, {SECONDS:.0f} s)",
           [f"{SENDERS} concurrent senders (threads, keep-alive) for {sent_for:.0f} s against gunicorn (2 web "
            f"workers x 4 threads) + 1 Celery worker (2 pool processes), 3 sites; every 10th webhook a batch of "
            f"5 with replies; 50 ms pause between a sender's webhooks"],
           total, ledger,
           {"throughput": f"{requests_done / sent_for:.0f} webhooks/s, {total.acknowledged / sent_for:.0f} comments/s",
            "time from last send to all scored": f"{drained:.1f} s"})
    assert ledger.five_xx() == 0, ledger.statuses
    assert total.acknowledged == total.sent, ledger.statuses
    assert total.lost == 0, total.details
    assert total.duplicated == 0, total.details

