"""Scoring a batch: the stages of a loaded model, in order.

1. normalize, encode the n-grams, detect the language;
2. n-gram heads (one sparse-dense product per feature family);
3. ``full`` profile: sentence vectors from the multilingual encoder, then the
   semantic heads (one dense product);
4. field signals (links, author URL, contact details, money, promotion);
5. per label, the stacker combines 2-4 into one logit;
5b. ``full`` profile, artifacts with a second stage (``cascade.py``): the
   comments whose toxic scores fall near a hold point are read by e5 too, and
   their toxic labels scored again by the second stage's heads and stackers;
6. off-topic from the comment <-> context pair (``offtopic.py`` variants);
7. calibration (isotonic, per label and profile) turns logits into scores.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .calibration import apply_calibration, invert_calibration
from .cascade import e5_seconds, in_band, short_rows
from .lang import detect_languages
from .mlp import head_logits
from .names import TEXT_HEADS
from .pairs import PAIR_FEATURE_NAMES, pair_features, pair_features_small
from .framing import FRAME_NAMES, frame_signals
from .lexicon import LEX_NAMES, lexicon_signals
from .signals import SIGNAL_NAMES, comment_signals
from .stacking import input_matrix
from .text import normalize_batch

__all__ = ["Batch", "run_batch", "context_of", "SMALL_PAIR_BATCH"]

# requests with at most this many comments with a context take the sparse-free
# path for the off-topic pair features (bit-identical results, less overhead)
SMALL_PAIR_BATCH = 8


def context_of(item: dict) -> str:
    parts = [item.get(k) for k in ("post_title", "post_text", "parent_text")]
    return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


@dataclass
class Batch:
    """Everything computed for one batch (kept for ``site_features``)."""
    texts: list
    norms: list
    langs: list            # detected
    eff_langs: list        # given, else detected
    enc: object
    wbl: list
    cbl: list
    z_ng: np.ndarray       # (n, n-gram columns) logits
    vectors: np.ndarray | None
    z_sem: np.ndarray | None
    signals: np.ndarray
    logits: np.ndarray     # (n, len(TEXT_HEADS)) stacked logits
    offtopic_logit: np.ndarray
    scores: np.ndarray     # (n, len(LABELS))
    second: np.ndarray | None = None     # rows the second stage scored again


def _rowwise(V: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``V @ W`` in float64 without BLAS: each row computed alone, so a comment's
    semantic logits do not depend on the other comments of its batch."""
    return np.einsum("ij,jk->ik", V.astype(np.float64), W.astype(np.float64), optimize=False)


def _stacked(model, base: dict, n: int) -> np.ndarray:
    out = np.zeros((n, len(TEXT_HEADS)), dtype=np.float64)
    for j, lab in enumerate(TEXT_HEADS):
        names, coef, inter, _, _ = model.stackers[lab]
        # a row-wise sum, not a matrix product: the same bits whatever the batch size
        out[:, j] = (input_matrix(names, base, n) * coef).sum(axis=1) + inter
    return out


def base_columns(model, z_ng, z_sem, signals, eff_langs, texts=None, norms=None) -> dict:
    base = {f"ng:{c}": z_ng[:, j] for j, c in enumerate(model.ngram_columns)}
    if z_sem is not None:
        base.update({f"sem:{h}": z_sem[:, j] for j, h in enumerate(TEXT_HEADS)})
    base.update({f"sig:{s}": signals[:, j] for j, s in enumerate(SIGNAL_NAMES)})
    if texts is not None:
        frames = frame_signals(texts)
        base.update({f"frame:{f}": frames[:, j] for j, f in enumerate(FRAME_NAMES)})
    if norms is not None:
        lex = lexicon_signals(norms)
        base.update({f"lex:{x}": lex[:, j] for j, x in enumerate(LEX_NAMES)})
    base["fr"] = np.array([lg == "fr" for lg in eff_langs], dtype=np.float64)
    return base


