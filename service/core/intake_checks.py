"""The checks every comment and post passes in `intake.accept`, whatever brought it.

The webhook's `intake.validate_comment` answers a sender field by field (422); comments
built by pollers, imports and platform endpoints meet the same limits here: a bad one is
skipped with a reason (logged, and counted in `colombe_intake_skipped_total{source,
reason}`) so that one hostile item cannot stop an import or block a poller's cursor.
Works on any object with the attributes of `intake.CommentIn` / `intake.PostIn`.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from .. import metrics

if TYPE_CHECKING:
    from .intake import CommentIn, PostIn

log = logging.getLogger("colombe.intake")

MAX_ID = 255
MAX_NAME = 255
MAX_URL = 2048
MAX_LANG = 16
MAX_POST_TEXT = 200_000


def _text_problem(value, max_len: int, required: bool = False) -> str | None:
    if value is None:
        return "missing" if required else None
    if not isinstance(value, str):
        return "not_text"
    if required and not value.strip():
        return "empty"
    if len(value) > max_len:
        return "too_long"
    if "\x00" in value:
        return "nul_character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "invalid_unicode"
    return None


def post_problem(p: PostIn) -> str | None:
    """Why a post cannot be stored (`<field>_<problem>`), or None."""
    for name, value, max_len, required in (("post_id", p.external_id, MAX_ID, True),
                                           ("post_title", p.title, 2000, False),
                                           ("post_text", p.text, MAX_POST_TEXT, False),
                                           ("post_url", p.url, MAX_URL, False), ("post_lang", p.lang, MAX_LANG, False)):
        problem = _text_problem(value, max_len, required)
        if problem:
            return f"{name}_{problem}"
    return None


def comment_problem(c: CommentIn, max_text: int) -> str | None:
    """Why a comment cannot be stored (`<field>_<problem>`), or None: the webhook's limits."""
    for name, value, max_len, required in (
            ("id", c.external_id, MAX_ID, True), ("text", c.text, max_text, True),
            ("parent_id", c.parent_external_id, MAX_ID, False), ("author_name", c.author_name, MAX_NAME, False),
            ("author_email", c.author_email, MAX_NAME, False), ("author_url", c.author_url, MAX_URL, False),
            ("author_ip", c.author_ip, 64, False), ("lang", c.lang, MAX_LANG, False)):
        problem = _text_problem(value, max_len, required)
        if problem:
            return f"{name}_{problem}"
    if c.format not in ("text", "html"):
        return "format_invalid"
    if c.created_at is not None and not (isinstance(c.created_at, datetime) and 1970 <= c.created_at.year <= 2999):
        return "created_at_invalid"
    return post_problem(c.post) if c.post is not None else None


def skip_invalid(comments: list[CommentIn], max_text: int, source: str,
                 site_id: str | None = None) -> tuple[list[CommentIn], list[tuple[str, str]]]:
    """(comments that pass the checks, (external id, reason) of the others: logged, counted)."""
    good, skipped = [], []
    for c in comments:
        reason = comment_problem(c, max_text)
        if reason is None:
            good.append(c)
            continue
        external = c.external_id if isinstance(c.external_id, str) else repr(c.external_id)
        external = external.encode("utf-8", "backslashreplace").decode("utf-8")[:80]
        skipped.append((external, reason))
        metrics.intake_skipped(source, reason)
        log.warning("intake skipped a comment", extra={"source": source, "site_id": site_id, "reason": reason,
                                                        "external_id": external})
    return good, skipped


def skip_invalid_posts(posts: list[PostIn], source: str, site_id: str | None = None) -> list[PostIn]:
    """The posts that pass the checks (the others are logged and counted)."""
    good = []
    for p in posts:
        reason = post_problem(p)
        if reason is None:
            good.append(p)
        else:
            metrics.intake_skipped(source, reason)
            log.warning("intake skipped a post", extra={"source": source, "site_id": site_id, "reason": reason,
                                                         "external_id": str(p.external_id)[:80]
                                                         .encode("utf-8", "backslashreplace").decode("utf-8")})
    return good


