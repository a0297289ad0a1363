"""Signals from a comment's fields, beside its words: links and where they
point, the author's URL, contact details, money amounts, promotion words.

A blog platform sends more than the text (WordPress, Disqus and Akismet all
pass the author URL and the post's permalink).  Spam shows there: a link to
a domain that is not the site's own, an anchor tag in a two-line comment, an
author URL named ``cheap-loans-fast.xyz``.  These numbers go into the spam
and off-topic stacking stage (``stacking.py``), where their weights are
learned.

Item fields read: ``text``, ``author_url``, ``site_url`` (the blog's own
address), else ``post_url`` (its host is the site's).
"""
from __future__ import annotations

import math
import re

import numpy as np

from .pairs import PROMO_RE
from .text import EMAIL_RE, PHONE_RE

__all__ = ["SIGNAL_NAMES", "comment_signals", "domain_of", "link_domains"]

SIGNAL_NAMES = ("log_links", "foreign_link", "anchor_markup", "author_url", "author_url_foreign",
                "author_url_commercial", "has_email", "has_phone", "money", "promo", "log_len")

_LINK_RE = re.compile(r"(?i)(?:https?://|www\.)([a-z0-9.-]+)|\b((?:[a-z0-9-]{2,}\.)+(?:com|net|org|info|biz|io|ly|co|me|"
                      r"fr|be|ch|ca|ru|xyz|top|site|online|shop|club|store|support|app|dev|blog|uk|de|es|it))\b")
_ANCHOR_RE = re.compile(r"(?i)<a\s+href|\[url[=\]]|\[link|href=")
_MONEY_RE = re.compile(r"(?i)(?:[$€£]\s?\d|\d[\d.,  ]*\s?(?:[$€£]|(?:euros?|dollars?|usd|eur|btc)\b))")
# words that rarely name a person's own site but often a spammer's
_COMMERCIAL = frozenset("""
loan loans credit pret prets cash money pay payday casino casinos bet bets betting poker slots bonus pills pill
pharmacy pharma viagra cialis meds rx seo backlink backlinks rank ranking cheap discount deal deals sale outlet replica
replicas crypto bitcoin forex trading invest profit essay essays writers followers likes lottery prize winner dating
singles escort voyance marabout medium weightloss diet slim supplement support helpdesk help desk repair
""".split())
_REFERENCE = ("wikipedia.org", "wikimedia.org", "wiktionary.org", "archive.org", "gouv.fr", "europa.eu", "gov.uk")


def domain_of(url: str | None) -> str:
    """The last two labels of a URL's host (``blog.example.co`` -> ``example.co``), lower-cased."""
    if not url:
        return ""
    u = url.strip().lower()
    u = u.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    u = u.rsplit("@", 1)[-1].split(":", 1)[0].removeprefix("www.")
    parts = [p for p in u.split(".") if p]
    return ".".join(parts[-2:]) if len(parts) >= 2 else ""


def link_domains(text: str) -> list[str]:
    out = []
    for m in _LINK_RE.finditer(text or ""):
        host = m.group(1) or m.group(2) or ""
        d = domain_of(host)
        if d:
            out.append(d)
    return out


def _commercial(host_or_url: str) -> float:
    words = re.split(r"[^a-z]+", (host_or_url or "").lower())
    return float(min(3, sum(w in _COMMERCIAL for w in words)))


def _site_domain(item: dict) -> str:
    return domain_of(item.get("site_url") or item.get("post_url") or "")


def comment_signals(items: list[dict]) -> np.ndarray:
    """(n, len(SIGNAL_NAMES)) float64."""
    out = np.zeros((len(items), len(SIGNAL_NAMES)), dtype=np.float64)
    for i, it in enumerate(items):
        text = "" if it.get("text") is None else str(it.get("text"))
        site = _site_domain(it)
        doms = link_domains(text)
        foreign = [d for d in doms if d != site and not d.endswith(_REFERENCE)]
        au = str(it.get("author_url") or "").strip()
        au_dom = domain_of(au)
        digits = sum(ch.isdigit() for ch in text)
        out[i] = (
            math.log1p(min(len(doms), 20)),
            1.0 if foreign else 0.0,
            1.0 if _ANCHOR_RE.search(text) else 0.0,
            1.0 if au_dom else 0.0,
            1.0 if au_dom and au_dom != site else 0.0,
            _commercial(au.split("://", 1)[-1].split("/", 1)[0]) + max((_commercial(d) for d in foreign), default=0.0),
            1.0 if EMAIL_RE.search(text) else 0.0,
            1.0 if digits >= 8 and PHONE_RE.search(text) else 0.0,
            1.0 if _MONEY_RE.search(text) else 0.0,
            float(min(3, len(PROMO_RE.findall(text)))),
            math.log1p(len(text)),
        )
    return out
