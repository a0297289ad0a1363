"""Status changes and the audit log. Every change of a comment's status goes through here."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import JSON, Table, Text, bindparam, cast, column, func, insert, select, update
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
    notified = [i for i, ch in enumerate(changes) if notify.notifies(session, ch.site_id, actor)]
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
        notify.on_status_changes(session, [(comments[i], changes[i]) for i in notified])
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


# ---- Bulk writes: one statement per batch ---------------------------------------------
#
# On PostgreSQL the rows travel as one JSON document read by `json_to_recordset`: the
# statement stays short and the same whatever the batch size (a multi-row VALUES statement
# of 500 rows costs the driver ~30 ms to parse and the server a new plan; arrays of text
# cost the driver ~50 ms to escape), and JSON columns are serialised once, with the rest.
# Elsewhere (SQLite, embedded mode) executemany is already cheap.

def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _recordset(table: Table, rows: list[dict]):
    """The rows (same keys in each) as `json_to_recordset(:rows) AS v(name type, ...)`,
    typed like the table's columns."""
    names = list(rows[0])
    document = json.dumps(rows, default=_json_default, allow_nan=False)
    return func.json_to_recordset(cast(bindparam("rows", document, type_=Text), JSON)).table_valued(
        *(column(name, table.c[name].type) for name in names)).render_derived(name="v", with_types=True)


def bulk_insert(session: Session, stmt, rows: list[dict], returning: Sequence = (), **same_for_all) -> list:
    """Run an INSERT statement (plain, or with ON CONFLICT) for many rows at once: each row
    with its own values (same keys in every row), plus `same_for_all` column values.
    Returns the `returning` columns of the inserted rows."""
    if not rows:
        return []
    if _is_postgresql(session):
        table = stmt.table
        source = _recordset(table, rows)
        constants = [bindparam(f"c_{name}", value, type_=table.c[name].type) for name, value in same_for_all.items()]
        stmt = stmt.from_select([*rows[0], *same_for_all], select(source, *constants))
        if returning:
            stmt = stmt.returning(*returning)
        result = session.execute(stmt)
    else:
        if returning:
            stmt = stmt.returning(*returning, sort_by_parameter_order=True)
        result = session.execute(stmt, [{**row, **same_for_all} for row in rows])
    return result.all() if returning else []


def bulk_update(session: Session, table: Table, rows: list[dict], key: str = "id", **same_for_all) -> None:
    """UPDATE many rows of `table` by `key`, each with its own values (same keys in every
    row), plus `same_for_all` column values."""
    if not rows:
        return
    if _is_postgresql(session):
        source = _recordset(table, rows)
        values = {name: source.c[name] for name in rows[0] if name != key}
        session.execute(update(table).where(table.c[key] == source.c[key]).values(**values, **same_for_all))
    else:
        stmt = update(table).where(table.c[key] == bindparam("b_key")).values(**same_for_all)
        session.execute(stmt, [{("b_key" if k == key else k): v for k, v in row.items()} for row in rows])
