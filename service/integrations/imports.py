"""History imports: a WordPress WXR export or a Blogger export becomes comments + training labels.

XML is parsed with defusedxml only (no DTDs, no entity expansion, no external entities),
streamed element by element so a large export does not sit in memory.

Comments enter through `core.intake.accept`, batch by batch, like webhook deliveries
(backlog rule, idempotent store, metrics). Past decisions become labels
(`training_labels`, source `import`) and statuses recorded with actor `import:<format>`,
in the same transaction; `core.outbox` never sends those back to the platform.
Comments still waiting for moderation on the platform (WXR `comment_approved` 0, Blogger
PENDING) stay `received` and are scored like new ones. Re-running an import changes
nothing: comments are keyed by (site, platform id) and labels by (site, comment); so
an import stopped by the backlog rule (`ImportStopped`) is finished by running it again.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

from defusedxml import ElementTree as DET
from defusedxml.common import DefusedXmlException
from sqlalchemy.orm import Session

from ..config import Settings
from ..core.html import html_to_text
from ..core.ingest import IngestResult, upsert_posts
from ..core.intake import (BacklogFull, CommentIn, FieldErrors, PostIn, accept, skip_invalid_posts,
                           validate_comment)
from ..core.status_changes import change_status
from ..core.training_labels import add_label
from ..db.session import session_scope
from ..db.tables import APPROVED, RECEIVED, REJECTED, Comment, Site

BATCH = 500
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATOM_NS = "http://www.w3.org/2005/Atom"
BLOGGER_NS = "http://schemas.google.com/blogger/2018"
THR_NS = "http://purl.org/syndication/thread/1.0"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"


class ExportFileError(Exception):
    """The file is not a usable export (or is hostile XML), or the site is unknown."""


@dataclass
class Decision:
    label: str | None  # clean | rejected | None (still pending: score it)
    reason: str | None = None


@dataclass
class ImportStats:
    posts: int = 0
    comments: int = 0
    new: int = 0
    labels: int = 0
    skipped: int = 0
    pending: int = 0
    errors: list = field(default_factory=list)
    new_pending_ids: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {"posts": self.posts, "comments": self.comments, "new": self.new, "labels": self.labels,
                "skipped": self.skipped, "pending": self.pending, "errors": self.errors[:20]}


class _Counting(io.RawIOBase):
    """File wrapper that reports bytes read (for the progress bar)."""

    def __init__(self, raw, on_read):
        self.raw, self.on_read = raw, on_read

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        if data:
            self.on_read(len(data))
        return len(data)


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _iter_elements(path: str, wanted: str, progress):
    """Yield each completed element whose local name is `wanted`, then free it."""
    size = os.path.getsize(path)
    with open(path, "rb") as raw:
        bar = progress(size) if progress else None
        stream = io.BufferedReader(_Counting(raw, bar.update if bar else (lambda n: None)))
        try:
            for _event, elem in DET.iterparse(stream, events=("end",), forbid_dtd=True):
                if _local(elem.tag)[1] == wanted:
                    yield elem
                    elem.clear()
        except DefusedXmlException as exc:
            raise ExportFileError(f"refused unsafe XML: {type(exc).__name__} ({exc})") from None
        except DET.ParseError as exc:
            raise ExportFileError(f"not well-formed XML: {exc}") from None
        finally:
            if bar:
                bar.close()


def _child_text(elem, name: str, ns_prefix: str | None = None) -> str | None:
    for child in elem:
        ns, local = _local(child.tag)
        if local == name and (ns_prefix is None or ns.startswith(ns_prefix)):
            return child.text
    return None


def _validated(doc: dict, stats: ImportStats, max_text: int) -> CommentIn | None:
    errors = FieldErrors()
    c = validate_comment(doc, "", errors, max_text)
    if c is None:
        stats.skipped += 1
        stats.errors.append({"id": str(doc.get("id"))[:80], "fields": dict(errors)})
    return c


# ---- WordPress WXR ---------------------------------------------------------------------

WP_NS = "http://wordpress.org/export/"


def _wxr_decision(approved: str | None) -> Decision:
    value = (approved or "").strip().lower()
    if value == "1":
        return Decision("clean")
    if value == "spam":
        return Decision("rejected", "spam")
    if value in ("trash", "post-trashed"):
        return Decision("rejected", "other")
    return Decision(None)


def _wp_date(value: str | None) -> str | None:
    if not value or value.startswith("0000"):
        return None
    return value.strip().replace(" ", "T") + "Z"


def parse_wxr(path: str, progress=None, max_text: int = 100_000):
    """Yield ("post", PostIn) and ("comment", CommentIn, Decision) from a WXR file."""
    stats = ImportStats()
    for item in _iter_elements(path, "item", progress):
        post_type = _child_text(item, "post_type", WP_NS) or "post"
        post_id = _child_text(item, "post_id", WP_NS)
        if not post_id or post_type in ("attachment", "nav_menu_item", "wp_block"):
            continue
        title = _child_text(item, "title")
        link = _child_text(item, "link")
        body = _child_text(item, "encoded", CONTENT_NS)
        text = html_to_text(body)[:200_000] if body else None
        present = frozenset(k for k, v in (("title", title), ("url", link), ("text", text)) if v)
        post = PostIn(post_id.strip(), title=title, text=text, url=link, present=present)
        yield ("post", post, None)
        for child in item:
            ns, local = _local(child.tag)
            if local != "comment" or not ns.startswith(WP_NS):
                continue
            ctype = (_child_text(child, "comment_type", WP_NS) or "").strip()
            if ctype in ("pingback", "trackback"):
                continue
            doc = {
                "id": (_child_text(child, "comment_id", WP_NS) or "").strip(),
                "text": _child_text(child, "comment_content", WP_NS) or "",
                "format": "html",
                "post": {"id": post.external_id},
            }
            parent = (_child_text(child, "comment_parent", WP_NS) or "0").strip()
            if parent not in ("", "0"):
                doc["parent_id"] = parent
            author = {k: v for k, v in (
                ("name", _child_text(child, "comment_author", WP_NS)),
                ("email", _child_text(child, "comment_author_email", WP_NS)),
                ("url", _child_text(child, "comment_author_url", WP_NS)),
                ("ip", _child_text(child, "comment_author_IP", WP_NS))) if v}
            if author:
                doc["author"] = author
            created = _wp_date(_child_text(child, "comment_date_gmt", WP_NS))
            if created:
                doc["created_at"] = created
            if not doc["text"].strip():
                stats.skipped += 1
                continue
            c = _validated(doc, stats, max_text)
            if c is not None:
                c.post = post
                yield ("comment", c, _wxr_decision(_child_text(child, "comment_approved", WP_NS)))
    yield ("stats", stats, None)


# ---- Blogger export (Atom) -------------------------------------------------------------

_TRAILING_ID = re.compile(r"(\d+)\s*$")


def blogger_id(value: str | None) -> str | None:
    """`tag:blogger.com,1999:blog-1.post-42` → `42` (the id the Blogger API uses)."""
    if not value:
        return None
    m = _TRAILING_ID.search(value.strip())
    return m.group(1) if m else value.strip()[:255]


def _blogger_decision(status: str | None) -> Decision:
    value = (status or "LIVE").strip().upper()
    if value == "LIVE":
        return Decision("clean")
    if value == "SPAM":
        return Decision("rejected", "spam")
    if value in ("DELETED", "EMPTIED", "REMOVED"):
        return Decision("rejected", "other")
    return Decision(None)  # PENDING (and anything unknown): score it


def parse_blogger(path: str, progress=None, max_text: int = 100_000):
    stats = ImportStats()
    for entry in _iter_elements(path, "entry", progress):
        kind = (_child_text(entry, "type", BLOGGER_NS) or "").strip().upper()
        parent_post = _child_text(entry, "parent", BLOGGER_NS)
        in_reply_to = _child_text(entry, "inReplyTo", BLOGGER_NS)
        if not kind:  # the older export format: <category scheme="...#kind" term="...#comment">
            for child in entry:
                if _local(child.tag)[1] == "category" and child.get("scheme") == KIND_SCHEME:
                    kind = child.get("term", "").rsplit("#", 1)[-1].upper()
                elif _local(child.tag) == (THR_NS, "in-reply-to"):
                    parent_post = parent_post or child.get("ref")
        entry_id = blogger_id(_child_text(entry, "id", ATOM_NS))
        if not entry_id:
            continue
        title = _child_text(entry, "title", ATOM_NS)
        content = _child_text(entry, "content", ATOM_NS) or ""
        url = None
        for child in entry:
            if _local(child.tag) == (ATOM_NS, "link") and child.get("rel") == "alternate":
                url = child.get("href")
        if kind in ("POST", "PAGE"):
            text = html_to_text(content)[:200_000] if content else None
            present = frozenset(k for k, v in (("title", title), ("url", url), ("text", text)) if v)
            yield ("post", PostIn(entry_id, title=title, text=text, url=url, present=present), None)
            continue
        if kind != "COMMENT":
            continue
        if not content.strip():
            stats.skipped += 1
            continue
        doc: dict = {"id": entry_id, "text": content, "format": "html"}
        post_id = blogger_id(parent_post)
        if post_id:
            doc["post"] = {"id": post_id}
        parent = blogger_id(in_reply_to)
        if parent and parent != post_id:
            doc["parent_id"] = parent
        author = {}
        for child in entry:
            if _local(child.tag) == (ATOM_NS, "author"):
                name, uri = _child_text(child, "name", ATOM_NS), _child_text(child, "uri", ATOM_NS)
                if name:
                    author["name"] = name
                if uri:
                    author["url"] = uri
        if author:
            doc["author"] = author
        published = _child_text(entry, "published", ATOM_NS)
        if published:
            doc["created_at"] = published.strip()
        c = _validated(doc, stats, max_text)
        if c is None and "created_at" in doc:  # a date we cannot read is not worth losing the comment
            doc.pop("created_at")
            stats.skipped -= 1
            stats.errors.pop()
            c = _validated(doc, stats, max_text)
        if c is not None:
            yield ("comment", c, _blogger_decision(_child_text(entry, "status", BLOGGER_NS)))
    yield ("stats", stats, None)


# ---- storing ---------------------------------------------------------------------------

class ImportStopped(Exception):
    """Intake refused a batch (too many comments waiting to be scored): what was stored
    before stays; `stats` counts it. Running the same import again later finishes it."""

    def __init__(self, reason: BacklogFull, stats: ImportStats):
        super().__init__(str(reason))
        self.reason, self.stats = reason, stats


def _decide_from_history(session: Session, site: Site, source: str, batch: list[tuple[CommentIn, Decision]],
                         results: list[IngestResult], stats: ImportStats) -> list[int]:
    """In the storing transaction: past decisions become statuses and labels. Returns
    the ids of the comments decided here (not to be scored)."""
    by_ext = {r.external_id: r for r in results}
    ids = [r.id for r in results]
    comments = {c.id: c for c in session.query(Comment).filter(Comment.id.in_(ids))}
    decided = []
    seen = set()
    for c_in, decision in batch:
        if c_in.external_id in seen:
            continue
        seen.add(c_in.external_id)
        r = by_ext.get(c_in.external_id)
        if r is None:  # skipped by intake's checks (counted by `run_import`)
            continue
        stats.comments += 1
        if not r.duplicate:
            stats.new += 1
        comment = comments[r.id]
        if decision.label is None:
            stats.pending += 1
            if not r.duplicate:
                stats.new_pending_ids.append(r.id)
            continue
        decided.append(comment.id)
        if comment.status == RECEIVED:
            to_status = APPROVED if decision.label == "clean" else REJECTED
            change_status(session, comment, to_status, actor=f"import:{source}",
                          action="approve" if to_status == APPROVED else "reject", reason=decision.reason,
                          note=f"imported from a {source} export")
        _row, created = add_label(session, site.id, source="import", key_material=f"comment:{c_in.external_id}",
                                  label=decision.label, reason=decision.reason, comment_id=comment.id)
        stats.labels += 1 if created else 0
    return decided


def run_import(settings: Settings, site_id: str, path: str, fmt: str, progress=None, enqueue=None) -> ImportStats:
    """Import an export file into `site_id`; `enqueue(ids)` gets the comments to score.
    Raises `ExportFileError` (bad file, unknown site) or `ImportStopped` (backlog full)."""
    parser = {"wxr": parse_wxr, "blogger": parse_blogger}[fmt]
    with session_scope(settings.database_url) as session:
        if session.get(Site, site_id) is None:
            raise ExportFileError(f"no site with id {site_id!r}")
    stats = ImportStats()
    posts: list[PostIn] = []
    batch: list[tuple[CommentIn, Decision]] = []

    def flush():
        with session_scope(settings.database_url) as session:
            site = session.get(Site, site_id)
            good_posts = skip_invalid_posts(posts, f"import:{fmt}", site_id)
            if good_posts:
                upsert_posts(session, site_id, good_posts)
            if batch:
                accepted = accept(settings, site, [c for c, _ in batch], enqueue=enqueue, session=session,
                                  before_commit=lambda s, results: _decide_from_history(s, site, fmt, batch, results,
                                                                                         stats),
                                  source=f"import:{fmt}")
                stats.skipped += len(accepted.skipped)
                stats.errors.extend({"id": ext, "reason": reason} for ext, reason in accepted.skipped)
        stats.posts += len(good_posts)
        posts.clear()
        batch.clear()

    try:
        for kind, obj, decision in parser(path, progress, settings.max_text_chars):
            if kind == "post":
                posts.append(obj)
            elif kind == "comment":
                batch.append((obj, decision))
            else:  # parser statistics
                stats.skipped += obj.skipped
                stats.errors.extend(obj.errors)
            if len(batch) >= BATCH or len(posts) >= BATCH:
                flush()
        flush()
    except BacklogFull as exc:
        raise ImportStopped(exc, stats) from None
    return stats
