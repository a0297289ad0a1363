"""JSON shapes of comments, posts and audit rows (API and UI share them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.tables import Comment, ModerationAction, Post


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def post_json(post: Post | None) -> dict | None:
    if post is None:
        return None
    return {"id": post.external_id, "title": post.title, "url": post.url, "lang": post.lang, "text": post.text}


def action_json(a: ModerationAction) -> dict:
    return {
        "id": a.id,
        "actor": a.actor,
        "action": a.action,
        "from_status": a.from_status,
        "to_status": a.to_status,
        "reason": a.reason,
        "note": a.note,
        "details": a.details,
        "model_version": a.model_version,
        "at": iso(a.created_at),
    }


def comment_json(c: Comment, post: Post | None = None, history: list[ModerationAction] | None = None,
                 brief: bool = False) -> dict:
    out = {
        "id": c.id,
        "external_id": c.external_id,
        "site": c.site_id,
        "post": post_json(post) if not brief else ({"id": post.external_id, "title": post.title, "url": post.url} if post else None),
        "parent_id": c.parent_id,
        "parent_external_id": c.parent_external_id,
        "text": c.text,
        "html": c.html,
        "format": c.format,
        "lang": c.lang,
        "author": {"name": c.author_name, "url": c.author_url},
        "status": c.status,
        "scores": c.scores,
        "reasons": c.reasons or [],
        "model_version": c.model_version,
        "created_at": iso(c.created_at),
        "received_at": iso(c.received_at),
        "scored_at": iso(c.scored_at),
        "decided_at": iso(c.decided_at),
    }
    if history is not None:
        out["history"] = [action_json(a) for a in history]
    return out


def load_history(session: Session, comment_id: int) -> list[ModerationAction]:
    return list(session.scalars(
        select(ModerationAction).where(ModerationAction.comment_id == comment_id).order_by(ModerationAction.id)
    ))
