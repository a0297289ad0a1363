"""Test doubles for unit tests only (integration tests use the real model and worker)."""
from __future__ import annotations

LABELS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene", "spam", "off_topic")


class FakeModel:
    """Deterministic keyword scorer with the registry Model's interface."""

    version = "fake-1"
    labels = LABELS
    thresholds = {label: {"recall_90": 0.5, "precision_90": 0.9} for label in LABELS}

    def __init__(self):
        self.calls = []

    def score_batch(self, items):
        self.calls.append(items)
        out = []
        for item in items:
            text = item["text"].lower()
            scores = {label: 0.01 for label in LABELS}
            if "idiot" in text or "connard" in text:
                scores.update(toxicity=0.97, insult=0.95)
            if "buy now" in text or "http" in text:
                scores.update(spam=0.7)
            lang = item.get("lang") or ("fr" if any(w in text for w in (" le ", " la ", " je ", "connard")) else "en")
            out.append({"scores": scores, "lang": lang, "lang_detected": lang})
        return out


class RecordingDispatcher:
    def __init__(self):
        self.sent = []

    def score(self, ids):
        self.sent.append(list(ids))
        return True

    def close(self):
        pass
