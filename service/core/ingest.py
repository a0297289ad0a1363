"""Idempotent insert of webhook comments. The caller commits, then enqueues."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db.tables import RECEIVED, Comment, Post, Site, utcnow
from ..webhooks.schemas import CommentIn, PostIn
from .html import html_to_text, sanitize_html
from .security import hash_personal

log = logging.getLogger("colombe.ingest")


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


POST_FIELDS = ("title", "text", "url", "lang")


def merge_post_sightings(posts: list[PostIn]) -> dict[str, PostIn]:
    """One entry per post of a batch: later values win, absent keys don't erase."""
    latest: dict[str, PostIn] = {}
    for p in posts:
        seen = latest.get(p.external_id)
        if seen is None:
            latest[p.external_id] = PostIn(p.external_id, p.title, p.text, p.url, p.lang, p.present)
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


def unscored_backlog(session, limit: int | None = None) -> int:
    """Comments waiting to be scored (a Session or a Connection); with `limit`, counted
    only up to it (an index range that stops early instead of counting a huge backlog)."""
    if limit is None:
        return session.scalar(select(func.count()).select_from(Comment).where(Comment.status == RECEIVED)) or 0
    waiting = select(Comment.id).where(Comment.status == RECEIVED).limit(limit).subquery()
    return session.scalar(select(func.count()).select_from(waiting)) or 0


# ---------------------------------------------------------------- PostgreSQL fast path
#
# The webhook's common case (every post already known and unchanged) without the ORM:
# one SELECT of the posts, one autocommit INSERT ... ON CONFLICT DO NOTHING RETURNING
# (committed when it returns), then, after that commit, the two parent-link statements
# of `link_parents` (autocommit too). Same rows, ids, order and effects as
# `ingest_comments` + commit + `link_after_commit`, without BEGIN/COMMIT round trips,
# session bookkeeping or statement compilation. The INSERT's plan does not depend on
# table sizes, so psycopg prepares it (planned once per connection); the lookups and
# link statements run with prepare=False: a generic plan chosen while the tables were
# tiny (a fresh database, before autovacuum's first ANALYZE) scans a site's whole
# comment index per request, which cost ~0.6 ms of PostgreSQL CPU per webhook.
# Anything else (a post to create or update, another database or driver) returns None
# before writing anything, and the caller takes the ORM path.

_FAST_COLUMNS = ("external_id", "post_id", "parent_external_id", "text", "html", "format", "lang", "lang_given",
                 "author_name", "author_url", "author_email_hash", "author_ip_hash", "author_key", "created_at")
_FAST_TYPES = ("text", "int", "text", "text", "text", "text", "text", "bool",
               "text", "text", "text", "text", "text", "timestamptz")

_FAST_POSTS = ("SELECT id, external_id, title, text, url, lang FROM posts"
               " WHERE site_id = %s AND external_id = ANY(%s::text[])")

_FAST_INSERT = f"""INSERT INTO comments (site_id, {", ".join(_FAST_COLUMNS)}, received_at, status, priority)
SELECT %(site)s, {", ".join("v." + c for c in _FAST_COLUMNS)}, %(now)s, %(status)s, 0.0
  FROM unnest({", ".join(f"%({c})s::{t}[]" for c, t in zip(_FAST_COLUMNS, _FAST_TYPES))})
       WITH ORDINALITY AS v({", ".join(_FAST_COLUMNS)}, ord)
 ORDER BY v.ord
ON CONFLICT (site_id, external_id) DO NOTHING
RETURNING id, external_id"""
# ORDER BY: ids are drawn in the payload's order, as with the ORM's multi-row insert.

_FAST_LOOKUP = "SELECT id, external_id, status FROM comments WHERE site_id = %s AND external_id = ANY(%s::text[])"

_PARENT_OF = ("(SELECT parent.id FROM comments parent WHERE parent.site_id = comments.site_id"
              " AND parent.external_id = comments.parent_external_id)")
# The two statements of `link_parents` (see its comments on concurrency), as plain SQL.
_FAST_LINK_NEW_REPLIES = (f"UPDATE comments SET parent_id = {_PARENT_OF} WHERE id = ANY(%s::int[])"
                          f" AND parent_id IS NULL AND EXISTS {_PARENT_OF}")
