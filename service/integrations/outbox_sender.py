"""Sending the outbox (`core.outbox`, table `integration_deliveries`): outbound decision
webhooks and platform write-back.

`deliver_due(settings)` is the unit of work of the Celery task
`colombe.deliver_notifications` (production: sent after every commit that records
deliveries, and by beat every few seconds for retries) or of the embedded background
thread (woken by the same commits). It loops until nothing is due:

1. claim due rows (status `pending`, `next_attempt_at <= now`) by pushing their
   `next_attempt_at` a lease ahead and committing — on PostgreSQL with
   `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same row;
2. send each one (no row lock is held while waiting for the platform), destinations in
   parallel, at most `notify_concurrency` requests at once to one destination, and the
   deliveries about one comment in order;
3. record the outcome: `delivered`; `pending` again with exponential backoff (+ jitter)
   for network errors, 5xx, 408/425/429; `dead` after `notify_max_attempts` tries or on a
   permanent refusal (other 4xx). Dead rows stay visible (API, CLI) and can be retried.

Every request carries the decision's idempotency key, so a receiver that sees a retry
of a delivery it already applied can ignore it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update

from ..config import Settings
from ..core.security import SIGNATURE_HEADER, TIMESTAMP_HEADER
from ..core.sites import webhook_secrets
from ..db.integration_tables import (DELIVERY_DEAD, DELIVERY_DELIVERED, DELIVERY_PENDING, DELIVERY_SUPERSEDED,
                                      Delivery, IntegrationConfig)
from ..db.session import session_scope
from ..db.tables import Site, utcnow
from . import blogger, disqus, wordpress
from .common import HttpResult, get_config, http_request, redact

log = logging.getLogger("colombe.notify")

LEASE_S = 120  # a claimed row is retried after this if its worker died mid-send
CLAIM_MAX = 200  # rows per claim at most
MAX_THREADS = 32  # sending threads of one delivery pass at most


def sign_many(secrets_: list[str], body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Colombe's webhook signature with every currently valid secret (rotation-friendly)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{ts}.".encode() + body
    macs = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets_]
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: ", ".join(f"sha256={m}" for m in macs)}


def send_outbound(settings: Settings, session, site: Site, delivery: Delivery) -> HttpResult:
    row = get_config(session, site.id, "outbound")
    url = (row.config or {}).get("url") if row is not None and row.enabled else None
    if not url:
        return HttpResult(410, b"", {}, "the outbound webhook is no longer configured for this site")
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = sign_many(webhook_secrets(site, settings.secret_key), body)
    headers.update({
        "Content-Type": "application/json",
        "Idempotency-Key": delivery.idempotency_key,
        "X-Colombe-Delivery": str(delivery.id),
        "X-Colombe-Attempt": str(delivery.attempts),
        "X-Colombe-Event": "comment.decision",
    })
    return http_request("POST", url, headers=headers, body=body, timeout=settings.notify_timeout_s,
                        allowed_hosts=settings.outbound_allowed_hosts)


# Who sends each target's deliveries (the outbox row's `target`).
SENDERS = {"outbound": send_outbound, "wordpress": wordpress.write_back, "blogger": blogger.write_back,
           "disqus": disqus.write_back}


def backoff_s(settings: Settings, attempts: int) -> float:
    base = settings.notify_backoff_base_s
    cap = settings.notify_backoff_max_s
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.8, 1.2)


def _claim(settings: Settings, limit: int) -> list[int]:
    now = utcnow()
    with session_scope(settings.database_url) as session:
        q = (select(Delivery.id).where(Delivery.status == DELIVERY_PENDING, Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = list(session.scalars(q))
        if ids:
            session.execute(
                update(Delivery).where(Delivery.id.in_(ids))
                .values(next_attempt_at=now + timedelta(seconds=LEASE_S), attempts=Delivery.attempts + 1)
                .execution_options(synchronize_session=False)
            )
    return ids


def _keep_order(session, d: Delivery) -> str | None:
    """Decisions about one comment reach one target in order.

    Platform write-back only needs the latest status: an older pending delivery is
    superseded by a newer one. The outbound webhook is a history: a delivery waits
    until the older ones for the same comment have been delivered (or given up).
    """
    if d.comment_id is None:
        return None
    same = (Delivery.comment_id == d.comment_id, Delivery.target == d.target)
    if d.target != "outbound":
        newer = session.scalar(select(Delivery.id).where(*same, Delivery.id > d.id,
                                                         Delivery.status != DELIVERY_DEAD).limit(1))
        if newer is not None:
            d.status = DELIVERY_SUPERSEDED
            d.last_error = f"superseded by delivery {newer}"
            d.attempts -= 1
            return "skipped"
        return None
    older = session.scalar(select(Delivery).where(*same, Delivery.id < d.id, Delivery.status == DELIVERY_PENDING)
                           .order_by(Delivery.id).limit(1))
    if older is not None:
        d.attempts -= 1  # not an attempt: wait for the older event
        d.next_attempt_at = max(older.next_attempt_at, utcnow()) + timedelta(milliseconds=50)
        return "skipped"
    return None


def _send_one(settings: Settings, delivery_id: int) -> str:
    with session_scope(settings.database_url) as session:
        d = session.get(Delivery, delivery_id)
        if d is None or d.status != DELIVERY_PENDING:
            return "skipped"
        waiting = _keep_order(session, d)
        if waiting:
            return waiting
        site = session.get(Site, d.site_id)
        sender = SENDERS.get(d.target)
        if site is None or sender is None:
            result = HttpResult(410, b"", {}, f"no sender for target {d.target!r}")
        else:
            try:
                result = sender(settings, session, site, d)
            except Exception as exc:  # a bug or bad stored data: retry later, visibly
                log.exception("delivery sender failed", extra={"delivery_id": d.id, "target": d.target})
                result = HttpResult(0, b"", {}, f"internal error: {type(exc).__name__}")
        now = utcnow()
        d.last_status_code = result.status or None
        if result.ok:
            d.status = DELIVERY_DELIVERED
            d.delivered_at = now
            d.last_error = None
            outcome = "delivered"
        elif not result.retryable or d.attempts >= settings.notify_max_attempts:
            d.status = DELIVERY_DEAD
            d.last_error = redact(result.summary())
            outcome = "dead"
            log.warning("delivery dead-lettered", extra={"delivery_id": d.id, "target": d.target,
                                                         "attempts": d.attempts, "status": result.status})
        else:
            d.next_attempt_at = now + timedelta(seconds=backoff_s(settings, d.attempts))
            d.last_error = redact(result.summary())
            outcome = "retry"
            log.info("delivery will be retried", extra={"delivery_id": d.id, "target": d.target,
                                                        "attempts": d.attempts, "status": result.status})
    return outcome


def _destinations(settings: Settings, ids: list[int]) -> list[list[list[int]]]:
    """The claimed rows grouped by destination (scheme, host and port of the URL they go
    to), each destination's rows as chains of one comment's deliveries in id order (a
    chain is sent by one thread, in order)."""
    from urllib.parse import urlsplit

    with session_scope(settings.database_url) as session:
        rows = session.execute(select(Delivery.id, Delivery.site_id, Delivery.target, Delivery.comment_id)
                               .where(Delivery.id.in_(ids)).order_by(Delivery.id)).all()
        pairs = {(r.site_id, r.target) for r in rows}
        configs = {}
        if pairs:
            for c in session.scalars(select(IntegrationConfig).where(
                    IntegrationConfig.site_id.in_({p[0] for p in pairs}),
                    IntegrationConfig.platform.in_({p[1] for p in pairs}))):
                configs[(c.site_id, c.platform)] = dict(c.config or {})
    by_destination: dict[str, dict] = {}
    for r in rows:
        config = configs.get((r.site_id, r.target), {})
        url = config.get("url") or config.get("api_base") or ""
        parts = urlsplit(url) if isinstance(url, str) else None
        key = f"{parts.scheme}://{parts.netloc}".lower() if parts and parts.netloc else f"{r.target}:{r.site_id}"
        chains = by_destination.setdefault(key, {})
        chains.setdefault((r.site_id, r.target, r.comment_id if r.comment_id is not None else -r.id), []).append(r.id)
    return [list(chains.values()) for chains in by_destination.values()]


def _send_chains(settings: Settings, chains: list[list[int]], counts: dict, lock: threading.Lock) -> None:
    """One worker of one destination: takes chains until none is left."""
    while True:
        with lock:
            if not chains:
                return
            chain = chains.pop(0)
        for delivery_id in chain:
            outcome = _send_one(settings, delivery_id)
            with lock:
                counts[outcome] += 1


def send_claimed(settings: Settings, ids: list[int], counts: dict) -> None:
    """Send claimed rows: destinations in parallel, at most `notify_concurrency` requests
    in flight to one destination, one comment's deliveries in order."""
    destinations = _destinations(settings, ids)
    per_destination = max(1, settings.notify_concurrency)
    lock = threading.Lock()
    jobs = [(chains, min(per_destination, len(chains))) for chains in destinations]
    total = sum(n for _chains, n in jobs)
    if total <= 1:
        for chains, _n in jobs:
            _send_chains(settings, chains, counts, lock)
        return
    with ThreadPoolExecutor(max_workers=min(total, MAX_THREADS), thread_name_prefix="colombe-deliver") as pool:
        futures = [pool.submit(_send_chains, settings, chains, counts, lock) for chains, n in jobs for _ in range(n)]
        for f in futures:
            f.result()


def deliver_due(settings: Settings, limit: int | None = None, time_budget_s: float | None = None) -> dict[str, int]:
    """Send what is due, claim after claim, until nothing is due (or `limit` rows were
    taken, or `time_budget_s` has passed); returns counts per outcome ("skipped":
    superseded, or waiting for an older event about the same comment).

    Each claim takes as many rows as can all be sent well within their lease, even if
    every request runs into the timeout, with `notify_concurrency` requests at once per
    destination. Rows that fail wait for their backoff: they are not due again at once,
    so the loop ends.
    """
    counts = {"delivered": 0, "retry": 0, "dead": 0, "skipped": 0}
    per_thread = max(1, int(LEASE_S // max(1.0, 1.5 * settings.notify_timeout_s)))
    chunk = min(CLAIM_MAX, per_thread * max(1, settings.notify_concurrency))
    deadline = time.monotonic() + time_budget_s if time_budget_s else None
    done = 0
    while limit is None or done < limit:
        if deadline is not None and time.monotonic() > deadline:
            counts["more"] = 1
            break
        ids = _claim(settings, chunk if limit is None else min(chunk, limit - done))
        if not ids:
            break
        send_claimed(settings, ids, counts)
        done += len(ids)
    return counts
