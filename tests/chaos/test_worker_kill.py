"""Scenario 1: SIGKILL a worker while it holds a batch; start another: all scored once."""
from __future__ import annotations

import os
import signal
import time

import pytest
import requests

from tests.chaos.harness import Ledger, audit, comment, report, say, wait_for


def test_1_sigkill_worker_holding_a_batch(stack_factory):
    stack = stack_factory(sweep_after=3, sweep_interval=1)
    # Each batch spends 1.5 s inside the model call with its rows locked, so the kills land mid-batch.
    worker_a = stack.start_worker(concurrency=2, beat=True, delay=1.5, label="A")
    stack.start_web()
    site = stack.create_site()
    ledger = Ledger()
    http = requests.Session()
    for i in range(12):
        assert ledger.deliver(http, stack.base, site, [comment(f"k-{i}-{j}") for j in range(5)])
    injected = [f"{len(ledger.acked)} comments acknowledged in 12 webhooks of 5 (one task each); "
                f"worker A: 2 pool processes, 1.5 s per batch inside the model"]

    # 1) SIGKILL one pool process in the middle of its batch (the worker's main process survives)
    held = wait_for(lambda: stack.held_batches(), 20, 0.05, "a pool process holding a batch")
    child = next(iter(held))
    os.kill(child, signal.SIGKILL)
    injected.append(f"SIGKILL pool process {child} of worker A while it held a batch of {held[child]} comments")
    say(injected[-1])
    (stack.mark_dir / f"{child}.batch").unlink(missing_ok=True)

    # 2) SIGKILL the whole worker A (main process + pool) while a batch is in flight
    time.sleep(0.5)
    held = wait_for(lambda: {p: n for p, n in stack.held_batches().items() if p != child}, 20, 0.05,
                    "worker A holding another batch")
    scored_before = stack.query("SELECT count(*) FROM comments WHERE site_id = :s AND status <> 'received'",
                                s=site["id"])[0][0]
    worker_a.kill_hard()
    for p in held:
        (stack.mark_dir / f"{p}.batch").unlink(missing_ok=True)
    injected.append(f"SIGKILL worker A's whole process group (pid {worker_a.pid}) while pool process(es) "
                    f"{sorted(held)} held a batch; {scored_before} comments were scored at that moment")
    say(injected[-1])

    # 3) another worker (with the sweeper schedule) takes over
    started = time.monotonic()
    stack.start_worker(concurrency=2, beat=True, delay=0.2, label="B")
    injected.append("started worker B (beat + sweeper: re-enqueue comments `received` for more than 3 s)")
    result = audit(stack, site, ledger, wait_s=60)
    report("1. SIGKILL worker holding a batch", injected, result, ledger,
           {"time from worker B start to all scored": f"{time.monotonic() - started:.1f} s"})
    assert result.acknowledged == 60
    assert result.lost == 0, result.details
    assert result.duplicated == 0, result.details


def test_1b_poison_comment_does_not_block_its_batch(stack_factory):
    """One comment the model cannot score must not hold the rest of its batch hostage
    (the sweeper re-sends whole batches of up to 500 ids)."""
    stack = stack_factory(sweep_after=2, sweep_interval=1)
    stack.start_worker(concurrency=2, beat=True, poison="<<POISON>>")
    stack.start_web()
    site = stack.create_site()
    ledger = Ledger()
    http = requests.Session()
    batch = [comment(f"pz-{j}") for j in range(20)]
    batch[7]["text"] = "ce commentaire fait planter le modèle <<POISON>>"
    assert ledger.deliver(http, stack.base, site, batch)
    poison_ext = batch[7]["id"]
    poisoned = {poison_ext: ledger.acked.pop(poison_ext)}  # it cannot be scored; judge the others
    ledger.sent.discard(poison_ext)
    result = audit(stack, site, ledger, wait_s=20)
    status = stack.query("SELECT status FROM comments WHERE id = :i", i=poisoned[poison_ext])[0][0]
    report("1b. poison comment in a batch", [
        "one webhook of 20 comments; the model raises on any batch holding comment #7",
    ], result, ledger, {"the poison comment (not in the table)": f"status {status!r}"})
    assert result.lost == 0, f"innocent comments stuck behind the poison one: {result.details}"
    assert result.duplicated == 0
    assert status == "pending", "the unscorable comment is held for a moderator, not left to sink every batch"
