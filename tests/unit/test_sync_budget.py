"""The synchronous APIs hand the model's second stage a deadline (service/core/sync_scoring.py)."""
from __future__ import annotations

import time

from service.core.sync_scoring import Budgeted


class _Recorder:
    takes_deadline = True
    version = "v-test"

    def __init__(self):
        self.calls = []

    def score_batch(self, items, deadline=None):
        self.calls.append(("score_batch", len(items), deadline))
        return [{"scores": {}} for _ in items]

    def score_batch_with_site_features(self, items, deadline=None):
        self.calls.append(("one_pass", len(items), deadline))
        return [], {}


class _Plain:
    """A model without deadlines (a test double or an older artifact's wrapper)."""

    def score_batch(self, items):
        return ["plain"] * len(items)


def test_each_call_gets_a_deadline_budget_ms_after_it_starts():
    m = _Recorder()
    b = Budgeted(m, 100)
    t0 = time.perf_counter()
    b.score_batch([{"text": "a"}])
    b.score_batch_with_site_features([{"text": "a"}, {"text": "b"}])
    t1 = time.perf_counter()
    (n1, k1, d1), (n2, k2, d2) = m.calls
    assert (n1, k1, n2, k2) == ("score_batch", 1, "one_pass", 2)
    assert t0 + 0.1 <= d1 <= t1 + 0.1 and d1 <= d2 <= t1 + 0.1
    assert b.version == "v-test"          # everything else is the model's


def test_no_second_stage_means_a_deadline_already_reached():
    m = _Recorder()
    before = time.perf_counter()
    Budgeted(m, 100, second_stage=False).score_batch([{"text": "a"}])
    assert m.calls[0][2] <= time.perf_counter() and m.calls[0][2] >= before


def test_a_model_without_deadlines_is_called_as_is():
    b = Budgeted(_Plain(), 100)
    assert b.score_batch([{}, {}]) == ["plain", "plain"]
    # no one-pass method on the model: none on the wrapper either (site scoring looks for it)
    assert getattr(b, "score_batch_with_site_features", None) is None
