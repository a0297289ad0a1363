"""Off-topic: is a comment about its post (or the comment it answers)?

No labeled off-topic corpus exists, so the head learns from pairs
(``build_pairs``): a comment with its own post, parent or thread is on-topic;
the same comment with another post is off-topic; a spam comment under its
own post is off-topic too.

Three binned logistic regressions ("variants"), each followed by an isotonic
calibration fitted on validation pairs:

- ``full``: lexical pair features (``pairs.py``) plus the cosine of comment
  and context in the encoder's multilingual space (``sem_cos``);
- ``fast``: the lexical pair features only;
- ``cross``: language-independent features only (``sem_cos``, the spam
  logit, links, promotion words, length).  It scores a comment written in
  another language than its post, so that a comment's language alone never
  makes it off-topic.  In the ``fast`` profile such a comment gets the
  no-context rule (promotion signals only).
"""
from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import scipy.sparse as sp

from .calibration import apply_calibration
from .records import Record

__all__ = ["build_pairs", "VARIANT_FEATURES", "bin_edges", "one_hot_bins", "binned_logits", "OffTopicModel",
           "fit_variant"]

_LEXICAL = ["cos_char", "cos_word", "cos_char_idf", "cos_word_idf", "max_shared_idf", "overlap", "overlap_any",
            "log_len_comment", "log_len_context", "short_comment", "has_url", "has_email", "has_phone", "promo",
            "spam_logit"]
VARIANT_FEATURES = {
    "full": _LEXICAL + ["sem_cos"],
    "fast": list(_LEXICAL),
    "cross": ["sem_cos", "spam_logit", "log_len_comment", "log_len_context", "short_comment", "has_url",
              "has_email", "has_phone", "promo"],
}


def build_pairs(recs: list[Record], split: str, seed: int, same_share: float, trainable_only=True,
                negatives: str = "mixed"):
    """List of (record_index, context_text, label, dataset, lang).
    label 1 = off-topic: the comment paired with another post/thread
    (negative sampling), or a spam comment under its own post.
    ``negatives``: "mixed" (training: same dataset with probability
    ``same_share``, else any dataset), "same_dataset" or "same_lang"."""
    rng = random.Random(f"{seed}:{split}:{negatives}")
    pool = [i for i, r in enumerate(recs) if r.split == split and r.context and r.post_id
            and (r.info.trainable or not trainable_only)]
    by_ds: dict[str, list[int]] = defaultdict(list)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i in pool:
        by_ds[recs[i].dataset].append(i)
        if recs[i].info.kind != "spam":
            by_lang[recs[i].lang].append(i)
    out = []
    for i in pool:
        r = recs[i]
        if r.info.kind == "spam":
            out.append((i, r.context, 1 if r.label == "spam" else 0, r.dataset, r.lang))
            continue
        out.append((i, r.context, 0, r.dataset, r.lang))
        if negatives == "same_dataset":
            cands = by_ds[r.dataset]
        elif negatives == "same_lang":
            cands = by_lang[r.lang]
        else:
            cands = by_ds[r.dataset] if rng.random() < same_share else pool
        for _ in range(20):
            j = cands[rng.randrange(len(cands))]
            if recs[j].post_id != r.post_id and recs[j].context != r.context and recs[j].info.kind != "spam":
                out.append((i, recs[j].context, 1, r.dataset, r.lang))
                break
    return out


def bin_edges(F: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    edges_list = []
    for j in range(F.shape[1]):
        col = F[:, j]
        qs = np.unique(np.quantile(col, np.linspace(0, 1, n_bins + 1)[1:-1]))
        if len(np.unique(col)) <= 2:
            qs = np.array([0.5 * (col.min() + col.max())]) if col.min() != col.max() else np.array([0.0])
        edges_list.append(qs)
    width = max(len(e) for e in edges_list)
    edges = np.full((F.shape[1], width), np.inf)
    nbins = np.zeros(F.shape[1], dtype=np.int64)
    for j, e in enumerate(edges_list):
        edges[j, : len(e)] = e
        nbins[j] = len(e) + 1
    return edges, nbins


def one_hot_bins(F: np.ndarray, edges: np.ndarray, nbins: np.ndarray) -> sp.csr_matrix:
    n, f = F.shape
    offsets = np.r_[0, np.cumsum(nbins)[:-1]]
    cols = np.empty((n, f), dtype=np.int64)
    for j in range(f):
        cols[:, j] = offsets[j] + np.searchsorted(edges[j, : nbins[j] - 1], F[:, j], side="right")
    rows = np.repeat(np.arange(n), f)
    return sp.csr_matrix((np.ones(n * f), (rows, cols.ravel())), shape=(n, int(nbins.sum())))


def binned_logits(F: np.ndarray, edges: np.ndarray, nbins: np.ndarray, coef: np.ndarray, intercept: float):
    """``one_hot_bins(F) @ coef + intercept`` without building the matrix."""
    offsets = np.r_[0, np.cumsum(nbins)[:-1]].astype(np.int64)
    z = np.full(F.shape[0], intercept, dtype=np.float64)
    for j in range(F.shape[1]):
        b = np.searchsorted(edges[j, : nbins[j] - 1], F[:, j], side="right")
        z += coef[offsets[j] + b]
    return z


def fit_variant(F: np.ndarray, y: np.ndarray, w: np.ndarray, FV: np.ndarray, yv: np.ndarray, n_bins: int,
                C: float, seed: int) -> dict:
    """Binned logistic regression on training pairs, isotonic on validation pairs."""
    from sklearn.linear_model import LogisticRegression

    from .calibration import fit_isotonic
    edges, nbins = bin_edges(F, n_bins)
    clf = LogisticRegression(C=C, solver="liblinear", random_state=seed, max_iter=500)
    clf.fit(one_hot_bins(F, edges, nbins), y, sample_weight=w)
    coef, intercept = clf.coef_.ravel().astype(np.float64), float(clf.intercept_[0])
    kx, ky = fit_isotonic(binned_logits(FV, edges, nbins, coef, intercept), yv)
    return {"edges": edges, "nbins": nbins, "coef": coef, "intercept": np.array([intercept]), "kx": kx, "ky": ky}


class OffTopicModel:
    """The variants of one artifact (arrays from ``offtopic.npz``)."""

    def __init__(self, arrays: dict, variants: dict[str, list[str]]):
        self.variants = {}
        for name, feats in variants.items():
            a = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(name + "/")}
            self.variants[name] = (list(feats), a["edges"].astype(np.float64), a["nbins"].astype(np.int64),
                                   a["coef"].astype(np.float64), float(a["intercept"][0]),
                                   a["kx"].astype(np.float64), a["ky"].astype(np.float64))

    def score(self, variant: str, columns: dict[str, np.ndarray]) -> np.ndarray:
        feats, edges, nbins, coef, intercept, kx, ky = self.variants[variant]
        F = np.column_stack([columns[f] for f in feats])
        return apply_calibration(binned_logits(F, edges, nbins, coef, intercept), kx, ky)

    def logits(self, variant: str, columns: dict[str, np.ndarray]) -> np.ndarray:
        feats, edges, nbins, coef, intercept, _, _ = self.variants[variant]
        return binned_logits(np.column_stack([columns[f] for f in feats]), edges, nbins, coef, intercept)
