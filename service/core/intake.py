"""Intake: how a comment enters Colombe, whatever brought it.

- `CommentIn` / `PostIn`: a comment (and its post) as every source hands it over;
- `validate_payload` / `validate_comment`: the generic webhook's JSON → `CommentIn`, with
  clear field errors (`FieldErrors`), never exceptions; other sources translate their own
  format into the same document first (WordPress, Coral, imports) or build `CommentIn`
  directly (pollers, Perspective);
- `accept(...)`: the one way in. Backlog check (`BacklogFull` when too many comments wait
  to be scored), idempotent store (`core.ingest`), commit, parent links, the
  `colombe_comments_received_total` / `_duplicate_total` counters, then enqueue for
  scoring. The generic webhook, WordPress, Coral, Perspective, the Blogger/Disqus pollers
  and the history imports all call it.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable

from sqlalchemy.orm import Session

from .. import metrics
from ..config import Settings
from ..db.session import get_engine, session_factory
from .ingest import IngestResult, ingest_comments, link_after_commit, unscored_backlog
from .ingest_pg import fast_path_supported, ingest_comments_fast

# The limits every comment meets (the webhook answers 422 past them; other sources skip the
# comment: see `intake_checks`).
from .intake_checks import (MAX_ID, MAX_LANG, MAX_NAME, MAX_POST_TEXT, MAX_URL,  # noqa: E402,F401
                            comment_problem, post_problem, skip_invalid, skip_invalid_posts)


@dataclass
class PostIn:
    external_id: str
    title: str | None = None
    text: str | None = None
    url: str | None = None
    lang: str | None = None
    # which optional keys were present (later sightings update only those)
    present: frozenset = frozenset()


@dataclass
class CommentIn:
    external_id: str
    text: str
    format: str = "text"
    post: PostIn | None = None
    parent_external_id: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    author_ip: str | None = None
    created_at: datetime | None = None
    lang: str | None = None
    extra: dict = field(default_factory=dict)


class FieldErrors(dict):
    """Field name (dotted path, e.g. `comments.3.author.email`) → what is wrong with it.
    The first message per field wins."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, message)


def _str(obj: dict, key: str, prefix: str, errors: FieldErrors, *, required=False, max_len=MAX_ID, allow_int=False):
    name = f"{prefix}{key}"
    if key not in obj or obj[key] is None:
        if required:
            errors.add(name, "is required")
        return None
    value = obj[key]
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.add(name, "must be a string")
        return None
    if "\x00" in value:
        errors.add(name, "must not contain NUL characters")
        return None
    if not value.isascii():
        try:  # JSON escapes can smuggle lone surrogates ("\ud800") that no database can store
            value.encode("utf-8")
        except UnicodeEncodeError:
            errors.add(name, "must not contain unpaired surrogates (invalid Unicode)")
            return None
    if len(value) > max_len:
        errors.add(name, f"is longer than {max_len} characters")
        return None
    if required and not value.strip():
        errors.add(name, "must not be empty")
        return None
    return value


