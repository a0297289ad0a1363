"""Span explanations: which words drove each score.

Occlusion: the comment is re-scored once per word with that word blanked out
(all variants in one batch).  A span's score for a label is how much the
label's calibrated score drops without it, so it answers "what made this
comment look toxic?" in the same units as the score itself.  Offsets are
character offsets into the ORIGINAL text (obfuscated words such as
``c.o.n.n.a.r.d`` or ``c o n n a r d`` are kept as one span).
"""
from __future__ import annotations

import re

import numpy as np

from .lang import detect_language

__all__ = ["explain_item", "spans_of"]

# single letters split by separators (kept as one span), else any run of non-space
_SPAN_RE = re.compile(r"(?<!\S)(?:\w[ .\-_*·•|/~]{1,2}){2,}\w(?!\S)|\S+")
_EDGE_PUNCT = "\"'«»“”‘’()[]{}<>,.;:!?…-_*~"
MAX_SPANS = 300
MIN_SPAN_SCORE = 0.35
BASELINE_LOGIT = float(np.log(0.1 / 0.9))   # a neutral comment: score 0.1
MIN_LABEL_SCORE = 0.2


def spans_of(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _SPAN_RE.finditer(text):
        b, e = m.start(), m.end()
        while b < e and text[b] in _EDGE_PUNCT:
            b += 1
        while e > b and text[e - 1] in _EDGE_PUNCT:
            e -= 1
        if e > b:
            out.append((b, e))
    return out[:MAX_SPANS]


def explain_item(model, item: dict, top_k: int = 10, labels=None, min_label_score: float = MIN_LABEL_SCORE,
                 min_span_score: float = MIN_SPAN_SCORE) -> list[dict]:
    """Spans of ``item["text"]`` that drove each text label's score.

    Occlusion in logit space: the text is re-scored once per span with that
    span blanked out (one batch).  ``delta`` = how much the span raises the
    label's logit in context.  The span's ``score`` is sigmoid(logit(0.1) +
    delta): the score a neutral comment (0.1) would reach with that span's
    contribution added -- a smooth, probability-like number that does not
    saturate when a comment holds several insults and stays low for words
    that barely move the score (delta 1.6 -> 0.35, 3 -> 0.69, 6 -> 0.98).
    Labels whose score is below ``min_label_score`` are not explained."""
    text = item.get("text") or ""
    spans = spans_of(text)
    if not spans:
        return []
    labels = [lab for lab in (labels or model.text_heads) if lab in model.text_heads]
    lang = item.get("lang") or detect_language(text)
    texts = [text] + [text[:b] + " " + text[e:] for b, e in spans]
    Z = model.text_logits(texts)
    col = {lab: model.head_column(lab, lang) for lab in labels}
    full_p = {lab: float(model.calibrate_head(col[lab], Z[:1, model.all_heads.index(col[lab])])[0])
              for lab in labels}
    out = []
    for lab in labels:
        if full_p[lab] < min_label_score:
            continue
        j = model.all_heads.index(col[lab])
        delta = Z[0, j] - Z[1:, j]
        span_p = 1.0 / (1.0 + np.exp(-(BASELINE_LOGIT + np.clip(delta, 0.0, 40.0))))
        order = np.argsort(-delta, kind="mergesort")
        kept = 0
        for k in order:
            if delta[k] <= 0 or span_p[k] < min_span_score or kept >= top_k:
                break
            b, e = spans[k]
            out.append({"begin": int(b), "end": int(e), "label": lab, "score": round(float(span_p[k]), 4),
                        "text": text[b:e]})
            kept += 1
    out.sort(key=lambda s: (-s["score"], s["begin"], s["label"]))
    return out
