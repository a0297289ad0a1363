"""The second stage's semantic heads: one hidden layer on both encoders' vectors.

A linear head on the concatenated USE-m3 and e5 vectors (``sem2``) reads a
sentence as the sum of what its directions say.  A small hidden layer (ReLU,
strong L2) lets it combine them: a group named *and* a hostile verb, not each
alone.  Fitted with scikit-learn's ``MLPClassifier`` (weighted rows, fixed seed);
kept as plain arrays: ``H`` (d, h), ``c`` (h,), ``v`` (h,) and an intercept, so
the artifact holds no pickle.  ``docs/decisions/2026-11-30-model-v2.md``
(fourteenth pass) measures it against the linear head.
"""
from __future__ import annotations

import numpy as np

__all__ = ["fit_mlp_head", "mlp_logits"]


def fit_mlp_head(E, y, w, spec: dict, seed: int):
    """Fit on rows ``E`` with labels ``y`` and weights ``w``; ``spec``: ``hidden``, ``alpha``,
    ``epochs`` and optionally ``seeds`` (default 1), ``standardize`` or ``block_scale``.  Returns
    ``((H, c, v), b)``: the logit of a row ``x`` is ``max(x @ H + c, 0) @ v + b``.

    ``standardize``: the layer is fitted on the rows scaled to weighted mean 0 and variance 1 per
    dimension, so the L2 penalty holds back every direction alike (on the raw vectors it holds back
    most the directions that vary least).  ``block_scale``: blocks of dimensions multiplied before
    the fit; a block multiplied by more is held back less.  Either way the map is folded into ``H``
    and ``c``: the stored layer reads raw vectors (``_input_map``).

    With ``seeds`` = k, k layers are fitted from seeds ``seed``, ``seed + 1``, ... and their logits
    averaged.  The average is itself one hidden layer (the k layers' units side by side, their
    output weights divided by k), so it is stored and scored like a single one."""
    k = int(spec.get("seeds", 1))
    if k > 1:
        fits = [fit_mlp_head(E, y, w, {**spec, "seeds": 1}, seed + i) for i in range(k)]
        H = np.concatenate([f[0][0] for f in fits], axis=1)
        c = np.concatenate([f[0][1] for f in fits])
        v = np.concatenate([f[0][2] for f in fits]) / np.float32(k)
        return (H, c, v.astype(np.float32)), float(np.mean([f[1] for f in fits]))
    shift_scale = _input_map(E, w, spec)
    if shift_scale is not None:
        m, sc = shift_scale
        inner = {k: x for k, x in spec.items() if k not in ("standardize", "block_scale")}
        (H, c, v), b = fit_mlp_head(((np.asarray(E, dtype=np.float64) - m) * sc).astype(np.float32), y, w,
                                    inner, seed)
        H = H.astype(np.float64) * sc[:, None]          # (x - m) * sc @ H  ==  x @ H' - m @ H'
        return (H.astype(np.float32), (c - m @ H).astype(np.float32), v), b
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(int(spec["hidden"]),), alpha=float(spec["alpha"]),
                        max_iter=int(spec["epochs"]), batch_size=256, learning_rate_init=1e-3,
                        random_state=seed, shuffle=True)
    with warnings.catch_warnings():
        # a fixed number of epochs, on purpose: the head is chosen on held-out datasets, not on its own loss
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(np.asarray(E, dtype=np.float32), y, sample_weight=w)
    H, V = clf.coefs_
    c, b = clf.intercepts_
    return ((H.astype(np.float32), c.astype(np.float32), V[:, 0].astype(np.float32)), float(b[0]))


def _input_map(E, w, spec: dict):
    """``(m, sc)`` such that the head is fitted on ``(x - m) * sc``, or None (the raw vectors):
    ``standardize`` gives the rows' weighted mean and 1 / standard deviation per dimension;
    ``block_scale`` = ``[[n, factor], ...]`` multiplies consecutive blocks of dimensions (one
    encoder's numbers), no shift."""
    if spec.get("standardize") and spec.get("block_scale"):
        raise ValueError("standardize and block_scale exclude each other: standardizing undoes the blocks' scales")
    if spec.get("block_scale"):
        sc = np.concatenate([np.full(int(n), float(f)) for n, f in spec["block_scale"]])
        return np.zeros(len(sc)), sc
    if spec.get("standardize"):
        E = np.asarray(E, dtype=np.float64)
        wn = np.asarray(w, dtype=np.float64) / np.sum(w)
        m = wn @ E
        return m, 1.0 / (np.sqrt(wn @ (E - m) ** 2) + 1e-6)
    return None


def mlp_logits(X, params, b: float, rowwise: bool = False) -> np.ndarray:
    """Logits of rows ``X`` for one head (``params`` = ``(H, c, v)``).  ``rowwise``: each row
    computed alone in float64 (no BLAS), so a comment's logit does not depend on its batch."""
    H, c, v = params
    if rowwise:
        hid = np.einsum("ij,jk->ik", np.asarray(X, dtype=np.float64), H.astype(np.float64), optimize=False)
        hid = np.maximum(hid + c, 0.0)
        return np.einsum("ij,j->i", hid, v.astype(np.float64), optimize=False) + b
    hid = np.maximum(np.asarray(X, dtype=np.float32) @ H + c, 0.0)
    return (hid @ v).astype(np.float64) + b


def sem2_task(p: dict) -> tuple:
    """The fit kind and its strength for the second stage's heads (``fit_many``): a hidden layer when
    ``p["sem2_head"]`` gives one, else a logistic regression at ``semantic_C``."""
    return ("mlp", p["sem2_head"]) if p.get("sem2_head") else ("dense", p["semantic_C"])


def head_logits(X, coef, b: float, rowwise: bool = False) -> np.ndarray:
    """Logits of one second-stage head, linear (``coef`` a vector) or with a hidden layer."""
    if isinstance(coef, tuple):
        return mlp_logits(X, coef, b, rowwise)
    if rowwise:
        return np.einsum("ij,j->i", np.asarray(X, dtype=np.float64), coef.astype(np.float64), optimize=False) + b
    return (X @ coef).astype(np.float64) + b


def sem2_arrays(heads: list[tuple]) -> dict:
    """``semantic2.npz`` of heads ``[(coef, b), ...]`` (one per toxic label): ``W`` (d, L) and ``b``
    for linear heads; ``H`` (L, d, h), ``c`` (L, h), ``v`` (L, h) and ``b`` for hidden layers."""
    b = np.array([hb for _, hb in heads], dtype=np.float32)
    if isinstance(heads[0][0], tuple):
        return {"H": np.stack([h[0][0] for h in heads]), "c": np.stack([h[0][1] for h in heads]),
                "v": np.stack([h[0][2] for h in heads]), "b": b}
    return {"W": np.stack([h[0] for h in heads], axis=1).astype(np.float32), "b": b}


def sem2_heads(arrays: dict) -> list[tuple]:
    """The inverse of ``sem2_arrays``: ``[(coef, b), ...]`` in label order."""
    b = arrays["b"].astype(np.float64)
    if "H" in arrays:
        return [((arrays["H"][j].astype(np.float32), arrays["c"][j].astype(np.float32),
                  arrays["v"][j].astype(np.float32)), float(b[j])) for j in range(len(b))]
    return [(arrays["W"][:, j].astype(np.float32), float(b[j])) for j in range(len(b))]
