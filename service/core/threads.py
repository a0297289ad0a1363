"""Threads: the comments around one comment, as a reply tree (the JSON API and the UI)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.tables import Comment, Post
from .serialize import comment_json

MAX_MEMBERS = 5000


def thread_members(session: Session, c: Comment, post: Post | None, limit: int = MAX_MEMBERS) -> list[Comment]:
    """The comments of `c`'s thread: every comment of its post (at most `limit`, oldest
    first), or, without a post, the root above `c` and everything below it. Always
    includes `c`."""
    if post is not None:
        members = list(session.scalars(
            select(Comment).where(Comment.site_id == c.site_id, Comment.post_id == post.id)
            .order_by(Comment.id).limit(limit)))
    else:
        members = connected(session, c, limit)
    if all(m.id != c.id for m in members):
        members.append(c)
    return members


def connected(session: Session, c: Comment, limit: int = MAX_MEMBERS) -> list[Comment]:
    """Comments without a post: the root above `c` and everything below it."""
    root = c
    seen = {c.id}
    while root.parent_id and root.parent_id not in seen:
        parent = session.get(Comment, root.parent_id)
        if parent is None or parent.site_id != c.site_id:
            break
        seen.add(parent.id)
        root = parent
    members = [root]
    frontier = [root.id]
    while frontier and len(members) < limit:
        children = list(session.scalars(select(Comment).where(Comment.parent_id.in_(frontier), Comment.site_id == c.site_id)))
        children = [ch for ch in children if ch.id not in {m.id for m in members}]
        members.extend(children)
        frontier = [ch.id for ch in children]
    return members


def build_tree(members: list[Comment]) -> list[dict]:
    """Nested `comment_json` nodes (`replies` lists), roots first, by id."""
    nodes = {}
    for m in members:
        node = comment_json(m, None, brief=True)
        node.pop("post", None)
        node["replies"] = []
        nodes[m.id] = node
    parent_of = {m.id: m.parent_id for m in members if m.parent_id in nodes}

    def in_cycle(start: int) -> bool:  # hostile data may make A reply to B and B to A
        seen, cur = set(), start
        while cur in parent_of:
            if cur in seen:
                return True
            seen.add(cur)
            cur = parent_of[cur]
        return False

    roots = []
    for m in sorted(members, key=lambda x: x.id):
        node = nodes[m.id]
        if m.id in parent_of and not in_cycle(m.id):
            nodes[m.parent_id]["replies"].append(node)
        else:
            roots.append(node)
    return roots