def parse_timestamp(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    if not 1970 <= dt.year <= 2999:
        raise ValueError("year out of range")
    return dt.astimezone(timezone.utc)


def validate_comment(obj, prefix: str, errors: FieldErrors, max_text: int) -> CommentIn | None:
    if not isinstance(obj, dict):
        errors.add(prefix.rstrip(".") or "body", "must be an object")
        return None
    before = len(errors)
    external_id = _str(obj, "id", prefix, errors, required=True, allow_int=True)
    text = _str(obj, "text", prefix, errors, required=True, max_len=max_text)
    fmt = obj.get("format", "text")
    if fmt is None:
        fmt = "text"
    if fmt not in ("text", "html"):
        errors.add(f"{prefix}format", "must be 'text' or 'html'")
    post = None
    if obj.get("post") is not None:
        p = obj["post"]
        pp = f"{prefix}post."
        if not isinstance(p, dict):
            errors.add(f"{prefix}post", "must be an object")
        else:
            post_id = _str(p, "id", pp, errors, required=True, allow_int=True)
            title = _str(p, "title", pp, errors, max_len=2000)
            ptext = _str(p, "text", pp, errors, max_len=MAX_POST_TEXT)
            url = _str(p, "url", pp, errors, max_len=MAX_URL)
            plang = _str(p, "lang", pp, errors, max_len=MAX_LANG)
            present = frozenset(k for k in ("title", "text", "url", "lang") if p.get(k) is not None)
            if post_id is not None:
                post = PostIn(post_id, title, ptext, url, plang.lower() if plang else None, present)
    parent = _str(obj, "parent_id", prefix, errors, allow_int=True)
    author = obj.get("author")
    name = email = url = ip = None
    if author is not None:
        ap = f"{prefix}author."
        if not isinstance(author, dict):
            errors.add(f"{prefix}author", "must be an object")
        else:
            name = _str(author, "name", ap, errors, max_len=MAX_NAME)
            email = _str(author, "email", ap, errors, max_len=MAX_NAME)
            url = _str(author, "url", ap, errors, max_len=MAX_URL)
            ip = _str(author, "ip", ap, errors, max_len=64)
    created = None
    raw_created = _str(obj, "created_at", prefix, errors, max_len=64)
    if raw_created is not None:
        try:
            created = parse_timestamp(raw_created)
        except (ValueError, OverflowError):
            errors.add(f"{prefix}created_at", "must be an ISO-8601 timestamp")
    lang = _str(obj, "lang", prefix, errors, max_len=MAX_LANG)
    if len(errors) > before:
        return None
    return CommentIn(
        external_id=external_id,
        text=text,
        format=fmt,
        post=post,
        parent_external_id=parent,
        author_name=name,
        author_email=email,
        author_url=url,
        author_ip=ip,
        created_at=created,
        lang=lang.lower() if lang else None,
    )


def validate_payload(body, max_batch: int = 500, max_text: int = 100_000) -> tuple[list[CommentIn], dict[str, str]]:
    """One comment object, or {"comments": [...]} with up to `max_batch` items."""
    errors = FieldErrors()
    if not isinstance(body, dict):
        return [], {"body": "must be a JSON object (one comment, or {\"comments\": [...]})"}
    if "comments" in body and "text" not in body:
        items = body["comments"]
        if not isinstance(items, list):
            return [], {"comments": "must be an array"}
        if not items:
            return [], {"comments": "must not be empty"}
        if len(items) > max_batch:
            return [], {"comments": f"at most {max_batch} comments per request"}
        out = []
        for i, item in enumerate(items):
            c = validate_comment(item, f"comments.{i}.", errors, max_text)
            if c is not None:
                out.append(c)
        return (out if not errors else []), dict(errors)
    c = validate_comment(body, "", errors, max_text)
    return ([c] if c and not errors else []), dict(errors)


class Accepted(list):
    """`accept`'s answer: one `IngestResult` per stored comment (in order), plus `skipped`:
    (external id, reason) of the comments refused by the checks above."""

    skipped: list

    def __init__(self, results=(), skipped=()):
        super().__init__(results)
        self.skipped = list(skipped)


# ---- accept: the one way in --------------------------------------------------------------

class BacklogFull(Exception):
    """Too many comments are waiting to be scored: nothing was stored; retry later."""

    code = "backlog_full"

    def __init__(self, limit: int):
        super().__init__("too many comments are waiting to be scored; retry later")
        self.limit = limit


_backlog: dict[str, list] = {}  # database url -> [counted at, count]
_backlog_lock = threading.Lock()


def _count_backlog(engine, limit: int) -> int:
    """Unscored comments, counted up to `limit` (all the check needs)."""
    with engine.connect() as conn:
        return unscored_backlog(conn, limit)


def backlog_full(engine, database_url: str, limit: int) -> bool:
    """Unscored comments past the limit? Counted at most once a second per process (by one
    thread: the others use the previous count meanwhile)."""
    if not limit:
        return False
    now = time.monotonic()
    entry = _backlog.get(database_url)
    if entry is None or now - entry[0] > 1.0:
        if entry is None:
            _backlog_lock.acquire()
        elif not _backlog_lock.acquire(blocking=False):
            return entry[1] >= limit  # another thread is counting
        try:
            entry = _backlog.get(database_url)
            if entry is None or time.monotonic() - entry[0] > 1.0:
                entry = _backlog[database_url] = [time.monotonic(), _count_backlog(engine, limit)]
        finally:
            _backlog_lock.release()
    return entry[1] >= limit


def check_backlog(settings: Settings) -> None:
    """Raise `BacklogFull` when intake must refuse comments now (the webhook's 503 rule)."""
    if backlog_full(get_engine(settings.database_url), settings.database_url, settings.backlog_limit):
        raise BacklogFull(settings.backlog_limit)


def _count_accepted(database_url: str, n: int) -> None:
    entry = _backlog.get(database_url)
    if entry is not None:
        entry[1] += n


def accept(settings: Settings, site, comments: list[CommentIn], *, enqueue: Callable[[list[int]], object] | None,
           session: Session | None = None,
           before_commit: Callable[[Session, list[IngestResult]], Iterable[int]] | None = None,
           source: str = "webhook") -> Accepted:
    """Checks, backlog check, idempotent store, commit, parent links, metrics, then enqueue.

    `site` is a `Site` row or a cached `SiteAuth` (only `id` and `hash_salt` are used).
    Raises `BacklogFull` (nothing stored) past `settings.backlog_limit`. A comment that
    fails `comment_problem` is skipped (`source` names who brought it, for the log line
    and the metric). Returns one `IngestResult` per stored comment (in order; repeats are
    `duplicate`), and `.skipped`.

    `enqueue(ids)` receives the new comments to score (None: the sweeper scores them).
    `session`: the session to store with (the caller's request or poll session; its own
    pending changes, e.g. a poll cursor, are committed with the comments); by default a
    new one. `before_commit(session, results)` runs in the storing transaction and
    returns the ids it decided itself (history imports), which are then not enqueued.

    On PostgreSQL the common case (posts known and unchanged, nothing else to commit with
    the comments) takes the fast path of `ingest_comments_fast` (insert committed, then
    parents linked); anything else the ORM session, with the same effects.
    """
    engine = get_engine(settings.database_url)
    if backlog_full(engine, settings.database_url, settings.backlog_limit):
        raise BacklogFull(settings.backlog_limit)
    comments, skipped = skip_invalid(comments, settings.max_text_chars, source, getattr(site, "id", None))
    if not comments:
        if session is not None and (session.new or session.dirty or session.deleted):
            session.commit()  # the caller's own changes (a poll cursor past the skipped items)
        return Accepted((), skipped)
    results = None
    own_changes = session is not None and bool(session.new or session.dirty or session.deleted)
    if before_commit is None and not own_changes and fast_path_supported(engine):
        results = ingest_comments_fast(engine, site, comments)
    decided: set[int] = set()
    if results is None:
        s = session if session is not None else session_factory(settings.database_url)()
        try:
            results = ingest_comments(s, site, comments, link=False)
            if before_commit is not None:
                decided = set(before_commit(s, results) or ())
            s.commit()  # durably stored before we acknowledge or enqueue
            link_after_commit(s, site.id, comments, results)
        finally:
            if session is None:
                s.close()
    new_ids = [r.id for r in results if not r.duplicate]
    to_score = [i for i in new_ids if i not in decided]
    _count_accepted(settings.database_url, len(to_score))
    metrics.ingested(len(new_ids), len(results) - len(new_ids))
    if to_score and enqueue is not None:
        enqueue(to_score)
    return Accepted(results, skipped)
