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
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from ..config import Settings
from ..core.security import SIGNATURE_HEADER, TIMESTAMP_HEADER
from ..core.sites import webhook_secrets
from ..db.integration_tables import (DELIVERY_DEAD, DELIVERY_DELIVERED, DELIVERY_PENDING, DELIVERY_SUPERSEDED,
                                      Delivery, IntegrationConfig)
from ..db.session import session_factory, session_scope
from ..db.tables import Site, utcnow
from . import blogger, disqus, wordpress
from .common import HttpResult, get_config, http_request, redact

log = logging.getLogger("colombe.notify")

LEASE_S = 120  # a claimed row is retried after this if its worker died mid-send
CLAIM_MAX = 200  # rows per claim
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


class SenderContext:
    """What a sender gets as its `session`: the claimed rows' connections, read once per
    batch (`common.get_config` reads `preloaded_configs`, no query). Senders run in
    threads; anything else a sender asks of a session gets a real one of its thread,
    committed after each delivery (as when each delivery had its own transaction)."""

    def __init__(self, configs: dict, database_url: str = ""):
        self.preloaded_configs = configs
        self._database_url = database_url
        self._local = threading.local()
        self._opened: list = []
        self._lock = threading.Lock()

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = session_factory(self._database_url)()
            with self._lock:
                self._opened.append(session)
        return getattr(session, name)

    def settle(self) -> None:
        """Commit what this thread's sender wrote, now: a write left open until the batch
        ends would hold SQLite's single write lock while other senders wait for it."""
        session = getattr(self._local, "session", None)
        if session is None:
            return
        try:
            session.commit()
        except Exception:
            log.exception("a sender's own changes could not be committed")
            session.rollback()

    def finish(self) -> None:
        for session in self._opened:
            try:
                session.commit()
            except Exception:
                log.exception("a sender's own changes could not be committed")
                session.rollback()
            finally:
                session.close()
        self._opened.clear()


@dataclass
class _Batch:
    """The claimed rows of one pass and everything needed to send them, read in a few
    queries (whatever the batch size): rows, sites, connections, and the order checks."""

    rows: dict
    sites: dict
    context: SenderContext
    superseded_by: dict  # delivery id -> the newer delivery that makes it useless
    waiting_for: dict  # comment id -> (older pending outbound delivery id, its next_attempt_at)


def _load(settings: Settings, ids: list[int]) -> _Batch:
    with session_scope(settings.database_url) as session:
        rows = {d.id: d for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids)))}
        site_ids = {d.site_id for d in rows.values()}
        sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))} if site_ids else {}
        configs = {(c.site_id, c.platform): c for c in session.scalars(
            select(IntegrationConfig).where(IntegrationConfig.site_id.in_(site_ids)))} if site_ids else {}
        comment_ids = {d.comment_id for d in rows.values() if d.comment_id is not None}
        superseded_by, waiting_for = {}, {}
        if comment_ids:
            # write-back needs only the latest status: a newer delivery (not dead) supersedes
            newest = dict(((c, t), n) for c, t, n in session.execute(
                select(Delivery.comment_id, Delivery.target, func.max(Delivery.id))
                .where(Delivery.comment_id.in_(comment_ids), Delivery.target != "outbound",
                       Delivery.status != DELIVERY_DEAD)
                .group_by(Delivery.comment_id, Delivery.target)))
            for d in rows.values():
                n = newest.get((d.comment_id, d.target))
                if d.target != "outbound" and n is not None and n > d.id:
                    superseded_by[d.id] = n
            # the outbound webhook is a history: wait for an older pending event not claimed here
            for cid, older_id, older_next in session.execute(
                    select(Delivery.comment_id, Delivery.id, Delivery.next_attempt_at)
                    .where(Delivery.comment_id.in_(comment_ids), Delivery.target == "outbound",
                           Delivery.status == DELIVERY_PENDING, Delivery.id.not_in(list(rows)))
                    .order_by(Delivery.id)):
                waiting_for.setdefault(cid, (older_id, older_next))
    return _Batch(rows, sites, SenderContext(configs, settings.database_url), superseded_by, waiting_for)


def _destination(batch: _Batch, d: Delivery) -> str:
    """scheme://host:port the delivery goes to (the unit of the concurrency limit)."""
    from urllib.parse import urlsplit

    row = batch.context.preloaded_configs.get((d.site_id, d.target))
    config = dict(row.config or {}) if row is not None else {}
    url = config.get("url") or config.get("api_base") or ""
    parts = urlsplit(url) if isinstance(url, str) else None
    return f"{parts.scheme}://{parts.netloc}".lower() if parts and parts.netloc else f"{d.target}:{d.site_id}"


def _send(settings: Settings, batch: _Batch, d: Delivery) -> HttpResult:
    site = batch.sites.get(d.site_id)
    sender = SENDERS.get(d.target)
    if site is None or sender is None:
        return HttpResult(410, b"", {}, f"no sender for target {d.target!r}")
    try:
        return sender(settings, batch.context, site, d)
    except Exception as exc:  # a bug or bad stored data: retry later, visibly
        log.exception("delivery sender failed", extra={"delivery_id": d.id, "target": d.target})
        return HttpResult(0, b"", {}, f"internal error: {type(exc).__name__}")
    finally:
        batch.context.settle()


