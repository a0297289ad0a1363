"""Storing comments: idempotent insert on (site, external id), posts, parent links.

`core.intake.accept` calls these (and commits, then enqueues); the PostgreSQL fast path
of the same insert is `core.ingest_pg`.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ..db.bulk import dialect_insert
from ..db.tables import RECEIVED, Comment, Post, Site, utcnow
from .html import html_to_text, sanitize_html
from .security import hash_personal

if TYPE_CHECKING:  # the intake's types (core.intake imports this module)
    from .intake import CommentIn, PostIn

log = logging.getLogger("colombe.ingest")


@dataclass
class IngestResult:
    id: int
    external_id: str
    status: str
    duplicate: bool

    def as_json(self) -> dict:
        return {"id": self.id, "external_id": self.external_id, "status": self.status, "duplicate": self.duplicate}


POST_FIELDS = ("title", "text", "url", "lang")


def merge_post_sightings(posts: list[PostIn]) -> dict[str, PostIn]:
    """One entry per post of a batch: later values win, absent keys don't erase."""
    latest: dict[str, PostIn] = {}
    for p in posts:
        seen = latest.get(p.external_id)
        if seen is None:
            latest[p.external_id] = dataclasses.replace(p)  # a copy: the caller's object stays as it was
        else:
            for key in p.present:
                setattr(seen, key, getattr(p, key))
            seen.present = seen.present | p.present
    return latest


def upsert_posts(session: Session, site_id: str, posts: list[PostIn]) -> dict[str, int]:
    """Store posts seen for the first time; later sightings update the fields they carry.

    The common case (every post already known, nothing changed) is one SELECT.
    """
    latest = merge_post_sightings(posts)
    if not latest:
        return {}
    wanted = sorted({key for p in latest.values() for key in p.present})
    columns = [Post.id, Post.external_id] + [getattr(Post, key) for key in wanted]

    def load() -> dict:
        query = select(*columns).where(Post.site_id == site_id, Post.external_id.in_(list(latest)))
        return {row.external_id: row for row in session.execute(query)}

    now = utcnow()
    stored = load()
    missing = [p for key, p in latest.items() if key not in stored]
    if missing:
        rows = [{"site_id": site_id, "external_id": p.external_id, "title": p.title, "text": p.text, "url": p.url,
                 "lang": p.lang, "created_at": now, "updated_at": now} for p in missing]
        session.execute(dialect_insert(session, Post).on_conflict_do_nothing(index_elements=["site_id", "external_id"]), rows)
        stored = load()
    for key, seen in latest.items():
        row = stored[key]
        changes = {k: getattr(seen, k) for k in seen.present if getattr(row, k) != getattr(seen, k)}
        if changes:
            session.execute(update(Post).where(Post.id == row.id).values(**changes, updated_at=now))
    return {key: row.id for key, row in stored.items()}


def author_key(salt: str, c: CommentIn) -> str | None:
    if c.author_email:
        return hash_personal(salt, "email:" + c.author_email)
    if c.author_name:
        return hash_personal(salt, "name:" + c.author_name)
    return None


def stored_fields(salt: str, c: CommentIn) -> dict:
    """What a comment row stores from the payload (text reduced, personal data hashed)."""
    if c.format == "html":
        display = sanitize_html(c.text)
        text = html_to_text(c.text)
    else:
        display = None
        text = c.text
    return {
        "parent_external_id": c.parent_external_id,
        "text": text,
        "html": display,
        "format": c.format,
        "lang": c.lang,
        "lang_given": c.lang is not None,
        "author_name": c.author_name,
        "author_url": c.author_url,
        "author_email_hash": hash_personal(salt, c.author_email),
        "author_ip_hash": hash_personal(salt, c.author_ip),
        "author_key": author_key(salt, c),
        "created_at": c.created_at,
    }


def ingest_comments(session: Session, site: Site, comments: list[CommentIn], link: bool = True) -> list[IngestResult]:
    """Insert new comments; a known (site, external id) is a duplicate and changes nothing.

    Safe under concurrent deliveries of the same webhook: the unique constraint and
    `ON CONFLICT DO NOTHING` decide which delivery stores the comment. With
    `link=False` the caller links parents itself after commit (see `link_parents`).
    """
    if not comments:
        return []
    post_ids = upsert_posts(session, site.id, [c.post for c in comments if c.post])
    now = utcnow()
    rows = []
    first_seen: set[str] = set()
    for c in comments:
        if c.external_id in first_seen:
            continue
        first_seen.add(c.external_id)
        rows.append({
            "site_id": site.id,
            "external_id": c.external_id,
            "post_id": post_ids.get(c.post.external_id) if c.post else None,
            **stored_fields(site.hash_salt, c),
            "received_at": now,
            "status": RECEIVED,
            "priority": 0.0,
        })
    stmt = (
        dialect_insert(session, Comment)
        .on_conflict_do_nothing(index_elements=["site_id", "external_id"])
        .returning(Comment.id, Comment.external_id)
    )
    inserted = {row.external_id: row.id for row in session.execute(stmt, rows)}
    external_ids = [c.external_id for c in comments]
    known = {ext: (cid, RECEIVED) for ext, cid in inserted.items()}
    if len(inserted) < len(first_seen):  # some were already stored: look them up
        known.update(
            (row.external_id, (row.id, row.status))
            for row in session.execute(
                select(Comment.id, Comment.external_id, Comment.status).where(
                    Comment.site_id == site.id, Comment.external_id.in_(first_seen - set(inserted))
                )
            )
        )
    if inserted and link:
        link_parents(session, site.id, new_with_parent(comments, inserted), list(inserted))
    results = []
    answered: set[str] = set()
    for ext in external_ids:
        cid, status = known[ext]
        new = ext in inserted and ext not in answered
        answered.add(ext)
        results.append(IngestResult(cid, ext, RECEIVED if new else status, not new))
    return results


