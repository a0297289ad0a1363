"""Sending the outbox (`core.outbox`, table `integration_deliveries`): outbound decision
webhooks and platform write-back.

`deliver_due(settings)` is the unit of work run by the Celery beat task
`colombe.deliver_notifications` (production) or by the embedded background thread:

1. claim due rows (status `pending`, `next_attempt_at <= now`) by pushing their
   `next_attempt_at` a lease ahead and committing — on PostgreSQL with
   `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same row;
2. send each one (no row lock is held while waiting for the platform);
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
import time
from datetime import timedelta

from sqlalchemy import select, update

from ..config import Settings
from ..core.security import SIGNATURE_HEADER, TIMESTAMP_HEADER
from ..core.sites import webhook_secrets
from ..db.integration_tables import (DELIVERY_DEAD, DELIVERY_DELIVERED, DELIVERY_PENDING, DELIVERY_SUPERSEDED,
                                      Delivery)
from ..db.session import session_scope
from ..db.tables import Site, utcnow
from . import blogger, disqus, wordpress
from .common import HttpResult, get_config, http_request, redact

log = logging.getLogger("colombe.notify")

LEASE_S = 120  # a claimed row is retried after this if its worker died mid-send


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


def deliver_due(settings: Settings, limit: int = 100) -> dict[str, int]:
    """Send what is due now, at most `limit` rows; returns counts per outcome
    ("skipped": superseded, or waiting for an older event about the same comment).

    Rows are claimed a few at a time, so that every claimed row is sent well within its
    lease even if each request runs into the timeout.
    """
    counts = {"delivered": 0, "retry": 0, "dead": 0, "skipped": 0}
    chunk = max(1, int(LEASE_S // max(1.0, 1.5 * settings.notify_timeout_s)))
    done = 0
    while done < limit:
        ids = _claim(settings, min(chunk, limit - done))
        if not ids:
            break
        for delivery_id in ids:
            counts[_send_one(settings, delivery_id)] += 1
        done += len(ids)
    return counts
