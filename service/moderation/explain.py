"""Highlight spans (which words drove the scores), computed with the model and cached."""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict

from flask import current_app

from ..web import settings

log = logging.getLogger("colombe.moderation")

_lock = threading.Lock()
_cache: "OrderedDict[tuple, list]" = OrderedDict()
CACHE_SIZE = 5000
MAX_SPANS_PER_COMMENT = 12
MIN_SPAN_SCORE = 0.05
RETRY_AFTER_S = 60.0  # after a failed model load, the UI retries at most this often
_failures: dict[str, float] = {}


def model():
    """The scoring model (tests may put one in app.extensions['colombe_moderation']['model'])."""
    override = current_app.extensions.get("colombe_moderation", {}).get("model")
    if override is not None:
        return override
    key = settings().model_dir or ""
    failed_at = _failures.get(key)
    if failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER_S:
        return None
    try:
        from ..core.jobs import settings_model

        return settings_model(settings())
    except Exception as exc:  # the UI keeps working without highlights and suggestions
        _failures[key] = time.monotonic()
        log.warning("model unavailable for the moderator UI", extra={"error": str(exc)[:200]})
        return None


def model_info() -> dict:
    m = model()
    if m is None:
        return {"version": None, "labels": (), "thresholds": {}}
    return {"version": getattr(m, "version", None), "labels": tuple(getattr(m, "labels", ()) or ()),
            "thresholds": dict(getattr(m, "thresholds", {}) or {})}


def _utf16(text: str, index: int) -> int:
    """Python code-point offset → JavaScript (UTF-16) offset."""
    prefix = text[:index]
    return index + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def spans_for(comment, post_title: str | None = None, parent_text: str | None = None) -> list[dict]:
    """Non-overlapping highlight spans for a comment, in UTF-16 offsets for the browser.

    Only words that moved a label the comment was held for (its reasons) by at least
    MIN_SPAN_SCORE are kept: the moderator sees what drove the decision, not noise.
    """
    m = model()
    if m is None or not hasattr(m, "explain") or not comment.text:
        return []
    text = comment.text[:5000]
    key = (comment.id, getattr(m, "version", ""), hashlib.sha1(text.encode()).hexdigest())
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        raw = m.explain({"text": text, "post_title": post_title, "parent_text": parent_text, "lang": comment.lang})
    except Exception as exc:
        log.warning("explain failed", extra={"error": str(exc)[:200], "comment_ids": [comment.id]})
        raw = []
    flagged = {r.get("label") for r in (comment.reasons or []) if isinstance(r, dict)}
    chosen: list[dict] = []
    for span in sorted(raw or [], key=lambda s: -float(s.get("score", 0))):
        if float(span.get("score", 0)) < MIN_SPAN_SCORE or (flagged and span.get("label") not in flagged):
            continue
        b, e = int(span.get("begin", 0)), int(span.get("end", 0))
        if not 0 <= b < e <= len(text) or any(b < c["e"] and c["b"] < e for c in chosen):
            continue
        chosen.append({"b": b, "e": e, "label": str(span.get("label", "")), "score": round(float(span.get("score", 0)), 3)})
        if len(chosen) >= MAX_SPANS_PER_COMMENT:
            break
    out = [{"begin": _utf16(text, c["b"]), "end": _utf16(text, c["e"]), "label": c["label"], "score": c["score"]}
           for c in sorted(chosen, key=lambda c: c["b"])]
    with _lock:
        _cache[key] = out
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return out
