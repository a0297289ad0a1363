"""Idempotent insert of webhook comments. The caller commits, then enqueues."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db.tables import RECEIVED, Comment, Post, Site, utcnow
from ..webhooks.schemas import CommentIn, PostIn
from .html import html_to_text, sanitize_html
from .security import hash_personal


@dataclass
class IngestResult:
    id: int
    external_id: str
    status: str
    duplicate: bool

    def as_json(self) -> dict:
        return {"id": self.id, "external_id": self.external_id, "status": self.status, "duplicate": self.duplicate}


def _insert(session: Session, table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {name!r}")


def upsert_posts(session: Session, site_id: str, posts: list[PostIn]) -> dict[str, int]:
    """Store posts seen for the first time; later sightings update the fields they carry.

    The common case (every post already known, nothing changed) is one SELECT.
    """
    latest: dict[str, PostIn] = {}
    for p in posts:  # merge sightings within one batch: later values win, absent keys don't erase
        seen = latest.get(p.external_id)
        if seen is None:
            latest[p.external_id] = PostIn(p.external_id, p.title, p.text, p.url, p.lang, p.present)
        else:
            for key in p.present:
                setattr(seen, key, getattr(p, key))
            seen.present = seen.present | p.present
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
        session.execute(_insert(session, Post).on_conflict_do_nothing(index_elements=["site_id", "external_id"]), rows)
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
        if c.format == "html":
            display = sanitize_html(c.text)
            text = html_to_text(c.text)
        else:
            display = None
            text = c.text
        rows.append({
            "site_id": site.id,
            "external_id": c.external_id,
            "post_id": post_ids.get(c.post.external_id) if c.post else None,
            "parent_external_id": c.parent_external_id,
            "text": text,
            "html": display,
            "format": c.format,
            "lang": c.lang,
            "lang_given": c.lang is not None,
            "author_name": c.author_name,
            "author_url": c.author_url,
            "author_email_hash": hash_personal(site.hash_salt, c.author_email),
            "author_ip_hash": hash_personal(site.hash_salt, c.author_ip),
            "author_key": author_key(site.hash_salt, c),
            "created_at": c.created_at,
            "received_at": now,
            "status": RECEIVED,
            "priority": 0.0,
        })
    stmt = (
        _insert(session, Comment)
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


def unscored_backlog(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Comment).where(Comment.status == RECEIVED)) or 0
