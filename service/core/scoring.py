"""Score stored comments with the model, then apply the site policy."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..db.tables import RECEIVED, Comment, Post, Score, Site, utcnow
from .. import metrics
from ..db.bulk import bulk_insert, bulk_update, dialect_insert
from .policy import Policy, decide, effective_policy
from . import site_scoring
from .site_rules import AuthorCounts, apply_site_rules
from .status_changes import change_statuses, hold_or_auto

log = logging.getLogger("colombe.scoring")


@dataclass(slots=True)
class ClaimedComment:
    """The columns of a claimed comment that scoring reads, and the ones it sets.

    A plain object rather than an ORM `Comment`: a batch is written back with one UPDATE
    (see `score_comments`), so there is nothing for the ORM to track.
    """

    id: int
    site_id: str
    external_id: str
    post_id: int | None
    parent_id: int | None
    parent_external_id: str | None
    text: str
    lang: str | None
    lang_given: bool
    author_key: str | None
    status: str
    received_at: datetime | None
    decided_at: datetime | None
    model_version: str | None
    # set by scoring
    scores: dict | None = None
    priority: float = 0.0
    reasons: list | None = None
    flag_labels: str | None = None
    scored_at: datetime | None = field(default=None)


CLAIMED_COLUMNS = tuple(getattr(Comment, name) for name in (
    "id", "site_id", "external_id", "post_id", "parent_id", "parent_external_id", "text", "lang", "lang_given",
    "author_key", "status", "received_at", "decided_at", "model_version"))


def build_items(session: Session, comments: list[ClaimedComment], max_chars: int) -> list[dict]:
    """Model inputs: the comment (bounded prefix) with its post and parent as context."""
    post_ids = {c.post_id for c in comments if c.post_id}
    parent_ids = {c.parent_id for c in comments if c.parent_id}
    posts = {}
    if post_ids:
        # (Result.tuples() is deprecated and broken in SQLAlchemy 2.1: iterate the rows.)
        posts = {row.id: row for row in session.execute(
            select(Post.id, Post.title, Post.text, Post.url).where(Post.id.in_(post_ids)))}
    parents = {}
    if parent_ids:
        parents = {row.id: row.text for row in session.execute(
            select(Comment.id, Comment.text).where(Comment.id.in_(parent_ids)))}
    # the author's URL is a spam signal the model weighs (models/signals.py)
    author_urls = {row.id: row.author_url for row in session.execute(
        select(Comment.id, Comment.author_url).where(Comment.id.in_([c.id for c in comments]),
                                                     Comment.author_url.is_not(None)))}
    items = []
    for c in comments:
        post = posts.get(c.post_id)
        items.append({
            "text": c.text[:max_chars],
            "lang": c.lang if c.lang_given else None,
            "post_title": post.title if post else None,
            "post_text": (post.text or "")[:max_chars] if post else None,
            "parent_text": (parents.get(c.parent_id) or "")[:max_chars] if c.parent_id else None,
            "author_url": author_urls.get(c.id),
            "post_url": post.url if post else None,
        })
    return items


def claim(session: Session, comment_ids: list[int], batch_max: int = 0) -> list[ClaimedComment]:
    """Lock the given comments that are still `received`, then top up with other waiting ones.

    The message only says "there is work"; the database says which. Topping up to
    `batch_max` lets one task score many comments in one model call (single-comment
    webhooks still give large batches under load), and makes a lost or late message
    harmless. On PostgreSQL, rows another worker holds are skipped (SKIP LOCKED).
    """
    locking = session.get_bind().dialect.name == "postgresql"
    comments: list[ClaimedComment] = []

    def load(query) -> list[ClaimedComment]:
        if locking:
            query = query.with_for_update(skip_locked=True, of=Comment)
        return [ClaimedComment(*row) for row in session.execute(query)]

    if comment_ids:
        comments = load(select(*CLAIMED_COLUMNS).where(Comment.id.in_(list(comment_ids)), Comment.status == RECEIVED)
                        .order_by(Comment.id))
    room = batch_max - len(comments)
    if room > 0:
        query = select(*CLAIMED_COLUMNS).where(Comment.status == RECEIVED)
        if comments:
            query = query.where(Comment.id.not_in([c.id for c in comments]))
        comments.extend(load(query.order_by(Comment.received_at).limit(room)))
    return comments


def score_comments(session: Session, comment_ids: list[int], model, max_chars: int = 5000,
                   batch_max: int = 0) -> list[ClaimedComment]:
    """Score the given comments that are still `received` (plus up to `batch_max` in all
    of the others waiting); idempotent.

    A comment already scored by another delivery is skipped (its status is no longer
    `received`). Returns the comments this call scored. The caller commits.

    The batch is written with a handful of statements whatever its size: one UPDATE of
    `comments`, one INSERT into `moderation_actions` (audit; see `change_statuses`), one
    INSERT into `scores`.
    """
    comments = claim(session, comment_ids, batch_max)
    if not comments:
        return []
    return _score_and_write(session, comments, model, max_chars, rescoring=False)


def rescore_claimed(session: Session, comment_ids: list[int], model, max_chars: int = 5000) -> int:
    """Score again comments the caller has locked (a site's pending queue after a site model
    promotion or rollback): new scores and version; the site's policy applies again, and a
    status that changes is audited (actor "auto"). The caller commits."""
    comments = [ClaimedComment(*row) for row in session.execute(
        select(*CLAIMED_COLUMNS).where(Comment.id.in_(list(comment_ids))).order_by(Comment.id))]
    if not comments:
        return 0
    return len(_score_and_write(session, comments, model, max_chars, rescoring=True))


def _score_and_write(session: Session, comments: list[ClaimedComment], model, max_chars: int,
                     rescoring: bool) -> list[ClaimedComment]:
    started = time.perf_counter()
    items = build_items(session, comments, max_chars)
    # the site's live model (if any) replaces the global scores of its labels; its candidate scores in shadow
    outputs, versions, shadow = site_scoring.score_with_sites(session, model, [c.site_id for c in comments], items)
    elapsed = time.perf_counter() - started
    metrics.scoring(elapsed, len(comments))
    policies = site_policies(session, model, {c.site_id for c in comments})
    authors = AuthorCounts(session, comments)
    now = utcnow()
    statuses = []
    for comment, out, version in zip(comments, outputs, versions):
        scores = {k: round(float(v), 6) for k, v in out["scores"].items()}
        comment.scores = scores
        comment.priority = max(scores.values()) if scores else 0.0
        if not comment.lang_given:
            comment.lang = out.get("lang") or out.get("lang_detected")
        comment.model_version = version
        comment.scored_at = now
        status, reasons = decide(scores, policies[comment.site_id])
        status, reasons = apply_site_rules(session, comment, status, reasons, authors)  # word lists, trusted authors
        authors.decided(comment, status)
        comment.reasons = reasons
        comment.flag_labels = ("," + ",".join(sorted({r["label"] for r in reasons})) + ",") if reasons else None
        statuses.append(status)
    changing = [i for i, (c, st) in enumerate(zip(comments, statuses)) if not rescoring or st != c.status]
    if changing:  # rescoring: only the comments whose status changes get an audit row
        change_statuses(
            session, [comments[i] for i in changing], [statuses[i] for i in changing], actor="auto",
            actions=[hold_or_auto(statuses[i]) for i in changing],
            reasons=[comments[i].reasons[0]["label"] if comments[i].reasons else None for i in changing],
            details=[comments[i].reasons for i in changing],
        )
    bulk_update(session, Comment.__table__, [
        {"id": c.id, "status": c.status, "scores": c.scores, "priority": c.priority, "lang": c.lang,
         "reasons": c.reasons, "flag_labels": c.flag_labels, "model_version": c.model_version,
         "decided_at": c.decided_at}
        for c in comments
    ], scored_at=now)
    bulk_insert(session, dialect_insert(session, Score.__table__).on_conflict_do_nothing(
        index_elements=["comment_id", "model_version"]), [
        {"comment_id": c.id, "scores": c.scores, "lang_detected": out.get("lang_detected"),
         "model_version": c.model_version}
        for c, out in zip(comments, outputs)
    ] + [
        {"comment_id": comments[row["index"]].id, "scores": row["scores"],
         "lang_detected": outputs[row["index"]].get("lang_detected"), "model_version": row["version"]}
        for row in shadow  # a candidate's scores, beside the live ones: stored, not acted on
    ], created_at=now)
    _expire_loaded(session, comments)
    log.info("rescored" if rescoring else "scored", extra={
        "comment_ids": [c.id for c in comments], "seconds": round(elapsed, 4), "model_version": model.version,
        "site_versions": sorted({v for v in versions if v != model.version})})
    return comments


def site_policies(session: Session, model, site_ids: set[str]) -> dict[str, Policy]:
    """Each site's effective policy, worked out once per batch."""
    rows = session.execute(select(Site.id, Site.policy).where(Site.id.in_(site_ids)))
    return {row.id: effective_policy(model.labels, model.thresholds, row.policy) for row in rows}


def _expire_loaded(session: Session, comments: list[ClaimedComment]) -> None:
    """`Comment` objects this session already holds (a caller's) reload their new state."""
    if not session.identity_map:
        return
    for c in comments:
        loaded = session.identity_map.get(identity_key(Comment, c.id))
        if loaded is not None:
            session.expire(loaded)


def unscored_ids(session: Session, older_than_s: float = 0.0, limit: int = 1000) -> list[int]:
    """Comments left `received` (lost or never-sent messages), oldest first."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(seconds=older_than_s)
    return list(session.scalars(
        select(Comment.id).where(Comment.status == RECEIVED, Comment.received_at <= cutoff)
        .order_by(Comment.received_at).limit(limit)
    ))
