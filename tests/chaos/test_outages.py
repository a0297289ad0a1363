"""Scenarios 2 and 3: the broker or the database goes away while comments arrive."""
from __future__ import annotations

import itertools
import threading
import time

import pytest

from tests.chaos.harness import Ledger, audit, comment, report, run_senders, say


def _sender(ledger: Ledger, stack, site, prefix: str, *, pause: float, **deliver_kwargs):
    counter = itertools.count()
    lock = threading.Lock()

    def send(i, http, stop):
        while not stop.is_set():
            with lock:
                n = next(counter)
            ledger.deliver(http, stack.base, site, [comment(f"{prefix}-{i}-{n}")], **deliver_kwargs)
            time.sleep(pause)

    return send


def test_2_redis_stopped_while_comments_arrive(stack_factory):
    stack = stack_factory(sweep_after=2, sweep_interval=1)
    stack.start_worker(concurrency=2, beat=True, supervise=True)
    stack.start_web()
    site = stack.create_site()
    ledger = Ledger()
    events: list[str] = []

    def chaos():
        time.sleep(3)
        acked_before = len(ledger.acked)
        stack.redis.kill()
        events.append(f"t=3 s: SIGKILL the private Redis (no persistence: every queued and unacknowledged "
                      f"message is gone); {acked_before} comments acknowledged so far")
        say(events[-1])
        time.sleep(4)
        acked_down = len(ledger.acked) - acked_before
        stack.redis.start()
        events.append(f"t=7 s: Redis started again, empty, on the same port; {acked_down} comments were "
                      f"acknowledged while it was down")
        say(events[-1])

    t = threading.Thread(target=chaos, daemon=True)
    t.start()
    errors = run_senders(5, 10, _sender(ledger, stack, site, "r", pause=0.05))
    t.join(30)
    assert not errors, errors
    started = time.monotonic()
    result = audit(stack, site, ledger, wait_s=60)
    report("2. Redis stopped while comments arrive",
           ["5 senders, one comment per webhook, for 10 s", *events], result, ledger,
           {"time from last send to all scored": f"{time.monotonic() - started:.1f} s",
            "worker crashes (restarted by the supervisor)": stack.crashes or "none"})
    assert ledger.five_xx() == 0, ledger.statuses
    assert result.acknowledged == result.sent, "the webhook must accept while the broker is down"
    assert result.lost == 0, result.details
    assert result.duplicated == 0, result.details
    assert stack.web.alive()


def test_3_postgres_restarted_while_comments_arrive(stack_factory):
    stack = stack_factory(sweep_after=2, sweep_interval=1)
    stack.start_worker(concurrency=2, beat=True, supervise=True)
    stack.start_web()
    site = stack.create_site()
    ledger = Ledger()
    events: list[str] = []

    t0 = time.monotonic()

    def chaos():
        time.sleep(3)
        acked_before = len(ledger.acked)
        stack.pg.stop("fast")
        events.append(f"t=3 s: pg_ctl stop -m fast (sessions terminated), down at t={time.monotonic() - t0:.1f} s; "
                      f"{acked_before} comments acknowledged so far")
        say(events[-1])
        time.sleep(3)
        acked_down = len(ledger.acked) - acked_before
        stack.pg.start()
        events.append(f"PostgreSQL accepting connections again at t={time.monotonic() - t0:.1f} s; "
                      f"{acked_down} comments acknowledged while it was stopping or down")
        say(events[-1])

    t = threading.Thread(target=chaos, daemon=True)
    t.start()
    deadline = time.monotonic() + 40
    errors = run_senders(5, 14, _sender(ledger, stack, site, "p", pause=0.05, retry_until=deadline,
                                        retry_on_error=True))
    t.join(30)
    assert not errors, errors
    started = time.monotonic()
    result = audit(stack, site, ledger, wait_s=60)
    report("3. PostgreSQL restarted while comments arrive",
           ["5 senders, one comment per webhook, for 14 s; a 503 (or a refused connection) is retried, "
            "honouring Retry-After (capped at 1 s)", *events], result, ledger,
           {"time from last send to all scored": f"{time.monotonic() - started:.1f} s",
            "worker crashes (restarted by the supervisor)": stack.crashes or "none"})
    assert ledger.five_xx(allow_503=True) == 0, f"only 503 may answer a database outage: {ledger.statuses}"
    assert not ledger.gave_up, f"clients gave up on {len(ledger.gave_up)} comments"
    assert result.acknowledged == result.sent
    assert result.lost == 0, result.details
    assert result.duplicated == 0, result.details
    assert stack.web.alive()
