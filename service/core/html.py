"""HTML comments: sanitized for display, reduced to plain text for scoring."""
from __future__ import annotations

import html as _html
import re

import nh3

ALLOWED_TAGS = {"a", "b", "strong", "i", "em", "u", "s", "p", "br", "blockquote", "code", "pre", "ul", "ol", "li", "q"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_BLOCK = re.compile(r"<\s*(br|/p|/div|/li|/blockquote|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\n{3,}")


def sanitize_html(markup: str) -> str:
    """Safe subset for display: no scripts, no event handlers, links get rel=noopener."""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment (scripts and styles dropped), entities decoded."""
    marked = _BLOCK.sub("\n", markup)
    stripped = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style"})
    text = _html.unescape(stripped)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _NEWLINES.sub("\n\n", "\n".join(lines)).strip()
