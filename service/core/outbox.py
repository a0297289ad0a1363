"""The outbox: decisions to send to platforms (outbound webhook, WordPress, Blogger, Disqus).

`on_status_change` runs inside the transaction that changes a comment's status, so
a decision is recorded for sending exactly when it is made (transactional outbox): one
row per configured target (table `integration_deliveries`, ORM class `Delivery`; a
"delivery" is one outbox row), keyed by the ModerationAction id (the idempotency key).
Nothing is sent here; `service.integrations.outbox_sender` sends after commit, with
retries, backoff and a dead-letter state. `retry_delivery` and `delivery_json` are the
operations the API, the UI and the CLI share on existing rows.

Decisions that did not originate in Colombe are not echoed back: actors starting with
"import" (history imports) or "platform" (a platform told us) are skipped.
"""
from __future__ import annotations

import threading

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..db.integration_tables import DELIVERY_PENDING, Delivery, IntegrationConfig
from ..db.tables import APPROVED, PENDING, REJECTED, Comment, ModerationAction, Post, utcnow

SILENT_ACTOR_PREFIXES = ("import", "platform")
WRITE_BACK_PLATFORMS = ("wordpress", "blogger", "disqus")


class Wakeup:
    """A signal that any number of threads can wait on without taking it from
    one another: ``set()`` counts a generation; a waiter waits for the count to
    move past the one it saw before its last pass.  (With a shared
    ``threading.Event``, one thread's ``clear()`` could swallow the wakeup
    another had not seen yet: a delivery then waited a full interval.)"""

    def __init__(self):
        self._cond = threading.Condition()
        self._generation = 0

    def set(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def generation(self) -> int:
        with self._cond:
            return self._generation

    def wait(self, seen: int, timeout: float) -> bool:
        """True when ``set()`` was called since ``generation()`` returned ``seen``."""
        with self._cond:
            return self._cond.wait_for(lambda: self._generation != seen, timeout)


# Woken after a commit that recorded deliveries (the embedded delivery thread waits on it).
delivery_wakeup = Wakeup()
# Production: what else to do after such a commit (send a delivery task: `set_after_commit`).
_after_commit: list = []


def set_after_commit(fn) -> None:
    """Call `fn()` after every commit that recorded deliveries in this process (the web
    tier and the workers register `enqueue.DeliveryKicker(...).kick`: deliver on commit).
    One per process; a second call replaces the first."""
    _after_commit[:] = [fn] if fn is not None else []


def platform_operation(platform: str, to_status: str, reason: str | None) -> str | None:
    """The platform's own verb for a Colombe status, or None when it has none."""
    spam = reason == "spam"
    if platform == "wordpress":  # POST /wp-json/wp/v2/comments/<id> {"status": ...}
        return {APPROVED: "approve", PENDING: "hold", REJECTED: "spam" if spam else "trash"}.get(to_status)
    if platform == "blogger":  # comments.approve | markAsSpam (no way back to pending); the Blogger
        # client turns a non-spam rejection into the site's chosen action (markAsSpam by default,
        # removeContent only when chosen: it erases the text)
        return {APPROVED: "approve", REJECTED: "spam"}.get(to_status)
    if platform == "disqus":  # posts/approve | posts/spam | posts/remove
        return {APPROVED: "approve", REJECTED: "spam" if spam else "remove"}.get(to_status)
    return None


def idempotency_key(action_id: int) -> str:
    return f"colombe-decision-{action_id}"


def _targets(session: Session, site_id: str) -> list[IntegrationConfig]:
    cache = session.info.setdefault("colombe_notify_targets", {})
    if site_id not in cache:
        rows = session.scalars(
            select(IntegrationConfig).where(
                IntegrationConfig.site_id == site_id,
                IntegrationConfig.enabled.is_(True),
                IntegrationConfig.platform.in_(("outbound", *WRITE_BACK_PLATFORMS)),
            )
        ).all()
        cache[site_id] = [(r.platform, dict(r.config or {})) for r in rows]
    return cache[site_id]


def _wake(_session) -> None:
    delivery_wakeup.set()
    for fn in list(_after_commit):
        try:
            fn()
        except Exception:  # never fail a commit that already happened; beat sends them later
            pass


def _forget_cache(session, *_args) -> None:
    session.info.pop("colombe_notify_targets", None)


def notifies(session: Session, site_id: str, actor: str) -> bool:
    """Whether a decision on this site by this actor is written to the outbox (which
    needs the audit row's id)."""
    return not (actor or "").startswith(SILENT_ACTOR_PREFIXES) and bool(_targets(session, site_id))


def on_status_change(session: Session, comment: Comment, action: ModerationAction) -> None:
    """Record (in the outbox) what must be sent to the platforms about this decision."""
    if not notifies(session, comment.site_id, action.actor):
        return
    if action.id is None:
        session.flush()
    post = session.get(Post, comment.post_id) if comment.post_id else None
    _record(session, _deliveries(session, comment, action, post))


def on_status_changes(session: Session, decisions) -> None:
    """`on_status_change` for a batch of (comment, action) pairs whose actions already carry
    their ids (see `notifies`); the objects only need the attributes read here."""
    rows = []
    for comment, action in decisions:
        if notifies(session, comment.site_id, action.actor):
            post = session.get(Post, comment.post_id) if comment.post_id else None
            rows += _deliveries(session, comment, action, post)
    _record(session, rows)


def _deliveries(session: Session, comment, action, post: Post | None) -> list[Delivery]:
    key = idempotency_key(action.id)
    rows = []
    for platform, config in _targets(session, comment.site_id):
        if platform == "outbound":
            if not config.get("url"):
                continue
            payload = decision_event(comment, action, post, key)
        else:
            op = platform_operation(platform, action.to_status, action.reason)
            if op is None:
                continue
            payload = {"op": op, "comment_external_id": comment.external_id,
                       "post_external_id": post.external_id if post else None,
                       "to_status": action.to_status, "reason": action.reason}
        rows.append(Delivery(
            site_id=comment.site_id, comment_id=comment.id, action_id=action.id, target=platform,
            idempotency_key=key, payload=payload, status=DELIVERY_PENDING, attempts=0,
            next_attempt_at=utcnow(), created_at=utcnow(),
        ))
    return rows


def _record(session: Session, rows: list[Delivery]) -> None:
    if rows:
        session.add_all(rows)
        if not event.contains(session, "after_commit", _wake):
            event.listen(session, "after_commit", _wake)
        if not event.contains(session, "after_commit", _forget_cache):
            event.listen(session, "after_commit", _forget_cache)
            event.listen(session, "after_rollback", _forget_cache)


def decision_event(comment, action, post: Post | None, key: str) -> dict:
    """The outbound webhook's JSON document (a snapshot taken when the decision is made)."""
    at = action.created_at or utcnow()
    return {
        "type": "comment.decision",
        "id": key,
        "idempotency_key": key,
        "site_id": comment.site_id,
        "created_at": at.isoformat(),
        "comment": {
            "id": comment.id,
            "external_id": comment.external_id,
            "post_external_id": post.external_id if post else None,
            "parent_external_id": comment.parent_external_id,
            "lang": comment.lang,
            "scores": comment.scores,
        },
        "decision": {
            "status": action.to_status,
            "previous_status": action.from_status,
            "action": action.action,
            "actor": action.actor,
            "reason": action.reason,
            "note": action.note,
            "reasons": action.details if isinstance(action.details, list) else None,
            "model_version": action.model_version,
        },
    }


def retry_delivery(session: Session, delivery: Delivery) -> None:
    """Put a dead (or pending) outbox row back in line now, with a fresh attempt budget."""
    delivery.status = DELIVERY_PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.last_error = None


def delivery_json(d: Delivery) -> dict:
    """One outbox row as the API and the CLI show it."""
    return {
        "id": d.id, "site_id": d.site_id, "comment_id": d.comment_id, "target": d.target,
        "idempotency_key": d.idempotency_key, "status": d.status, "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at.isoformat() if d.status == DELIVERY_PENDING else None,
        "last_status_code": d.last_status_code, "last_error": d.last_error,
        "created_at": d.created_at.isoformat() if d.created_at else None,
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
        "payload": d.payload,
    }
