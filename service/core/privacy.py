"""Retention and data-subject requests: purge old comments, export or delete one author's data.

Colombe never stores an author's e-mail address or IP in clear: only salted hashes
(per-site salt, `core.security.hash_personal`). To find an author's comments we hash
what the requester gives us with each site's salt and compare. Deleting a comment
removes everything derived from it: scores, audit rows, outbound deliveries and
training labels; replies to it stay, detached (`parent_id` NULL).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..db.auth_tables import LoginAttempt
from ..db.integration_tables import AnalyzedText, Delivery, PlatformStatus, TrainingLabel
from ..db.tables import APPROVED, REJECTED, Comment, ModerationAction, Post, Score, Site, utcnow
from .security import hash_personal

CHUNK = 500
DECIDED = (APPROVED, REJECTED)


@dataclass
class DeleteCounts:
    comments: int = 0
    scores: int = 0
    actions: int = 0
    deliveries: int = 0
    training_labels: int = 0
    login_attempts: int = 0
    by_site: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"comments": self.comments, "scores": self.scores, "actions": self.actions,
                "deliveries": self.deliveries, "training_labels": self.training_labels,
                "login_attempts": self.login_attempts, "by_site": self.by_site}


def delete_comments(session: Session, ids: list[int], counts: DeleteCounts | None = None) -> DeleteCounts:
    """Delete comments and what derives from them (explicitly: no reliance on FK cascades)."""
    counts = counts or DeleteCounts()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        action_ids = select(ModerationAction.id).where(ModerationAction.comment_id.in_(chunk))
        counts.deliveries += session.execute(
            delete(Delivery).where(or_(Delivery.comment_id.in_(chunk), Delivery.action_id.in_(action_ids)))
            .execution_options(synchronize_session=False)).rowcount or 0
        counts.training_labels += session.execute(
            delete(TrainingLabel).where(TrainingLabel.comment_id.in_(chunk))
            .execution_options(synchronize_session=False)).rowcount or 0
        counts.scores += session.execute(
            delete(Score).where(Score.comment_id.in_(chunk)).execution_options(synchronize_session=False)).rowcount or 0
        counts.actions += session.execute(
            delete(ModerationAction).where(ModerationAction.comment_id.in_(chunk))
            .execution_options(synchronize_session=False)).rowcount or 0
        session.execute(update(Comment).where(Comment.parent_id.in_(chunk)).values(parent_id=None)
                        .execution_options(synchronize_session=False))
        counts.comments += session.execute(
            delete(Comment).where(Comment.id.in_(chunk)).execution_options(synchronize_session=False)).rowcount or 0
    return counts


def purge_older_than(session: Session, days: float, *, site_id: str | None = None, include_undecided: bool = False,
                     dry_run: bool = False, now: datetime | None = None) -> DeleteCounts:
    """Retention: delete comments received more than `days` days ago.

    Undecided comments (`received`, `pending`) are kept unless `include_undecided`: a
    comment nobody has looked at yet is not silently dropped. Failed-login records
    older than the cutoff (they hold IPs in clear) go too. The caller commits.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    cutoff = (now or utcnow()) - timedelta(days=days)
    query = select(Comment.id, Comment.site_id).where(Comment.received_at < cutoff)
    if site_id is not None:
        query = query.where(Comment.site_id == site_id)
    if not include_undecided:
        query = query.where(Comment.status.in_(DECIDED))
    rows = list(session.execute(query.order_by(Comment.id)))
    counts = DeleteCounts()
    for row in rows:
        counts.by_site[row.site_id] = counts.by_site.get(row.site_id, 0) + 1
    if dry_run:
        counts.comments = len(rows)
        return counts
    delete_comments(session, [r.id for r in rows], counts)
    # texts scored through the Perspective API and kept for learning (never queued)
    stale = delete(AnalyzedText).where(AnalyzedText.created_at < cutoff)
    if site_id is not None:
        stale = stale.where(AnalyzedText.site_id == site_id)
    session.execute(stale.execution_options(synchronize_session=False))
    # platforms' statuses not heard of since (WordPress write-back bookkeeping)
    old_statuses = delete(PlatformStatus).where(PlatformStatus.updated_at < cutoff)
    if site_id is not None:
        old_statuses = old_statuses.where(PlatformStatus.site_id == site_id)
    session.execute(old_statuses.execution_options(synchronize_session=False))
    if site_id is None:
        counts.login_attempts = session.execute(
            delete(LoginAttempt).where(LoginAttempt.created_at < cutoff)
            .execution_options(synchronize_session=False)).rowcount or 0
    return counts


