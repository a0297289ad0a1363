"""Score stored comments with the model, then apply the site policy."""
from __future__ import annotations

import logging
import time

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..db.tables import RECEIVED, Comment, Post, Score, Site, utcnow
from .. import metrics
from .decide import change_status, hold_or_auto
from .ingest import _insert
from .policy import decide, effective_policy
from ..moderation.rules import apply_site_rules

log = logging.getLogger("colombe.scoring")


def build_items(session: Session, comments: list[Comment], max_chars: int) -> list[dict]:
    """Model inputs: the comment (bounded prefix) with its post and parent as context."""
    post_ids = {c.post_id for c in comments if c.post_id}
    parent_ids = {c.parent_id for c in comments if c.parent_id}
    posts = {}
    if post_ids:
        posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    parents = {}
    if parent_ids:
        # (Result.tuples() is deprecated and broken in SQLAlchemy 2.1: iterate the rows.)
        parents = {row.id: row.text for row in session.execute(
            select(Comment.id, Comment.text).where(Comment.id.in_(parent_ids)))}
    items = []
    for c in comments:
        post = posts.get(c.post_id)
        items.append({
            "text": c.text[:max_chars],
            "lang": c.lang if c.lang_given else None,
            "post_title": post.title if post else None,
            "post_text": (post.text or "")[:max_chars] if post else None,
            "parent_text": (parents.get(c.parent_id) or "")[:max_chars] if c.parent_id else None,
        })
    return items


def claim(session: Session, comment_ids: list[int], batch_max: int = 0) -> list[Comment]:
    """Lock the given comments that are still `received`, then top up with other waiting ones.

    The message only says "there is work"; the database says which. Topping up to
    `batch_max` lets one task score many comments in one model call (single-comment
    webhooks still give large batches under load), and makes a lost or late message
    harmless. On PostgreSQL, rows another worker holds are skipped (SKIP LOCKED).
    """
    locking = session.get_bind().dialect.name == "postgresql"
    comments: list[Comment] = []
    if comment_ids:
        query = select(Comment).where(Comment.id.in_(list(comment_ids)), Comment.status == RECEIVED).order_by(Comment.id)
        if locking:
            query = query.with_for_update(skip_locked=True, of=Comment)
        comments = list(session.scalars(query))
    room = batch_max - len(comments)
    if room > 0:
        query = select(Comment).where(Comment.status == RECEIVED)
        if comments:
            query = query.where(Comment.id.not_in([c.id for c in comments]))
        query = query.order_by(Comment.received_at).limit(room)
        if locking:
            query = query.with_for_update(skip_locked=True, of=Comment)
        comments.extend(session.scalars(query))
    return comments


def score_comments(session: Session, comment_ids: list[int], model, max_chars: int = 5000,
                   batch_max: int = 0) -> list[Comment]:
    """Score the given comments that are still `received` (plus up to `batch_max` in all
    of the others waiting); idempotent.

    A comment already scored by another delivery is skipped (its status is no longer
    `received`). Returns the comments this call scored. The caller commits.
    """
    comments = claim(session, comment_ids, batch_max)
    if not comments:
        return []
    started = time.perf_counter()
    items = build_items(session, comments, max_chars)
    outputs = model.score_batch(items)
    elapsed = time.perf_counter() - started
    metrics.scoring(elapsed, len(comments))
    site_ids = {c.site_id for c in comments}
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    now = utcnow()
    score_rows = []
    for comment, out in zip(comments, outputs):
        scores = {k: round(float(v), 6) for k, v in out["scores"].items()}
        score_rows.append({
            "comment_id": comment.id,
            "model_version": model.version,
            "scores": scores,
            "lang_detected": out.get("lang_detected"),
            "created_at": now,
        })
        comment.scores = scores
        comment.priority = max(scores.values()) if scores else 0.0
        if not comment.lang_given:
            comment.lang = out.get("lang") or out.get("lang_detected")
        comment.model_version = model.version
        comment.scored_at = now
        policy = effective_policy(model.labels, model.thresholds, sites[comment.site_id].policy)
        status, reasons = decide(scores, policy)
        status, reasons = apply_site_rules(session, comment, status, reasons)  # word lists, trusted authors
        comment.reasons = reasons
        comment.flag_labels = ("," + ",".join(sorted({r["label"] for r in reasons})) + ",") if reasons else None
        change_status(
            session, comment, status, actor="auto", action=hold_or_auto(status),
            reason=reasons[0]["label"] if reasons else None, details=reasons, model_version=model.version,
        )
    session.execute(
        _insert(session, Score).on_conflict_do_nothing(index_elements=["comment_id", "model_version"]),
        score_rows,
    )
    log.info("scored", extra={"comment_ids": [c.id for c in comments], "seconds": round(elapsed, 4),
                              "model_version": model.version})
    return comments


def unscored_ids(session: Session, older_than_s: float = 0.0, limit: int = 1000) -> list[int]:
    """Comments left `received` (lost or never-sent messages), oldest first."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(seconds=older_than_s)
    return list(session.scalars(
        select(Comment.id).where(Comment.status == RECEIVED, Comment.received_at <= cutoff)
        .order_by(Comment.received_at).limit(limit)
    ))
