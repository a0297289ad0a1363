"""The dataset-average semantic head (``models.heads.fit_dataset_average``)."""
from __future__ import annotations

import numpy as np
import pytest

from models.heads import _fit_task, dense_kind, fit_dataset_average, fit_dense_logreg


def _data(seed=0):
    rng = np.random.default_rng(seed)
    # three "datasets" whose classes separate along different directions, and one with toxic rows only
    E, y, g = [], [], []
    for name, direction, n in (("a", 0, 300), ("b", 1, 60), ("c", 2, 120), ("only_toxic", 3, 80)):
        X = rng.normal(size=(n, 6))
        lab = (rng.random(n) < 0.5).astype(int) if name != "only_toxic" else np.ones(n, dtype=int)
        X[:, direction] += 2.5 * lab
        E.append(X)
        y.append(lab)
        g += [name] * n
    return np.vstack(E).astype(np.float32), np.concatenate(y), np.array(g)


def test_the_head_is_the_mean_of_one_fit_per_dataset_with_both_classes():
    E, y, g = _data()
    w = np.ones(len(y))
    coef, b = fit_dataset_average(E, y, w, 1.0, 13, g)
    fits = [fit_dense_logreg(E[g == d], y[g == d], w[g == d], 1.0, 13) for d in ("a", "b", "c")]
    np.testing.assert_allclose(coef, np.mean([c for c, _ in fits], axis=0), rtol=1e-5, atol=1e-6)
    assert b == pytest.approx(np.mean([i for _, i in fits]))
    # every dataset counts once: the small set's direction weighs as much as the large one's
    assert coef[1] == pytest.approx(coef[0], rel=0.35)
    # the set with one class has no fit of its own: its direction gets no weight
    assert abs(coef[3]) < 0.25 * min(coef[:3])


def test_each_dataset_fit_has_the_same_strength_whatever_the_global_weights():
    E, y, g = _data(1)
    w = np.where(g == "b", 0.05, 1.0)          # a set whose rows weigh little in a pooled fit
    coef, _ = fit_dataset_average(E, y, w, 1.0, 13, g)
    ref, _ = fit_dataset_average(E, y, np.ones(len(y)), 1.0, 13, g)
    np.testing.assert_allclose(coef, ref, rtol=1e-4, atol=1e-5)


def test_mix_lies_between_the_pooled_and_the_averaged_head():
    E, y, g = _data(2)
    w = np.ones(len(y))
    avg, _ = fit_dataset_average(E, y, w, 1.0, 13, g, "avg")
    mix, _ = fit_dataset_average(E, y, w, 1.0, 13, g, "mix")
    pooled, _ = fit_dense_logreg(E, y, w, 1.0, 13)
    assert not np.allclose(mix, avg) and not np.allclose(mix, pooled)
    apart = np.corrcoef(avg, pooled)[0, 1]
    assert np.corrcoef(mix, pooled)[0, 1] > apart and np.corrcoef(mix, avg)[0, 1] > apart


def test_the_task_scores_held_rows_with_the_averaged_head():
    E, y, g = _data(3)
    idx = np.arange(len(y))
    held = np.arange(0, len(y), 7)
    coef, b, z = _fit_task("dense:avg", E, idx, y, np.ones(len(y)), 1.0, 13, held, g)
    np.testing.assert_allclose(z, E[held].astype(np.float64) @ coef + b, rtol=1e-5, atol=1e-5)
    assert dense_kind({"semantic_average": {"toxicity": "avg"}}, "toxicity") == "dense:avg"
    assert dense_kind({"semantic_average": {"toxicity": "avg"}}, "insult") == "dense"
    assert dense_kind({}, "toxicity") == "dense"


def test_the_average_head_is_an_extra_input_of_the_toxic_labels_only_in_full():
    from models.signals import SIGNAL_NAMES
    from models.stacking import stack_inputs
    extra = ("toxicity@avg",)
    for label in ("toxicity", "insult", "threat", "severe_toxicity", "identity_attack", "obscene"):
        assert "sem:toxicity@avg" in stack_inputs(label, "full", SIGNAL_NAMES, sem_extra=extra)
        assert not any("@avg" in n for n in stack_inputs(label, "fast", SIGNAL_NAMES, sem_extra=extra))
    assert not any("@avg" in n for n in stack_inputs("spam", "full", SIGNAL_NAMES, sem_extra=extra))
    assert stack_inputs("toxicity", "full", SIGNAL_NAMES) == [
        n for n in stack_inputs("toxicity", "full", SIGNAL_NAMES, sem_extra=extra) if "@avg" not in n]
