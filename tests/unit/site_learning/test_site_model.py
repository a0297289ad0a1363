"""models.site: heads, storage without pickle, evaluation helpers."""
from __future__ import annotations

import io

import numpy as np
import pytest

from models.site import SiteModel, SiteModelError, bootstrap_auc_diff, roc_auc, train_site_model
from tests.unit.site_learning.fakes import SiteFakeModel, site_rows


def _data(n, seed=1):
    rows = site_rows(n, seed)
    m = SiteFakeModel()
    feats = m.site_features([{"text": t} for t, _ in rows])
    y = np.array([int(tox) for _, tox in rows], dtype=np.int8)
    return m, feats, y


def test_a_head_learns_the_sites_own_line():
    m, feats, y = _data(200)
    sm = train_site_model(feats, {"toxicity": y, "spam": np.full(len(y), -1, np.int8)}, m.version)
    assert sm.labels == ("toxicity",)  # spam: no positives, no head: the global score stays
    assert sm.meta["heads"]["spam"]["head"] is False
    _, test_feats, test_y = _data(100, seed=2)
    p = sm.predict(test_feats)[:, 0]
    assert roc_auc(test_y, p) > 0.95
    # the global keyword model knows nothing of it
    g = test_feats["logits"][:, 0]
    assert roc_auc(test_y, g) == 0.5


def test_apply_replaces_only_the_labels_with_a_head():
    m, feats, y = _data(120)
    sm = train_site_model(feats, {"toxicity": y}, m.version)
    base = np.full((3, 8), 0.2)
    sub = {"logits": feats["logits"][:3], "dense": feats["dense"][:3], "sparse": feats["sparse"][:3]}
    out = sm.apply(base, sub)
    assert np.allclose(out[:, 1:], 0.2) and not np.allclose(out[:, 0], 0.2)


def test_round_trip_bytes_and_no_pickle():
    m, feats, y = _data(120)
    sm = train_site_model(feats, {"toxicity": y}, m.version)
    blob = sm.to_bytes()
    again = SiteModel.from_bytes(blob)
    assert np.allclose(again.predict(feats), sm.predict(feats))
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)
    # an .npz that needs pickle (object arrays) is refused, never unpickled
    buf = io.BytesIO()
    np.savez(buf, meta=np.array([{"a": 1}], dtype=object))
    with pytest.raises(SiteModelError):
        SiteModel.from_bytes(buf.getvalue())
    with pytest.raises(SiteModelError):
        SiteModel.from_bytes(b"not an npz")


def test_a_site_model_refuses_features_of_another_shape():
    m, feats, y = _data(120)
    sm = train_site_model(feats, {"toxicity": y}, m.version)
    wrong = {"logits": feats["logits"], "dense": feats["dense"], "sparse": feats["sparse"][:, :100]}
    with pytest.raises(SiteModelError):
        sm.predict(wrong)


def test_roc_auc_and_paired_bootstrap():
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, [0.1, 0.2, 0.8, 0.9]) == 1.0 and roc_auc(y, [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc([1, 1], [0.1, 0.2]) is None
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.4
    good = y + rng.normal(0, 0.5, 400)
    noise = rng.normal(0, 1, 400)
    b = bootstrap_auc_diff(y, good, noise, n_boot=300)
    assert b["delta"] > 0.3 and b["lo90"] > 0 and b["p_better"] > 0.99
    same = bootstrap_auc_diff(y, good, good, n_boot=100)
    assert same["delta"] == 0 and same["lo90"] == 0 and same["hi90"] == 0


def test_scoring_without_the_matrix_equals_the_training_matrix():
    m, feats, y = _data(150)
    sm = train_site_model(feats, {"toxicity": y}, m.version)
    X = sm.design.matrix(feats)
    z = np.asarray(X @ sm.W).ravel() + sm.b[0]
    assert np.allclose(sm.design.linear(feats, sm.W, sm.b)[:, 0], z, atol=1e-4)
