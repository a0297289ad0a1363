"""Learned combination of the model's stages, per label and per profile.

Each label's final logit is a logistic regression over named inputs:

- ``ng:<head>``: the n-gram head's logit;
- ``sem:<head>``: the semantic head's logit (``full`` profile only);
- ``fr``: 1 for a French comment;
- ``sig:<name>``: a field signal (``signals.SIGNAL_NAMES``: links, author URL, ...);
- ``a*b``: the product of two inputs (e.g. ``sem:toxicity*fr``).

The stacker is fitted on out-of-fold predictions whose folds are whole
datasets (``train.py``): the base heads that score a row never saw its
dataset, so the learned weights say how much each stage is worth on data
like a new blog's, not on the training sets' own style.  An isotonic map
fitted on the validation split turns the stacked logit into a probability.
"""
from __future__ import annotations

import numpy as np

__all__ = ["input_matrix", "fit_stacker", "stack_inputs", "base_names"]


def base_names(names: list[str]) -> set[str]:
    """The base inputs a list of (possibly product) inputs needs."""
    out: set[str] = set()
    for n in names:
        out.update(n.split("*"))
    return out


def input_matrix(names: list[str], base: dict[str, np.ndarray], n: int) -> np.ndarray:
    """(n, len(names)) float64 from the base columns (missing base = 0)."""
    F = np.zeros((n, len(names)), dtype=np.float64)
    zero = np.zeros(n)
    for j, name in enumerate(names):
        col = np.ones(n)
        for part in name.split("*"):
            col = col * base.get(part, zero)
        F[:, j] = col
    return F


def stack_inputs(label: str, profile: str, signals: tuple[str, ...], ngram_extra: tuple[str, ...] = ()) -> list[str]:
    """The inputs of one label's stacker.  ``ngram_extra``: other n-gram
    columns that also score this label (e.g. the French toxicity head)."""
    names = [f"ng:{label}"] + [f"ng:{c}" for c in ngram_extra]
    if profile == "full":
        names.append(f"sem:{label}")
    names += [f"{x}*fr" for x in list(names)] + ["fr"]
    if label == "spam":
        names += [f"sig:{s}" for s in signals]
        # a link or an author URL says more when the words look like an advert
        names += [f"ng:spam*sig:{s}" for s in ("foreign_link", "author_url_foreign")]
        if profile == "full":
            names += [f"sem:spam*sig:{s}" for s in ("foreign_link", "author_url_foreign")]
    return names


def fit_stacker(F: np.ndarray, y: np.ndarray, w: np.ndarray, C: float = 1.0, seed: int = 13):
    """(coef, intercept) of an L2 logistic regression on standardized inputs,
    returned in the raw input scale."""
    from sklearn.linear_model import LogisticRegression
    mu = F.mean(axis=0)
    sd = F.std(axis=0)
    sd[sd < 1e-9] = 1.0
    Z = (F - mu) / sd
    clf = LogisticRegression(C=C, solver="lbfgs", random_state=seed, max_iter=2000)
    clf.fit(Z, y, sample_weight=w)
    coef = clf.coef_.ravel() / sd
    intercept = float(clf.intercept_[0] - (coef * mu).sum())
    return coef.astype(np.float64), intercept
