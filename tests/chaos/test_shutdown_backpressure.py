"""Graceful shutdown of workers and web tier (finish in-flight work, no half writes), and
backpressure (503 + Retry-After past the backlog limit, then catching up)."""
from __future__ import annotations

import itertools
import signal
import threading
import time

import pytest
import requests

from tests.chaos.harness import Ledger, audit, comment, report, run_senders, say, signed_post, wait_for


def test_7_graceful_shutdown(stack_factory):
    stack = stack_factory(sweep_after=3, sweep_interval=1)
    worker_a = stack.start_worker(concurrency=1, beat=True, delay=1.5, label="A")
    web = stack.start_web()
    site = stack.create_site()
    ledger = Ledger()
    http = requests.Session()
    for i in range(6):
        assert ledger.deliver(http, stack.base, site, [comment(f"g-{i}-{j}") for j in range(5)])
    injected = [f"{len(ledger.acked)} comments in 6 webhooks; worker A: 1 pool process, 1.5 s per batch"]

    # worker: SIGTERM (warm shutdown) while it holds a batch
    held = wait_for(lambda: stack.held_batches(), 20, 0.05, "worker A holding a batch")
    ids_before = {r.external_id for r in stack.query(
        "SELECT external_id FROM comments WHERE site_id = :s AND status <> 'received'", s=site["id"])}
    worker_a.popen.send_signal(signal.SIGTERM)
    started = time.monotonic()
    try:
        worker_a.popen.wait(30)
    except Exception:  # noqa: BLE001
        pass
    took = time.monotonic() - started
    exited = worker_a.popen.returncode
    scored_after = {r.external_id for r in stack.query(
        "SELECT external_id FROM comments WHERE site_id = :s AND status <> 'received'", s=site["id"])}
    finished = len(scored_after - ids_before)
    injected.append(f"SIGTERM worker A while its pool process {sorted(held)} held a batch of "
                    f"{next(iter(held.values()))}: it exited (code {exited}) after {took:.1f} s, having finished "
                    f"{finished} comment(s) of the batch in flight")
    say(injected[-1])
    assert exited is not None, "the worker did not stop within 30 s of SIGTERM"
    assert finished > 0, "warm shutdown must finish the batch in flight"

    # web: SIGTERM the gunicorn master while 10 senders are posting (a new connection per request)
    counter = itertools.count()
    lock = threading.Lock()
    stopped_at: list[float] = []

    def send(i, session, stop):
        session.headers["Connection"] = "close"
        while not stop.is_set() and web.alive():
            with lock:
                n = next(counter)
            ok = ledger.deliver(session, stack.base, site, [comment(f"w-{i}-{n}")], timeout=35)
            if not ok and stopped_at:  # the web tier is going away: stop knocking
                break

    def stop_web():
        time.sleep(2)
        stopped_at.append(time.monotonic())
        web.popen.send_signal(signal.SIGTERM)

    t = threading.Thread(target=stop_web, daemon=True)
    t.start()
    errors = run_senders(10, 3, send)
    t.join(10)
    assert not errors, errors
    try:
        web.popen.wait(35)
    except Exception:  # noqa: BLE001
        pass
    injected.append(f"SIGTERM gunicorn (pid {web.pid}) while 10 senders were posting; it exited with code "
                    f"{web.popen.returncode} after {time.monotonic() - stopped_at[0]:.1f} s")
    say(injected[-1])
    # restart both tiers and check that everything acknowledged is scored, once
    stack.start_worker(concurrency=2, beat=True, label="B")
    stack.start_web()
    injected.append("started worker B and a new web tier")
    result = audit(stack, site, ledger, wait_s=60)
    report("7. graceful shutdown (SIGTERM worker, web)", injected, result, ledger)
    assert web.popen.returncode is not None
    assert ledger.five_xx() == 0, ledger.statuses
    assert result.unacked_stored == 0, "a comment was stored but its client never got the answer (half write)"
    assert result.lost == 0 and result.duplicated == 0, result.details


def test_8_backpressure(stack_factory):
    limit = 40
    stack = stack_factory(sweep_after=2, sweep_interval=1, backlog_limit=limit)
    stack.start_web()  # no worker yet: nothing is scored, the backlog grows
    site = stack.create_site()
    ledger = Ledger()
    http = requests.Session()
    first_503 = None
    retry_after = None
    for i in range(80):
        before = ledger.statuses.get(503, 0)
        ledger.deliver(http, stack.base, site, [comment(f"bp-{i}")])
        if ledger.statuses.get(503, 0) > before and first_503 is None:
            first_503 = i
            probe = signed_post(http, stack.base, site, comment("bp-probe"))
            retry_after = (probe.status_code, probe.headers.get("Retry-After"), probe.json().get("error"))
    stored = stack.query("SELECT count(*) FROM comments WHERE site_id = :s", s=site["id"])[0][0]
    # the refused ones are retried once the worker has caught up
    stack.start_worker(concurrency=2, beat=True)
    retry = sorted(ledger.gave_up, key=lambda e: int(e.split("-")[1]))
    ledger.gave_up.clear()
    deadline = time.monotonic() + 60
    for ext in retry:
        ledger.deliver(http, stack.base, site, [comment(ext)], retry_until=deadline)
    result = audit(stack, site, ledger, wait_s=60)
    report("8. backpressure", [
        f"COLOMBE_BACKLOG_LIMIT={limit}; no worker running; 80 comments sent one by one",
        f"first 503 at comment #{first_503} ({retry_after}); {stored} stored before the worker started",
        f"worker started; the {len(retry)} refused comments were retried (honouring Retry-After, capped at 1 s)",
    ], result, ledger)
    assert first_503 is not None, "the webhook never pushed back"
    assert retry_after[0] == 503 and retry_after[1] and retry_after[2] == "backlog_full", retry_after
    assert limit <= stored <= limit + 10, f"backlog overshoot: {stored} stored with a limit of {limit}"
    assert ledger.five_xx(allow_503=True) == 0
    assert result.acknowledged == 80 and result.lost == 0 and result.duplicated == 0, result.details

