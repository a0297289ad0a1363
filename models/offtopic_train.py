"""Training the off-topic variants (see ``offtopic.py``) for a training run."""
from __future__ import annotations

import numpy as np

from .features import document_idf
from .heads import group_weights
from .lang import EN_WORDS, FR_WORDS
from .offtopic import VARIANT_FEATURES, build_pairs, fit_variant
from .pairs import PAIR_FEATURE_NAMES, pair_features
from .signals import SIGNAL_NAMES
from .stacking import input_matrix
from .text import normalize_batch

__all__ = ["fit_offtopic", "stopstems", "pair_columns", "cap_pairs", "EXTRA_STOPSTEMS"]

EXTRA_STOPSTEMS = ("xurlx", "xuserx", "xemai", "emjla", "would", "could", "shoul", "there", "their",
                   "about", "peopl", "think", "reall", "comme", "parce", "faire", "etait", "quand", "toute")


def stopstems() -> list[str]:
    ws = {w.replace("'", "")[:5] for w in (FR_WORDS | EN_WORDS) if len(w) >= 4}
    return sorted(ws | set(EXTRA_STOPSTEMS))


def pair_columns(run, pairs, stop, idf_w, idf_c, spam_logit: np.ndarray) -> dict[str, np.ndarray]:
    """Named feature columns of (comment, context) pairs of a training run."""
    recs = run.recs
    idx = [p[0] for p in pairs]
    norms = [recs[i].norm for i in idx]
    wb, cb = run.featurizer.transform_blocks(norms)
    ctx = [p[1] for p in pairs]
    uniq = sorted(set(ctx))
    cn = dict(zip(uniq, normalize_batch(uniq)))
    F = pair_features([recs[i].text for i in idx], norms, cb, wb, ctx, [cn[c] for c in ctx], run.featurizer,
                      spam_logit[idx], [recs[i].lang for i in idx], frozenset(stop), idf_w, idf_c)
    cols = {name: F[:, j] for j, name in enumerate(PAIR_FEATURE_NAMES)}
    cv = dict(zip(uniq, run.cache.embed(uniq)))
    C = np.stack([cv[c] for c in ctx]) if ctx else np.zeros((0, run.E.shape[1]), np.float32)
    cols["sem_cos"] = np.einsum("ij,ij->i", run.E[idx].astype(np.float64), C.astype(np.float64))
    return cols


def cap_pairs(pairs: list, cap: int, seed: int) -> list:
    """At most ``cap`` pairs per dataset (a seeded sample, order kept)."""
    if not cap:
        return pairs
    import random
    rng = random.Random(seed)
    by: dict = {}
    for k, p in enumerate(pairs):
        by.setdefault(p[3], []).append(k)
    keep = set()
    for ks in by.values():
        keep.update(ks if len(ks) <= cap else rng.sample(ks, cap))
    return [p for k, p in enumerate(pairs) if k in keep]


def _stacked_spam(run, profile: str) -> np.ndarray:
    s = run.stack[(profile, "spam")]
    base = run.base_columns(run.Z_ng, run.Z_sem)
    return input_matrix(s["inputs"], base, len(run.recs)) @ s["coef"] + s["intercept"]


def fit_offtopic(run) -> dict:
    p, recs, seed = run.p, run.recs, run.seed
    stop = stopstems()
    cap = int(p.get("offtopic_pairs_per_dataset") or 0)
    tr_pairs = cap_pairs(build_pairs(recs, "train", seed, p["offtopic_same_dataset_share"]), cap, seed)
    va_pairs = cap_pairs(build_pairs(recs, "valid", seed, p["offtopic_same_dataset_share"]), cap // 4, seed)
    # document frequencies over the permissive training comments + their contexts
    tr_ctx = sorted({pp[1] for pp in tr_pairs})
    df_texts = [r.norm for r in recs if r.split == "train" and r.info.trainable] + normalize_batch(tr_ctx)
    dw, dc = run.featurizer.transform_blocks(df_texts)
    idf_w, idf_c = document_idf(dw), document_idf(dc)
    del dw, dc
    y = np.array([pp[2] for pp in tr_pairs])
    yv = np.array([pp[2] for pp in va_pairs])
    w = group_weights([(pp[3], pp[2]) for pp in tr_pairs], p["class_weight_alpha"])
    arrays = {"idf_word": idf_w.astype(np.float16), "idf_char": idf_c.astype(np.float16)}
    cols_cache = {}
    for variant, feats in VARIANT_FEATURES.items():
        profile = "fast" if variant == "fast" else "full"
        if profile not in cols_cache:
            spam = _stacked_spam(run, profile)
            cols_cache[profile] = (pair_columns(run, tr_pairs, stop, idf_w, idf_c, spam),
                                   pair_columns(run, va_pairs, stop, idf_w, idf_c, spam))
        ct, cv = cols_cache[profile]
        F = np.column_stack([ct[f] for f in feats])
        FV = np.column_stack([cv[f] for f in feats])
        fitted = fit_variant(F, y, w, FV, yv, p["offtopic_bins"], p["offtopic_C"], seed)
        for k, v in fitted.items():
            arrays[f"{variant}/{k}"] = v
    return {
        "arrays": arrays,
        "config": {"variants": VARIANT_FEATURES, "stopstems": stop, "no_context_spam_scale": 0.9,
                   "pair_feature_names": list(PAIR_FEATURE_NAMES), "signals": list(SIGNAL_NAMES)},
        "summary": {"pairs": int(len(tr_pairs)), "off_topic_pairs": int(y.sum()),
                    "calibration_pairs": int(len(va_pairs))},
    }
