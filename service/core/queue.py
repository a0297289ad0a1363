"""Keyset pagination of the moderation queue, shared by the JSON API and the UI."""
from __future__ import annotations

from sqlalchemy import and_, or_

from ..db.tables import Comment
from ..web import clamp_id

SORTS = ("priority", "oldest", "newest")


def ordered_page(q, sort: str, cursor: list | None, limit: int):
    """Order `q` by `sort` and continue after `cursor` ([priority, id]); one extra row tells
    whether another page follows. Uses the (site, status, priority, id) and (site, status,
    id) indexes, so a page costs the same at any depth."""
    if sort == "priority":
        if cursor:
            p, cid = float(cursor[0]), clamp_id(cursor[1])
            q = q.where(or_(Comment.priority < p, and_(Comment.priority == p, Comment.id < cid)))
        q = q.order_by(Comment.priority.desc(), Comment.id.desc())
    elif sort == "oldest":
        if cursor:
            q = q.where(Comment.id > clamp_id(cursor[1]))
        q = q.order_by(Comment.id.asc())
    else:
        if cursor:
            q = q.where(Comment.id < clamp_id(cursor[1]))
        q = q.order_by(Comment.id.desc())
    return q.limit(limit + 1)