_FAST_LINK_WAITING = (f"UPDATE comments SET parent_id = {_PARENT_OF} WHERE site_id = %s"
                      " AND parent_external_id = ANY(%s::text[]) AND parent_id IS NULL")


@contextmanager
def _autocommit_connection(engine):
    """A pooled psycopg connection in autocommit mode. Driver errors come out as SQLAlchemy's
    (OperationalError → 503 + Retry-After, as on the ORM path); a broken connection is dropped."""
    import psycopg

    try:
        fairy = engine.raw_connection()  # the pool does not wrap driver errors: a refused connect is raw
    except psycopg.Error as exc:
        raise sa_exc.DBAPIError.instance(None, None, exc, psycopg.Error, connection_invalidated=True) from exc
    conn = fairy.driver_connection
    try:
        conn.autocommit = True
        yield conn
    except psycopg.Error as exc:
        raise sa_exc.DBAPIError.instance(None, None, exc, psycopg.Error,
                                         connection_invalidated=conn.broken or conn.closed) from exc
    finally:
        try:
            if not (conn.broken or conn.closed):
                conn.autocommit = False
        except psycopg.Error:
            pass  # dropped below
        if conn.broken or conn.closed or conn.autocommit:
            fairy.invalidate()
        fairy.close()


def fast_path_supported(engine) -> bool:
    return engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"


def ingest_comments_fast(engine, site, comments: list[CommentIn]) -> list[IngestResult] | None:
    """Insert and commit, then link parents; None (nothing written) when the ORM path is needed."""
    if not comments:
        return []
    posts = merge_post_sightings([c.post for c in comments if c.post])
    unique: dict[str, CommentIn] = {}
    for c in comments:
        unique.setdefault(c.external_id, c)
    with _autocommit_connection(engine) as conn:
        cur = conn.cursor()
        post_ids: dict[str, int] = {}
        if posts:
            for row in cur.execute(_FAST_POSTS, (site.id, list(posts)), prepare=False):
                seen = posts[row[1]]
                stored = dict(zip(POST_FIELDS, row[2:]))
                if any(stored[k] != getattr(seen, k) for k in seen.present):
                    return None  # a sighting updates this post: the ORM path does it
                post_ids[row[1]] = row[0]
            if len(post_ids) < len(posts):
                return None  # a post to create
        columns: dict[str, list] = {name: [] for name in _FAST_COLUMNS}
        salt = site.hash_salt
        for ext, c in unique.items():
            row = stored_fields(salt, c)
            row["external_id"] = ext
            row["post_id"] = post_ids[c.post.external_id] if c.post else None
            for name in _FAST_COLUMNS:
                columns[name].append(row[name])
        inserted = {ext: cid for cid, ext in cur.execute(
            _FAST_INSERT, {**columns, "site": site.id, "now": utcnow(), "status": RECEIVED})}
        known = {ext: (cid, RECEIVED) for ext, cid in inserted.items()}
        if len(inserted) < len(unique):  # some were already stored: look them up
            rest = [ext for ext in unique if ext not in inserted]
            known.update((ext, (cid, status)) for cid, ext, status in cur.execute(_FAST_LOOKUP, (site.id, rest), prepare=False))
        if inserted:
            _fast_link(conn, site.id, new_with_parent(comments, inserted), list(inserted))
    results = []
    answered: set[str] = set()
    for c in comments:
        ext = c.external_id
        cid, status = known[ext]
        new = ext in inserted and ext not in answered
        answered.add(ext)
        results.append(IngestResult(cid, ext, RECEIVED if new else status, not new))
    return results


def _fast_link(conn, site_id: str, new_with_parent: list[int], new_external_ids: list[str]) -> None:
    """`link_parents` after our commit (best effort, like `link_after_commit`)."""
    import psycopg

    cur = conn.cursor()
    try:
        if new_with_parent:
            cur.execute(_FAST_LINK_NEW_REPLIES, (new_with_parent,), prepare=False)
        cur.execute(_FAST_LINK_WAITING, (site_id, new_external_ids), prepare=False)
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        log.warning("parent link failed", extra={"error": str(exc).splitlines()[0][:200]})