@dataclass
class AuthorQuery:
    email: str | None = None
    name: str | None = None
    ip: str | None = None

    def __post_init__(self):
        if not any(v and v.strip() for v in (self.email, self.name, self.ip)):
            raise ValueError("give at least one of email, name or ip")

    def condition(self, salt: str):
        """Match on hashes only: the clear values are never stored."""
        terms = []
        if self.email and self.email.strip():
            terms.append(Comment.author_email_hash == hash_personal(salt, self.email))
            terms.append(Comment.author_key == hash_personal(salt, "email:" + self.email))
        if self.name and self.name.strip():
            # authors known only by name are grouped by a hash of it (see core.ingest.author_key)
            terms.append(Comment.author_key == hash_personal(salt, "name:" + self.name))
        if self.ip and self.ip.strip():
            terms.append(Comment.author_ip_hash == hash_personal(salt, self.ip))
        return or_(*terms)


def find_author_comments(session: Session, who: AuthorQuery, site_id: str | None = None) -> list[Comment]:
    sites = session.scalars(select(Site).where(Site.id == site_id) if site_id else select(Site)).all()
    found: list[Comment] = []
    for site in sites:
        found.extend(session.scalars(
            select(Comment).where(Comment.site_id == site.id, who.condition(site.hash_salt)).order_by(Comment.id)))
    return found


def _iso(value):
    return value.isoformat() if value else None


def export_author(session: Session, who: AuthorQuery, site_id: str | None = None) -> dict:
    """Everything Colombe holds about this author's comments, as one JSON document."""
    comments = find_author_comments(session, who, site_id)
    post_ids = {c.post_id for c in comments if c.post_id}
    posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
    ids = [c.id for c in comments]
    history: dict[int, list] = {}
    scores: dict[int, list] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for a in session.scalars(select(ModerationAction).where(ModerationAction.comment_id.in_(chunk))
                                 .order_by(ModerationAction.id)):
            history.setdefault(a.comment_id, []).append({
                "at": _iso(a.created_at), "actor": a.actor, "action": a.action, "from_status": a.from_status,
                "to_status": a.to_status, "reason": a.reason, "note": a.note})
        for s in session.scalars(select(Score).where(Score.comment_id.in_(chunk)).order_by(Score.id)):
            scores.setdefault(s.comment_id, []).append({"model_version": s.model_version, "scores": s.scores,
                                                        "at": _iso(s.created_at)})
    out = []
    for c in comments:
        post = posts.get(c.post_id)
        out.append({
            "id": c.id, "site": c.site_id, "external_id": c.external_id,
            "post": {"id": post.external_id, "title": post.title, "url": post.url} if post else None,
            "parent_external_id": c.parent_external_id,
            "text": c.text, "html": c.html, "format": c.format, "lang": c.lang,
            "author": {"name": c.author_name, "url": c.author_url,
                       "email": "stored only as a salted hash" if c.author_email_hash else None,
                       "ip": "stored only as a salted hash" if c.author_ip_hash else None},
            "created_at": _iso(c.created_at), "received_at": _iso(c.received_at),
            "status": c.status, "reasons": c.reasons, "scores": scores.get(c.id, []),
            "decided_at": _iso(c.decided_at), "history": history.get(c.id, []),
        })
    return {"generated_at": _iso(utcnow()), "query": {k: bool(getattr(who, k)) for k in ("email", "name", "ip")},
            "count": len(out), "comments": out}


def delete_author(session: Session, who: AuthorQuery, site_id: str | None = None, dry_run: bool = False) -> DeleteCounts:
    """Erase this author's comments and what derives from them. The caller commits."""
    comments = find_author_comments(session, who, site_id)
    counts = DeleteCounts()
    for c in comments:
        counts.by_site[c.site_id] = counts.by_site.get(c.site_id, 0) + 1
    if dry_run:
        counts.comments = len(comments)
        return counts
    ids = [c.id for c in comments]
    session.expunge_all()
    return delete_comments(session, ids, counts)
