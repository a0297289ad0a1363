"""PostgreSQL fast path of `core.ingest`.

The webhook's common case (every post already known and unchanged) without the ORM:
one SELECT of the posts, one autocommit INSERT ... ON CONFLICT DO NOTHING RETURNING
(committed when it returns), then, after that commit, the two parent-link statements
of `link_parents` (autocommit too). Same rows, ids, order and effects as
`ingest_comments` + commit + `link_after_commit`, without BEGIN/COMMIT round trips,
session bookkeeping or statement compilation. The INSERT's plan does not depend on
table sizes, so psycopg prepares it (planned once per connection); the lookups and
link statements run with prepare=False: a generic plan chosen while the tables were
tiny (a fresh database, before autovacuum's first ANALYZE) scans a site's whole
comment index per request, which cost ~0.6 ms of PostgreSQL CPU per webhook.
Anything else (a post to create or update, another database or driver) returns None
before writing anything, and the caller takes the ORM path.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import exc as sa_exc

from ..db.tables import RECEIVED, utcnow
from .ingest import POST_FIELDS, IngestResult, merge_post_sightings, new_with_parent, stored_fields

if TYPE_CHECKING:
    from .intake import CommentIn

log = logging.getLogger("colombe.ingest")

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