def _outcome(settings: Settings, d: Delivery, result: HttpResult) -> tuple[str, dict]:
    """(outcome, the row's new values) after one attempt."""
    now = utcnow()
    values = {"id": d.id, "last_status_code": result.status or None}
    if result.ok:
        values.update(status=DELIVERY_DELIVERED, delivered_at=now, last_error=None)
        return "delivered", values
    error = redact(result.summary())
    if not result.retryable or d.attempts >= settings.notify_max_attempts:
        values.update(status=DELIVERY_DEAD, last_error=error)
        log.warning("delivery dead-lettered", extra={"delivery_id": d.id, "target": d.target,
                                                     "attempts": d.attempts, "status": result.status})
        return "dead", values
    values.update(next_attempt_at=now + timedelta(seconds=backoff_s(settings, d.attempts)), last_error=error)
    log.info("delivery will be retried", extra={"delivery_id": d.id, "target": d.target,
                                                "attempts": d.attempts, "status": result.status})
    return "retry", values


def _wait_values(d: Delivery, until) -> dict:
    """Not an attempt: wait for an older event about the same comment."""
    return {"id": d.id, "attempts": d.attempts - 1, "next_attempt_at": max(until, utcnow()) + timedelta(milliseconds=50)}


def _send_chain(settings: Settings, batch: _Batch, chain: list[int], results: list, release_at: float) -> None:
    """One comment's deliveries to one destination, in order (appends (outcome, values)).
    Past `release_at` (near the end of the claim's lease) the rest is put back, unsent,
    so that no other worker claims a row this one may still be sending."""
    blocked_until = None
    for delivery_id in chain:
        d = batch.rows[delivery_id]
        if time.monotonic() > release_at:
            results.append(("skipped", {"id": d.id, "attempts": d.attempts - 1, "next_attempt_at": utcnow()}))
            continue
        if delivery_id in batch.superseded_by:
            results.append(("skipped", {"id": d.id, "status": DELIVERY_SUPERSEDED, "attempts": d.attempts - 1,
                                        "last_error": f"superseded by delivery {batch.superseded_by[d.id]}"}))
            continue
        older = batch.waiting_for.get(d.comment_id) if d.target == "outbound" else None
        if older is not None and older[0] < d.id:
            blocked_until = older[1]
        if blocked_until is not None:
            results.append(("skipped", _wait_values(d, blocked_until)))
            continue
        outcome, values = _outcome(settings, d, _send(settings, batch, d))
        results.append((outcome, values))
        if outcome == "retry" and d.target == "outbound":  # later events about it wait for this one
            blocked_until = values["next_attempt_at"]


def _write(settings: Settings, results: list) -> None:
    """Every row's new values: delivered rows in one UPDATE per status code, the others
    (retries, dead letters, waits: few) grouped by the columns they set."""
    delivered: dict[int | None, list[int]] = {}
    groups: dict[tuple, list] = {}
    for outcome, values in results:
        if outcome == "delivered":
            delivered.setdefault(values["last_status_code"], []).append(values["id"])
        else:
            groups.setdefault(tuple(sorted(values)), []).append(values)
    now = utcnow()
    with session_scope(settings.database_url) as session:
        for code, ids in delivered.items():
            session.execute(update(Delivery).where(Delivery.id.in_(ids))
                            .values(status=DELIVERY_DELIVERED, delivered_at=now, last_error=None, last_status_code=code)
                            .execution_options(synchronize_session=False))
        for rows in groups.values():
            session.execute(update(Delivery), rows)


def send_claimed(settings: Settings, ids: list[int], counts: dict) -> None:
    """Send claimed rows: destinations in parallel, at most `notify_concurrency` requests
    in flight to one destination, one comment's deliveries in order, then write every
    outcome at once."""
    release_at = time.monotonic() + 0.75 * LEASE_S - settings.notify_timeout_s
    batch = _load(settings, ids)
    by_destination: dict[str, dict] = {}
    for d in sorted(batch.rows.values(), key=lambda r: r.id):
        chains = by_destination.setdefault(_destination(batch, d), {})
        chains.setdefault((d.site_id, d.target, d.comment_id if d.comment_id is not None else -d.id), []).append(d.id)
    lock = threading.Lock()
    results: list = []
    per_destination = max(1, settings.notify_concurrency)

    def worker(chains: list[list[int]]) -> None:
        while True:
            with lock:
                if not chains:
                    return
                chain = chains.pop(0)
            mine: list = []
            _send_chain(settings, batch, chain, mine, release_at)
            with lock:
                results.extend(mine)

    jobs = [list(chains.values()) for chains in by_destination.values()]
    workers = [(chains, min(per_destination, len(chains))) for chains in jobs]
    total = sum(n for _c, n in workers)
    if total <= 1:
        for chains, _n in workers:
            worker(chains)
    else:
        with ThreadPoolExecutor(max_workers=min(total, MAX_THREADS), thread_name_prefix="colombe-deliver") as pool:
            for f in [pool.submit(worker, chains) for chains, n in workers for _ in range(n)]:
                f.result()
    batch.context.finish()
    _write(settings, results)
    for outcome, _values in results:
        counts[outcome] += 1


def deliver_due(settings: Settings, limit: int | None = None, time_budget_s: float | None = None) -> dict[str, int]:
    """Send what is due, claim after claim, until nothing is due (or `limit` rows were
    taken, or `time_budget_s` has passed); returns counts per outcome ("skipped":
    superseded, or waiting for an older event about the same comment; "more": stopped by
    the time budget with rows maybe still due).

    A claim takes up to `CLAIM_MAX` rows; what a slow destination has not sent when the
    claim's lease nears its end is put back unsent (see `_send_chain`). Rows that fail wait
    for their backoff: they are not due again at once, so the loop ends.
    """
    counts = {"delivered": 0, "retry": 0, "dead": 0, "skipped": 0}
    chunk = CLAIM_MAX
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
