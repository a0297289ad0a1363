"""Status changes: every change of a comment's status goes through here, and writes its
audit row (`moderation_actions`) and its outbox rows (`core.outbox`) in the same
transaction. The policy that *chooses* a status is `core.policy` (+ `core.site_rules`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..db.bulk import bulk_insert
from ..db.tables import APPROVED, PENDING, REJECTED, Comment, ModerationAction, utcnow
from .. import metrics
from . import outbox

ACTIONS = {"approve": APPROVED, "reject": REJECTED}
REASONS = ("toxic", "spam", "off_topic", "other")


class DecisionError(ValueError):
    pass


def change_status(
    session: Session,
    comment: Comment,
    to_status: str,
    *,
    actor: str,
    action: str,
    reason: str | None = None,
    note: str | None = None,
    details=None,
    model_version: str | None = None,
) -> ModerationAction:
    """Set a comment's status and write the audit row in the same transaction."""
    now = utcnow()
    entry = ModerationAction(
        comment_id=comment.id,
        site_id=comment.site_id,
        actor=actor,
        action=action,
        from_status=comment.status,
        to_status=to_status,
        reason=reason,
        note=note,
        details=details,
        model_version=model_version or comment.model_version,
        created_at=now,
    )
    session.add(entry)
    outbox.on_status_change(session, comment, entry)
    first_decision = comment.decided_at is None
    comment.status = to_status
    comment.decided_at = now
    metrics.decision(to_status, "auto" if actor == "auto" else "user")
    if first_decision and comment.received_at is not None:
        metrics.ingest_to_decision((now - comment.received_at).total_seconds())
    return entry


@dataclass(slots=True)
class StatusChange:
    """One audit row (the fields of `ModerationAction`) for `change_statuses`."""

    comment_id: int
    site_id: str
    actor: str
    action: str
    from_status: str
    to_status: str
    reason: str | None = None
    note: str | None = None
    details: Any = None
    model_version: str | None = None
    created_at: datetime | None = None
    id: int | None = None  # known once written, and only when the outbox needs it


AUDIT_COLUMNS = ("comment_id", "site_id", "actor", "action", "from_status", "to_status", "reason", "note",
                 "details", "model_version")


def change_statuses(session: Session, comments: Sequence, to_statuses: Sequence[str], *, actor: str,
                    actions: Sequence[str], reasons: Sequence[str | None], details: Sequence,
                    model_version: str | None = None) -> list[StatusChange]:
    """`change_status` for a batch of comments (automatic scoring): the same audit rows,
    outbox rows and metrics, written with one INSERT per batch.

    `comments` (one change each, distinct comments) are plain objects with the `Comment`
    attributes the audit and the outbox read; their `status` and `decided_at` are set
    here, in memory: the caller writes the comments' rows itself (one UPDATE for the
    batch, in the same transaction). Every change of the batch has the same `created_at`.
    """
    now = utcnow()
    changes = [
        StatusChange(comment_id=c.id, site_id=c.site_id, actor=actor, action=action, from_status=c.status,
                     to_status=to_status, reason=reason, details=detail,
                     model_version=model_version or c.model_version, created_at=now)
        for c, to_status, action, reason, detail in zip(comments, to_statuses, actions, reasons, details, strict=True)
    ]
    # The outbox is keyed by the audit row's id: fetch ids only for the sites that have targets.
    notified = [i for i, ch in enumerate(changes) if outbox.notifies(session, ch.site_id, actor)]
    if len(notified) < len(changes):
        skip = set(notified)
        bulk_insert(session, insert(ModerationAction.__table__),
                    [_audit_row(ch) for i, ch in enumerate(changes) if i not in skip], created_at=now)
    if notified:
        rows = bulk_insert(session, insert(ModerationAction.__table__), [_audit_row(changes[i]) for i in notified],
                           returning=(ModerationAction.id, ModerationAction.comment_id), created_at=now)
        ids = {row.comment_id: row.id for row in rows}
        for i in notified:
            changes[i].id = ids[changes[i].comment_id]
        outbox.on_status_changes(session, [(comments[i], changes[i]) for i in notified])
    auto = "auto" if actor == "auto" else "user"
    for c, ch in zip(comments, changes):
        first_decision = c.decided_at is None
        c.status = ch.to_status
        c.decided_at = now
        metrics.decision(ch.to_status, auto)
        if first_decision and c.received_at is not None:
            metrics.ingest_to_decision((now - c.received_at).total_seconds())
    return changes


def _audit_row(change: StatusChange) -> dict:
    return {name: getattr(change, name) for name in AUDIT_COLUMNS}


def moderate(session: Session, comment: Comment, action: str, actor: str, reason: str | None = None,
             note: str | None = None) -> ModerationAction:
    """A moderator's (or API client's) decision on one comment."""
    if action not in ACTIONS:
        raise DecisionError("action must be 'approve' or 'reject'")
    if reason is not None and reason not in REASONS:
        raise DecisionError(f"reason must be one of {', '.join(REASONS)}")
    return change_status(
        session, comment, ACTIONS[action], actor=actor, action=action, reason=reason, note=note
    )


def hold_or_auto(status: str) -> str:
    return {APPROVED: "approve", REJECTED: "reject", PENDING: "hold"}[status]
