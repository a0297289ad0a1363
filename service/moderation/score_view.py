"""What a card shows about scores: colours from the site's own thresholds, the reject
reason to preselect, and which heading ("why held" / "why rejected" / "why approved") fits.

Colours, per label, against the site's hold threshold t (`approve_below`):
green below t/2, amber from t/2 up to t (close to holding), red at or above t (this label
holds the comment on its own). A spam score of 0.32 against a 0.05 threshold is red; an
identity-attack score of 0.51 against 0.80 is amber, not red.
"""
from __future__ import annotations

import math

from sqlalchemy import select

from ..core.policy import Policy, effective_policy
from ..db.tables import Site
from .explain import model_info

NEAR = 0.5  # amber from this fraction of the threshold

# model label -> reject reason (the reasons train the site model: keep them right)
REASON_OF_LABEL = {"spam": "spam", "off_topic": "off_topic", "banned_word": "toxic", "suspect_word": "toxic"}
HOLD_KINDS = ("approve_below", "suspect_word", "author_held")
REJECT_KINDS = ("reject_above", "banned_word")


def _field(comment, name):
    """Comments are ORM rows in the queue and `comment_json` dicts in the thread view."""
    return comment.get(name) if isinstance(comment, dict) else getattr(comment, name, None)


def site_policies(session, site_ids) -> dict[str, Policy]:
    info = model_info()
    labels = list(info["labels"])
    if not site_ids:
        return {}
    rows = session.execute(select(Site.id, Site.policy).where(Site.id.in_(list(site_ids)))).all()
    return {sid: effective_policy(labels, info["thresholds"], policy) for sid, policy in rows}


def _threshold(policy: Policy | None, label: str):
    if policy is None:
        return None
    value = policy.approve_below.get(label)
    return float(value) if isinstance(value, (int, float)) else None


def band(score: float, threshold: float | None) -> str:
    if threshold is None:
        return "unknown"
    if score >= threshold:
        return "high"
    if score >= threshold * NEAR:
        return "near"
    return "low"


def _decimals(v: float) -> int:
    """Decimals for two significant digits (at least two): 0.32 → 2, 0.05 → 3, 0.0015 → 4."""
    if v <= 0:
        return 2
    return max(2, 1 - math.floor(math.log10(v)))


def pair(score: float, threshold: float | None) -> tuple[str, str]:
    """Score and threshold, each with two significant digits, more while they read the same."""
    if threshold is None:
        return f"{score:.{_decimals(score)}f}", ""
    ds, dt = _decimals(score), _decimals(threshold)
    for extra in range(4):
        a, b = f"{score:.{ds + extra}f}", f"{threshold:.{dt + extra}f}"
        if float(a) != float(b):
            return a, b
    return a, b


def score_rows(comment, policy: Policy | None) -> list[dict]:
    rows = []
    for label, value in (_field(comment, 'scores') or {}).items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        score = float(value)
        t = _threshold(policy, label)
        s_txt, t_txt = pair(score, t)
        rows.append({"label": label, "score": score, "threshold": t, "band": band(score, t),
                     "score_txt": s_txt, "threshold_txt": t_txt,
                     "low": round(t * NEAR, 6) if t is not None else 0.3,
                     "high": round(t, 6) if t is not None else 0.5})
    rows.sort(key=lambda r: -r["score"])
    return rows


def suggest_reason(comment, policy: Policy | None = None) -> str:
    """The label furthest above its own threshold (score / threshold) decides the reason."""
    best, best_ratio = None, 0.0
    for label, value in (_field(comment, 'scores') or {}).items():
        t = _threshold(policy, label)
        if not isinstance(value, (int, float)) or not t or t <= 0:
            continue
        ratio = float(value) / t
        if ratio >= 1.0 and ratio > best_ratio:
            best, best_ratio = label, ratio
    if best is None:  # nothing above its threshold: the rules (word lists) may still say why
        for r in _field(comment, 'reasons') or []:
            if isinstance(r, dict) and r.get("label") in REASON_OF_LABEL:
                return REASON_OF_LABEL[r["label"]]
        return "other"
    return REASON_OF_LABEL.get(best, "toxic")


def why_heading(comment) -> str | None:
    """The heading over a comment's reasons, from what the reasons did; None when there are none."""
    kinds = {r.get("kind") for r in (_field(comment, 'reasons') or []) if isinstance(r, dict)}
    if not kinds:
        return None
    if kinds & set(REJECT_KINDS):
        return "Why rejected"
    if kinds & {"trusted_author", "author_trusted"}:
        return "Why approved"
    if kinds & set(HOLD_KINDS):
        return "Why held"
    return "Reasons"
