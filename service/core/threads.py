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


API_MAX_DEPTH = 32  # reply levels nested in the thread API's JSON
UI_MAX_DEPTH = 10  # reply levels indented on the thread page (WordPress's deepest setting)


def reply_depths(members: list[Comment]) -> tuple[dict[int, int], dict[int, int]]:
    """(parent of each comment within `members`, depth of each comment: 0 for a root).

    Iterative (a chain of replies thousands deep needs no recursion), and safe with hostile
    data: a comment whose ancestors loop (A replies to B, B to A) is treated as a root."""
    ids = {m.id for m in members}
    parent_of = {m.id: m.parent_id for m in members if m.parent_id in ids and m.parent_id != m.id}
    depth: dict[int, int] = {}
    for m in members:
        chain, seen, cur = [], set(), m.id
        while cur not in depth and cur in parent_of and cur not in seen:
            seen.add(cur)
            chain.append(cur)
            cur = parent_of[cur]
        if cur in seen:  # a loop above: everything walked here hangs from it; make roots of it
            for node in chain:
                parent_of.pop(node, None)
                depth[node] = 0
            continue
        base = depth.get(cur, 0)
        if cur not in depth:
            depth[cur] = 0
        for i, node in enumerate(reversed(chain), start=1):
            depth[node] = base + i
    return parent_of, depth


def build_tree(members: list[Comment], max_depth: int = API_MAX_DEPTH) -> list[dict]:
    """Nested `comment_json` nodes (`replies` lists), roots first, by id. Replies below
    `max_depth` levels are listed under their ancestor at the deepest level (flat, in id
    order; `parent_id` still names the comment they answer), so the nesting stays bounded
    however long a reply chain is."""
    parent_of, depth = reply_depths(members)
    nodes = {}
    for m in members:
        node = comment_json(m, None, brief=True)
        node.pop("post", None)
        node["replies"] = []
        nodes[m.id] = node
    anchor: dict[int, int] = {}  # where a too-deep reply is listed
    roots = []
    for m in sorted(members, key=lambda x: (depth.get(x.id, 0), x.id)):
        parent = parent_of.get(m.id)
        if parent is None:
            roots.append(nodes[m.id])
            continue
        host = parent if depth[parent] < max_depth else anchor[parent]
        anchor[m.id] = host
        nodes[host]["replies"].append(nodes[m.id])
    for node in nodes.values():
        node["replies"].sort(key=lambda n: n["id"])
    roots.sort(key=lambda n: n["id"])
    return roots


def flatten_tree(roots: list[dict]) -> list[tuple[str, dict | None, int | None]]:
    """The tree as a flat list of steps for a template that must not recurse:
    ("open", node, id it is shown under) starts an item, ("down", …) opens its replies,
    ("up", …) closes them and the item, ("close", …) closes an item without replies."""
    steps: list[tuple[str, dict | None, int | None]] = []
    stack: list[tuple[list[dict], int, int | None]] = [(roots, 0, None)]
    while stack:
        siblings, i, under = stack.pop()
        if i >= len(siblings):
            if stack:
                steps.append(("up", None, None))
            continue
        node = siblings[i]
        stack.append((siblings, i + 1, under))
        steps.append(("open", node, under))
        if node["replies"]:
            steps.append(("down", None, None))
            stack.append((node["replies"], 0, node["id"]))
        else:
            steps.append(("close", None, None))
    return steps