def text_logits(model, texts: list[str], lang: str | None = None, vectors=None) -> np.ndarray:
    """Stacked logits of bare texts (no fields, no context): explanations."""
    norms = normalize_batch([t or "" for t in texts])
    enc = model.featurizer.encode(norms, texts)
    z, _, _ = model.featurizer.logits_from(enc, model.W_word, model.W_char)
    z_ng = z.astype(np.float64) + model.b
    z_sem = None
    if model.semantic:
        v = model.encoder.encode(texts) if vectors is None else vectors
        z_sem = _rowwise(v, model.Ws) + model.bs
    langs = [lang] * len(texts) if lang else detect_languages(texts, enc)
    sig = comment_signals([{"text": t} for t in texts])
    return _stacked(model, base_columns(model, z_ng, z_sem, sig, langs, texts, norms), len(texts))


def run_batch(model, items: list[dict], vectors: np.ndarray | None = None,
              e5_vectors: np.ndarray | None = None, second_stage: bool | float = True) -> Batch:
    """``vectors`` / ``e5_vectors``: the comments' USE-m3 / e5 vectors when already known
    (training and evaluation read them from the embedding cache).  ``second_stage``: False
    skips e5; a float is a ``time.perf_counter()`` deadline: e5 reads only the comments its
    estimated cost lets it finish by then (a synchronous API's time budget)."""
    texts = [("" if it.get("text") is None else str(it.get("text"))) for it in items]
    norms = normalize_batch(texts)
    n = len(items)
    enc = model.featurizer.encode(norms, texts)
    langs = detect_languages(texts, enc)
    eff = [it.get("lang") or langs[i] for i, it in enumerate(items)]
    z, wbl, cbl = model.featurizer.logits_from(enc, model.W_word, model.W_char)
    z_ng = z.astype(np.float64) + model.b
    z_sem = None
    if model.semantic:
        if vectors is None:
            vectors = model.encoder.encode(texts)
        z_sem = _rowwise(vectors, model.Ws) + model.bs
    signals = comment_signals(items)
    base = base_columns(model, z_ng, z_sem, signals, eff, texts, norms)
    logits = _stacked(model, base, n)
    scores = np.zeros((n, len(TEXT_HEADS) + 1), dtype=np.float64)
    for j, lab in enumerate(TEXT_HEADS):
        _, _, _, kx, ky = model.stackers[lab]
        scores[:, j] = apply_calibration(logits[:, j], kx, ky)
    second = None
    if model.semantic and getattr(model, "cascade", None) and second_stage:
        deadline = None if second_stage is True else float(second_stage)
        second = _second_stage(model, texts, norms, vectors, e5_vectors, base, logits, scores, deadline)
    spam_j = TEXT_HEADS.index("spam")
    ot_logit, ot = _offtopic(model, items, texts, norms, enc, wbl, cbl, eff, logits[:, spam_j], scores[:, spam_j],
                             vectors, signals)
    scores[:, -1] = ot
    empty = np.array([not nm for nm in norms], dtype=bool)
    if empty.any():                     # empty / whitespace-only text: nothing to judge
        scores[empty, :] = 0.0
    return Batch(texts, norms, langs, eff, enc, wbl, cbl, z_ng, vectors, z_sem, signals, logits, ot_logit, scores,
                 second)


