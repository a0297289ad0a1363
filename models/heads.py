"""Which rows train a head, how much each weighs, and the logistic fits.

Weights: every (dataset, language, class) group weighs ``n_g ** (1 - alpha)``
in total, so no single dataset dominates; the project's written rows weigh
``augment_weights[dataset]`` of that (default ``neutral_weight``), and in the spam head
``spam_augment_weights[dataset]`` where it is given (the written blog spam can weigh more there without its
ordinary comments weighing more as clean rows in the toxic heads); for the spam head the rows of the toxicity
sets are negatives at ``spam_other_weight``.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .records import Record

__all__ = ["group_weights", "head_rows", "fit_sparse_logreg", "fit_dense_logreg", "dense_task", "fit_many", "n_jobs"]


def group_weights(keys: list, alpha: float) -> np.ndarray:
    cnt = Counter(keys)
    w = np.array([cnt[k] ** (-alpha) for k in keys], dtype=np.float64)
    return w / w.mean() if len(w) else w


def head_rows(recs: list[Record], head: str, rows, params: dict, trainable_only: bool = True,
              lang: str | None = None, other_lang_weight: float = 1.0, text_only: bool = True):
    """Row indices, labels and weights for one head among ``rows`` (indices
    into ``recs``).  With ``lang``, rows of other languages keep
    ``other_lang_weight`` of their weight (0 = dropped).  ``text_only``: leave
    out the rows whose label comes from their fields, not their words (a
    generic compliment sent with a spammer's author URL)."""
    idx, y, keys, extra = [], [], [], []
    aug = dict(params.get("augment_weights", {}))
    if head == "spam":
        aug.update(params.get("spam_augment_weights", {}))
    for i in rows:
        r = recs[i]
        if trainable_only and not r.info.trainable:
            continue
        v = r.heads.get(head)
        if v is None:
            continue
        if text_only and v == 1 and r.extra.get("spam_by_fields"):
            continue
        if lang and r.lang != lang and other_lang_weight <= 0:
            continue
        idx.append(i)
        y.append(v)
        if head == "spam" and r.info.kind not in ("spam", "site"):
            keys.append(("other", r.dataset, v))
            extra.append(params["spam_other_weight"])
        else:
            keys.append((r.dataset, r.lang, v))
            extra.append((1.0 if (not lang or r.lang == lang) else other_lang_weight) *
                         (aug.get(r.dataset, params.get("neutral_weight", 1.0))
                          if r.info.synthetic else 1.0))
    w = group_weights(keys, params["class_weight_alpha"]) * np.array(extra)
    if head == "spam" and len(w):
        # the spam sets' groups each weigh as much as all "other" rows together
        w = w / w.mean()
    return np.array(idx, dtype=np.int64), np.array(y, dtype=np.int64), w


def fit_sparse_logreg(X, y, w, C: float, seed: int):
    """L2 logistic regression on hashed n-grams (liblinear)."""
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=C, solver="liblinear", random_state=seed, max_iter=200)
    clf.fit(X, y, sample_weight=w)
    return clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0])


def fit_dense_logreg(E, y, w, C: float, seed: int):
    """L2 logistic regression on sentence vectors (lbfgs)."""
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=C, solver="lbfgs", random_state=seed, max_iter=2000)
    clf.fit(E, y, sample_weight=w)
    return clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0])


def n_jobs() -> int:
    """Parallel fits: ``COLOMBE_TRAIN_JOBS`` (default 2)."""
    import os
    try:
        return max(1, int(os.environ.get("COLOMBE_TRAIN_JOBS", "2")))
    except ValueError:
        return 2


def dense_task(E, idx, y, w, C, seed: int, score_rows=None) -> tuple:
    """A ``fit_many`` task for a head on sentence vectors ``E``: a logistic regression at strength
    ``C``, or a hidden-layer head when ``C`` is its spec (a dict, ``mlp.py``)."""
    return ("mlp" if isinstance(C, dict) else "dense", E, idx, y, w, C, seed, score_rows)


def _fit_task(kind: str, M, idx, y, w, C, seed: int, score_rows):
    """One fit on ``M[idx]``; returns (coef, intercept, scores of ``M[score_rows]`` or None).
    ``kind`` "mlp": a one-hidden-layer head (``mlp.py``; ``C`` is its spec, ``coef`` its arrays)."""
    if kind == "mlp":
        from .mlp import fit_mlp_head, mlp_logits
        coef, b = fit_mlp_head(M[idx], y, w, C, seed)
        return coef, b, None if score_rows is None else mlp_logits(M[score_rows], coef, b)
    fit = fit_sparse_logreg if kind == "sparse" else fit_dense_logreg
    coef, b = fit(M[idx], y, w, C, seed)
    z = None if score_rows is None else (M[score_rows] @ coef).astype(np.float64) + b
    return coef, b, z


def fit_many(tasks: list[tuple], jobs: int | None = None) -> list:
    """Run ``(kind, matrix, idx, y, w, C, seed, score_rows)`` fits in parallel
    processes (the matrices are memory-mapped once, not copied per task)."""
    jobs = jobs or n_jobs()
    if jobs == 1 or len(tasks) <= 1:
        return [_fit_task(*t) for t in tasks]
    from joblib import Parallel, delayed
    return Parallel(n_jobs=jobs, backend="loky", max_nbytes="1M")(delayed(_fit_task)(*t) for t in tasks)
