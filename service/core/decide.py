"""Status changes and the audit log. Every change of a comment's status goes through here."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..db.tables import APPROVED, PENDING, REJECTED, Comment, ModerationAction, utcnow
from .. import metrics
from . import notify

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
    notify.on_status_change(session, comment, entry)
    first_decision = comment.decided_at is None
    comment.status = to_status
    comment.decided_at = now
    metrics.decision(to_status, "auto" if actor == "auto" else "user")
    if first_decision and comment.received_at is not None:
        metrics.ingest_to_decision((now - comment.received_at).total_seconds())
    return entry


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
