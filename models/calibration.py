"""Score calibration and threshold/metric helpers (numpy only at run time)."""
from __future__ import annotations

import numpy as np

__all__ = ["fit_isotonic", "apply_calibration", "sigmoid", "ece", "thresholds_for", "metrics_for"]

BLEND = 0.01   # weight of the raw sigmoid: keeps the map strictly increasing (no ties -> AUC preserved)


def sigmoid(z):
    z = np.clip(np.asarray(z, dtype=np.float64), -40, 40)
    return 1.0 / (1.0 + np.exp(-z))


def fit_isotonic(logits: np.ndarray, y: np.ndarray, sample_weight=None, max_knots: int = 200):
    """Isotonic regression of y on the raw logit; returns knot arrays (x, y)."""
    from sklearn.isotonic import IsotonicRegression
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(logits, y, sample_weight=sample_weight)
    kx = np.asarray(iso.X_thresholds_, dtype=np.float64)
    ky = np.asarray(iso.y_thresholds_, dtype=np.float64)
    if len(kx) > max_knots:
        pick = np.unique(np.linspace(0, len(kx) - 1, max_knots).round().astype(int))
        kx, ky = kx[pick], ky[pick]
    return kx.astype(np.float32), ky.astype(np.float32)


def apply_calibration(logits, kx, ky) -> np.ndarray:
    p = np.interp(logits, kx, ky)
    return np.clip((1.0 - BLEND) * p + BLEND * sigmoid(logits), 0.0, 1.0)


def invert_calibration(p, kx, ky, lo: float = -60.0, hi: float = 60.0, iters: int = 60) -> np.ndarray:
    """The logits whose calibrated score is ``p`` (``apply_calibration`` is strictly increasing:
    bisection, to about 1e-16 of the logit range)."""
    p = np.asarray(p, dtype=np.float64)
    a = np.full(p.shape, lo)
    b = np.full(p.shape, hi)
    for _ in range(iters):
        mid = (a + b) / 2
        below = apply_calibration(mid, kx, ky) < p
        a = np.where(below, mid, a)
        b = np.where(below, b, mid)
    return (a + b) / 2


def ece(y, p, n_bins: int = 10) -> float:
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if len(y) == 0:
        return float("nan")
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            total += m.sum() * abs(y[m].mean() - p[m].mean())
    return float(total / len(y))


def thresholds_for(y, p) -> dict:
    """precision_90: lowest score whose 'flag if >= t' precision is >= 0.9;
    recall_90: highest score that still catches >= 90% of positives."""
    y = np.asarray(y)
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(-p, kind="mergesort")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    prec = tp / k
    npos = max(1, int(ys.sum()))
    rec = tp / npos
    # only consider cut points between distinct scores
    last = np.r_[ps[1:] != ps[:-1], True]
    ok = np.where((prec >= 0.9) & last)[0]
    t_prec = float(ps[ok.max()]) if len(ok) else 1.0
    okr = np.where((rec >= 0.9) & last)[0]
    t_rec = float(ps[okr.min()]) if len(okr) else 0.0
    return {"precision_90": round(t_prec, 6), "recall_90": round(t_rec, 6)}


def metrics_for(y, p, threshold: float | None = None) -> dict:
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    out = {"n": int(len(y)), "n_pos": int(y.sum())}
    if len(set(y.tolist())) == 2:
        out["roc_auc"] = round(float(roc_auc_score(y, p)), 4)
        out["pr_auc"] = round(float(average_precision_score(y, p)), 4)
    else:
        out["roc_auc"] = None
        out["pr_auc"] = None
    if threshold is not None:
        out["threshold"] = threshold
        out["f1"] = round(float(f1_score(y, p >= threshold, zero_division=0)), 4)
    out["ece"] = round(ece(y, p), 4)
    return out
