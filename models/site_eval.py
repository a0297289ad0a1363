"""Evaluation helpers of per-site learning: ROC AUC and a paired bootstrap of AUC differences
(numpy and scipy only)."""
from __future__ import annotations

import numpy as np

__all__ = ["roc_auc", "bootstrap_auc_diff"]


def roc_auc(y, p) -> float | None:
    """ROC AUC (ties count half); None when ``y`` has a single class."""
    y = np.asarray(y).astype(bool)
    p = np.asarray(p, dtype=np.float64)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    from scipy.stats import rankdata

    r = rankdata(p)
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_auc_diff(y, p_new, p_old, n_boot: int = 1000, seed: int = 13) -> dict | None:
    """Paired bootstrap of AUC(new) - AUC(old) over the same comments (resampled within
    each class, so every resample has both): the observed difference, a 90 % interval and
    the share of resamples where the new model is better."""
    y = np.asarray(y).astype(bool)
    p_new = np.asarray(p_new, np.float64)
    p_old = np.asarray(p_old, np.float64)
    pos, neg = np.where(y)[0], np.where(~y)[0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    from scipy.stats import rankdata

    rng = np.random.default_rng(seed)
    diffs = np.empty(n_boot)
    for k in range(n_boot):
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        yy = np.zeros(len(idx), bool)
        yy[: len(pos)] = True
        aucs = []
        for p in (p_new, p_old):
            r = rankdata(p[idx])
            aucs.append((r[yy].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))
        diffs[k] = aucs[0] - aucs[1]
    observed = roc_auc(y, p_new) - roc_auc(y, p_old)
    return {"delta": round(float(observed), 4), "lo90": round(float(np.quantile(diffs, 0.05)), 4),
            "hi90": round(float(np.quantile(diffs, 0.95)), 4),
            "p_better": round(float((diffs > 0).mean() + 0.5 * (diffs == 0).mean()), 4),
            "n": int(len(y)), "positives": int(len(pos)), "resamples": n_boot}
