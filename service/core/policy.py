"""Site policy: thresholds per label → approved, rejected or pending (with reasons).

Defaults come from the model's evaluation, not from constants:
- `approve_below[label]` for the two labels that decide alone, `toxicity` and `spam`, is
  the model's `recall_90` threshold: a comment is approved automatically only when its
  score is below the score that catches 90 % of that label's positives on the test split;
- for the sub-labels (`severe_toxicity`, `insult`, `threat`, `identity_attack`,
  `obscene`, several of them weakly supervised) and `off_topic` (learned from
  synthetic pairs), a recall-90 threshold sits near zero and would hold almost every
  comment; they hold a comment only when the head is confident: their `precision_90`
  threshold. They mostly explain *why* a toxic comment was held;
- `reject_above[label]` = off (None) by default; the model card's `precision_90`
  threshold is the suggested value for sites that want automatic rejection.
A site overrides any value in `sites.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..db.tables import APPROVED, PENDING, REJECTED

FALLBACK_APPROVE_BELOW = 0.5  # used only when a model carries no threshold for a label

# Which evaluated operating point holds a comment by default, per label.
HOLD_POINT = {"toxicity": "recall_90", "spam": "recall_90"}
DEFAULT_HOLD_POINT = "precision_90"


@dataclass(frozen=True)
class Policy:
    approve_below: dict[str, float]
    reject_above: dict[str, float | None]

    def as_json(self) -> dict:
        return {"approve_below": dict(self.approve_below), "reject_above": dict(self.reject_above)}


def hold_point(label: str) -> str:
    """The model card's operating point (`recall_90` or `precision_90`) that is `label`'s
    default `approve_below`: README's "Site policy" table and the settings page show it."""
    return HOLD_POINT.get(label, DEFAULT_HOLD_POINT)


# The model card's operating point suggested for `reject_above` (off by default).
REJECT_POINT = "precision_90"


def default_policy(labels, thresholds: dict[str, dict[str, float]]) -> Policy:
    approve = {}
    for label in labels:
        t = (thresholds or {}).get(label) or {}
        approve[label] = float(t.get(hold_point(label), FALLBACK_APPROVE_BELOW))
    return Policy(approve_below=approve, reject_above={label: None for label in labels})


def effective_policy(labels, thresholds, overrides: dict | None) -> Policy:
    base = default_policy(labels, thresholds)
    overrides = overrides or {}
    approve = dict(base.approve_below)
    reject = dict(base.reject_above)
    for label, value in (overrides.get("approve_below") or {}).items():
        if value is not None:
            approve[label] = float(value)
    for label, value in (overrides.get("reject_above") or {}).items():
        reject[label] = None if value is None else float(value)
    return Policy(approve, reject)


def validate_overrides(labels, data) -> tuple[dict, dict[str, str]]:
    """Check a policy override document; returns (clean, field errors)."""
    errors: dict[str, str] = {}
    clean: dict = {"approve_below": {}, "reject_above": {}}
    if not isinstance(data, dict):
        return clean, {"policy": "must be an object"}
    for key in data:
        if key not in clean:
            errors[key] = "unknown key (expected approve_below, reject_above)"
    for key in ("approve_below", "reject_above"):
        section = data.get(key) or {}
        if not isinstance(section, dict):
            errors[key] = "must be an object of label: number"
            continue
        for label, value in section.items():
            name = f"{key}.{label}"
            if label not in labels:
                errors[name] = "unknown label"
            elif value is None and key == "reject_above":
                clean[key][label] = None
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                errors[name] = "must be a number between 0 and 1"
            else:
                clean[key][label] = float(value)
    return clean, errors


def decide(scores: dict[str, float], policy: Policy) -> tuple[str, list[dict]]:
    """Apply a policy to scores. Returns (status, reasons).

    Each reason names the label, its score, the threshold crossed and the kind
    (`reject_above` or `approve_below`), so a moderator sees why a comment was held.
    """
    rejects = []
    holds = []
    for label, score in scores.items():
        reject_at = policy.reject_above.get(label)
        if reject_at is not None and score > reject_at:
            rejects.append({"label": label, "score": round(score, 4), "threshold": reject_at, "kind": "reject_above"})
        approve_at = policy.approve_below.get(label)
        if approve_at is not None and score >= approve_at:
            holds.append({"label": label, "score": round(score, 4), "threshold": approve_at, "kind": "approve_below"})
    if rejects:
        return REJECTED, sorted(rejects, key=lambda r: -r["score"])
    if holds:
        return PENDING, sorted(holds, key=lambda r: -r["score"])
    return APPROVED, []