def new_with_parent(comments: list[CommentIn], inserted: dict[str, int]) -> list[int]:
    return [inserted[c.external_id] for c in comments if c.parent_external_id and c.external_id in inserted]


def link_after_commit(session: Session, site_id: str, comments, results) -> None:
    """Link replies and parents once our rows are committed.

    A reply and its parent stored by concurrent requests cannot see each other's
    uncommitted rows; linking after commit means whichever request commits last sees
    both. Best effort: the comments are already stored, and `parent_external_id` keeps
    the relation if this step fails (the sweeper relinks recent orphans).
    """
    inserted = {r.external_id: r.id for r in results if not r.duplicate}
    try:
        link_parents(session, site_id, new_with_parent(comments, inserted), list(inserted))
        session.commit()
    except (OperationalError, InterfaceError) as exc:
        session.rollback()
        log.warning("parent link failed", extra={"error": str(exc).splitlines()[0][:200]})


def _link_statements():
    """Built once (statement construction is costly on a hot path), executed with parameters."""
    comments = Comment.__table__
    parent = comments.alias("parent")
    same_parent = (parent.c.site_id == comments.c.site_id) & (parent.c.external_id == comments.c.parent_external_id)
    # New replies look up their parent. `parent_id IS NULL` and EXISTS matter under
    # concurrency: this statement may wait for a row lock (a scoring worker holds the reply)
    # while the parent's request links it; on wake-up PostgreSQL re-checks the WHERE on the
    # new row, so a stale snapshot that cannot see the parent never overwrites the link.
    new_replies = (
        update(comments)
        .where(comments.c.id.in_(bindparam("ids", expanding=True)), comments.c.parent_id.is_(None),
               select(parent.c.id).where(same_parent).exists())
        .values(parent_id=select(parent.c.id).where(same_parent).scalar_subquery())
    )
    # Earlier replies waiting for one of the new comments get linked to it.
    waiting = (
        update(comments)
        .where(comments.c.site_id == bindparam("site"),
               comments.c.parent_external_id.in_(bindparam("exts", expanding=True)),
               comments.c.parent_id.is_(None))
        .values(parent_id=select(parent.c.id).where(same_parent).scalar_subquery())
    )
    return new_replies, waiting


_LINK_NEW_REPLIES, _LINK_WAITING = _link_statements()


def link_parents(session: Session, site_id: str, new_with_parent: list[int], new_external_ids: list[str]) -> None:
    """Resolve parent ids both ways: replies may arrive before their parent.

    Two index-friendly statements: new replies look up their parent, and earlier
    replies waiting for one of the new comments get linked to it.
    """
    if new_with_parent:
        session.execute(_LINK_NEW_REPLIES, {"ids": list(new_with_parent)})
    if new_external_ids:
        session.execute(_LINK_WAITING, {"site": site_id, "exts": list(new_external_ids)})


def relink_recent_orphans(session: Session, window: int = 50_000) -> int:
    """Repair parent links missed after commit (e.g. the database dropped right then).

    Looks only at the newest `window` comments (a primary-key range), so a sweep stays
    cheap however large the table grows; replies whose parent never arrived cost nothing.
    """
    comments = Comment.__table__
    parent = comments.alias("parent")
    top = session.scalar(select(func.max(comments.c.id))) or 0
    same_parent = (parent.c.site_id == comments.c.site_id) & (parent.c.external_id == comments.c.parent_external_id)
    result = session.execute(
        update(comments)
        .where(comments.c.id > top - window, comments.c.parent_id.is_(None),
               comments.c.parent_external_id.is_not(None), select(parent.c.id).where(same_parent).exists())
        .values(parent_id=select(parent.c.id).where(same_parent).scalar_subquery())
    )
    return result.rowcount or 0


def unscored_backlog(session, limit: int | None = None) -> int:
    """Comments waiting to be scored (a Session or a Connection); with `limit`, counted
    only up to it (an index range that stops early instead of counting a huge backlog)."""
    if limit is None:
        return session.scalar(select(func.count()).select_from(Comment).where(Comment.status == RECEIVED)) or 0
    waiting = select(Comment.id).where(Comment.status == RECEIVED).limit(limit).subquery()
    return session.scalar(select(func.count()).select_from(waiting)) or 0