def _second_stage(model, texts, norms, vectors, e5_vectors, base, logits, scores, deadline=None) -> np.ndarray:
    """Score the toxic labels again, in place, for the rows in a band and the short ones (``cascade.py``)."""
    cas = model.cascade
    routed = in_band(scores, cas["bands"]) | short_rows(texts, cas.get("short_chars", 0))
    rows = np.where(routed & np.array([bool(nm) for nm in norms], dtype=bool))[0]
    if deadline is not None and len(rows) and e5_vectors is None:
        left = deadline - time.perf_counter()
        cost = np.cumsum([e5_seconds(texts[i]) for i in rows])
        rows = rows[cost <= left]
    if not len(rows):
        return rows
    v5 = e5_vectors[rows] if e5_vectors is not None else model.e5.encode([texts[i] for i in rows])
    V2 = np.hstack([vectors[rows], v5])
    z2 = np.column_stack([head_logits(V2, coef, b, rowwise=True) for coef, b in cas["heads"]])
    sub = {k: v[rows] for k, v in base.items()}
    sub.update({f"sem2:{lab}": z2[:, j] for j, lab in enumerate(cas["labels"])})
    mix = cas.get("mix", 1.0)       # the second stage's share of the score (1: it replaces the first's)
    for lab, col in zip(cas["labels"], cas["cols"]):
        names, coef, inter, kx, ky = cas["stackers"][lab]
        z = (input_matrix(names, sub, len(rows)) * coef).sum(axis=1) + inter
        scores[rows, col] = mix * apply_calibration(z, kx, ky) + (1 - mix) * scores[rows, col]
        # the logit the first stage's calibration maps to that score: site heads and
        # ``calibrate_label`` read one logit scale per label
        _, _, _, kx1, ky1 = model.stackers[lab]
        logits[rows, col] = invert_calibration(scores[rows, col], kx1, ky1)
    return rows


# the comment signals the off-topic pair features reuse instead of matching them again
_KNOWN = [SIGNAL_NAMES.index(s) for s in ("has_email", "has_phone", "promo")]


def _offtopic(model, items, texts, norms, enc, wbl, cbl, eff_langs, spam_logit, spam_prob, vectors, signals):
    """(logit, score) of off_topic.  Without a post or parent only the
    promotion signals remain (``no_context_spam_scale`` x spam)."""
    n = len(items)
    ot = spam_prob * model.ot_nocontext_scale
    ot_logit = np.log(np.clip(ot, 1e-6, 1 - 1e-6) / np.clip(1 - ot, 1e-6, 1))
    ctx = [context_of(it) for it in items]
    idx = np.array([i for i in range(n) if ctx[i]], dtype=np.int64)
    if not len(idx):
        return ot_logit, ot
    cnorms = normalize_batch([ctx[i] for i in idx])
    clangs = detect_languages([ctx[i] for i in idx])
    cross = np.array([eff_langs[i] in ("fr", "en") and cl in ("fr", "en") and eff_langs[i] != cl
                      for i, cl in zip(idx, clangs)], dtype=bool)
    args = ([texts[i] for i in idx], [norms[i] for i in idx])
    rest = ([ctx[i] for i in idx], cnorms, model.featurizer, spam_logit[idx], [eff_langs[i] for i in idx],
            model.stopstems, model.idf_word, model.idf_char)
    known = signals[idx][:, _KNOWN]
    if len(idx) <= SMALL_PAIR_BATCH:
        feats = pair_features_small(*args, enc, idx, *rest, known=known)
    else:
        k = model.featurizer.n_ngram_word_blocks
        wb = sum(wbl[1:k], wbl[0]).tocsr()
        cb = (sum(cbl[1:], cbl[0]).tocsr() if cbl else sp.csr_matrix((n, model.featurizer.n_char), dtype=np.float32))
        feats = pair_features(*args, cb[idx], wb[idx], *rest, known=known)
    cols = {name: feats[:, j] for j, name in enumerate(PAIR_FEATURE_NAMES)}
    if model.semantic:
        uniq: dict[str, int] = {}
        order = [uniq.setdefault(ctx[i], len(uniq)) for i in idx]
        cv = model.encoder.encode(list(uniq))[order]
        cols["sem_cos"] = np.einsum("ij,ij->i", vectors[idx].astype(np.float64), cv.astype(np.float64))
    same = ~cross
    variant = "full" if model.semantic else "fast"
    if same.any():
        sub = {k: v[same] for k, v in cols.items()}
        ot_logit[idx[same]] = model.offtopic.logits(variant, sub)
        ot[idx[same]] = model.offtopic.score(variant, sub)
    if cross.any() and model.semantic:       # fast profile: the no-context rule stays
        sub = {k: v[cross] for k, v in cols.items()}
        ot_logit[idx[cross]] = model.offtopic.logits("cross", sub)
        ot[idx[cross]] = model.offtopic.score("cross", sub)
    return ot_logit, ot

