"""The second stage's hidden-layer heads (models/mlp.py): what they learn, how they are stored."""
from __future__ import annotations

import numpy as np
import pytest

from models.mlp import fit_mlp_head, head_logits, mlp_logits, sem2_arrays, sem2_heads

SPEC = {"hidden": 16, "alpha": 1e-4, "epochs": 200}


def _xor(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)).astype(np.float32)
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X, y


def test_hidden_layer_learns_what_a_linear_head_cannot():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    X, y = _xor()
    Xt, yt = _xor(seed=1)
    params, b = fit_mlp_head(X, y, np.ones(len(y)), SPEC, seed=13)
    assert roc_auc_score(yt, mlp_logits(Xt, params, b)) > 0.95
    linear = LogisticRegression().fit(X, y)
    assert roc_auc_score(yt, linear.decision_function(Xt)) < 0.65


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_logits_match_scikit_learn_and_do_not_depend_on_the_batch():
    from sklearn.neural_network import MLPClassifier
    X, y = _xor()
    params, b = fit_mlp_head(X, y, np.ones(len(y)), SPEC, seed=13)
    clf = MLPClassifier(hidden_layer_sizes=(16,), alpha=1e-4, max_iter=200, batch_size=256,
                        learning_rate_init=1e-3, random_state=13).fit(X, y, sample_weight=np.ones(len(y)))
    p = 1 / (1 + np.exp(-mlp_logits(X, params, b)))
    np.testing.assert_allclose(p, clf.predict_proba(X)[:, 1], atol=1e-5)
    alone = np.array([mlp_logits(X[i:i + 1], params, b, rowwise=True)[0] for i in range(20)])
    together = mlp_logits(X[:20], params, b, rowwise=True)
    assert np.array_equal(alone, together)


def test_row_weights_move_the_head():
    X, y = _xor()
    w = np.where(y == 1, 10.0, 0.1)
    p_up, b_up = fit_mlp_head(X, y, w, SPEC, seed=13)
    p_eq, b_eq = fit_mlp_head(X, y, np.ones(len(y)), SPEC, seed=13)
    assert mlp_logits(X, p_up, b_up).mean() > mlp_logits(X, p_eq, b_eq).mean() + 1.0


def test_arrays_round_trip_both_head_shapes(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 6)).astype(np.float32)
    hidden = [((rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32),
                rng.normal(size=4).astype(np.float32)), float(k)) for k in range(3)]
    linear = [(rng.normal(size=6).astype(np.float32), float(k)) for k in range(3)]
    for heads in (hidden, linear):
        np.savez(tmp_path / "s2.npz", **sem2_arrays(heads))
        with np.load(tmp_path / "s2.npz", allow_pickle=False) as z:
            back = sem2_heads({k: z[k] for k in z.files})
        for (c0, b0), (c1, b1) in zip(heads, back):
            np.testing.assert_allclose(head_logits(X, c0, b0, rowwise=True), head_logits(X, c1, b1, rowwise=True),
                                       rtol=1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_several_seeds_are_stored_as_one_layer_whose_logit_is_their_mean():
    X, y = _xor()
    w = np.ones(len(y))
    (H, c, v), b = fit_mlp_head(X, y, w, {**SPEC, "seeds": 3}, seed=13)
    assert H.shape == (2, 48) and c.shape == (48,) and v.shape == (48,)
    singles = [fit_mlp_head(X, y, w, SPEC, seed=13 + i) for i in range(3)]
    mean = np.mean([mlp_logits(X, p, pb) for p, pb in singles], axis=0)
    np.testing.assert_allclose(mlp_logits(X, (H, c, v), b), mean, atol=1e-5)
    # the seeds differ: the mean is not one of them
    assert np.abs(mlp_logits(X, *singles[0]) - mean).max() > 1e-3


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_standardized_head_folds_its_scaling_into_the_layer():
    X, y = _xor()
    X = X * np.array([0.01, 0.02], dtype=np.float32) + np.array([0.5, -0.3], dtype=np.float32)
    w = np.ones(len(y))
    params, b = fit_mlp_head(X, y, w, {**SPEC, "standardize": True}, seed=13)
    mu, sd = X.astype(np.float64).mean(axis=0), X.astype(np.float64).std(axis=0) + 1e-6
    inner, b_in = fit_mlp_head(((X - mu) / sd).astype(np.float32), y, w, SPEC, seed=13)
    np.testing.assert_allclose(mlp_logits(X, params, b), mlp_logits((X - mu) / sd, inner, b_in), atol=1e-3)
    from sklearn.metrics import roc_auc_score
    raw, b_raw = fit_mlp_head(X, y, w, SPEC, seed=13)      # tiny raw scales: the same epochs learn little
    Xt, yt = _xor(seed=1)
    Xt = Xt * np.array([0.01, 0.02], dtype=np.float32) + np.array([0.5, -0.3], dtype=np.float32)
    assert roc_auc_score(yt, mlp_logits(Xt, params, b)) > 0.95
    assert roc_auc_score(yt, mlp_logits(Xt, params, b)) > roc_auc_score(yt, mlp_logits(Xt, raw, b_raw)) + 0.1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_block_scale_is_folded_into_the_layer():
    X, y = _xor()
    w = np.ones(len(y))
    params, b = fit_mlp_head(X, y, w, {**SPEC, "block_scale": [[1, 1.0], [1, 3.0]]}, seed=13)
    inner, b_in = fit_mlp_head(X * np.array([1.0, 3.0], dtype=np.float32), y, w, SPEC, seed=13)
    assert b == b_in
    np.testing.assert_allclose(mlp_logits(X, params, b), mlp_logits(X * np.array([1.0, 3.0]), inner, b_in), atol=1e-4)
    plain, b_plain = fit_mlp_head(X, y, w, SPEC, seed=13)
    assert not np.allclose(mlp_logits(X, params, b), mlp_logits(X, plain, b_plain), atol=1e-3)


def test_standardize_and_block_scale_exclude_each_other():
    X, y = _xor(n=50)
    with pytest.raises(ValueError, match="exclude each other"):
        fit_mlp_head(X, y, np.ones(len(y)), {**SPEC, "standardize": True, "block_scale": [[2, 2.0]]}, seed=13)
