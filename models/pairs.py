"""Comment <-> context features for the off-topic head: character and word
cosines (plain and idf-weighted) between a comment and its post or parent,
the rarest shared word, content-word overlap, lengths, contact details,
promotion words, language mismatch and the comment's spam logit.

``pair_features`` is the reference implementation (scipy.sparse, any batch
size, used for training); ``pair_features_small`` gives bit-identical
results for a few comments without building sparse matrices.
"""
from __future__ import annotations

import math
import re

import numpy as np
import scipy.sparse as sp

from .features import Featurizer, unit_rows
from .hashing import Encoded
from .lang import detect_languages
from .text import EMAIL_RE, PHONE_RE, URL_RE

__all__ = ["pair_features", "pair_features_small", "PAIR_FEATURE_NAMES", "signal_features", "PROMO_RE"]

PROMO_RE = re.compile(
    r"(?i)\b(?:subscribe|subscriber|check (?:out )?my|my channel|visit|click|follow me|gift ?card|promo|"
    # "free" and "income" alone are everyday words of news comments ("free speech", "income splitting"): in the
    # phrases of an offer only
    r"free (?:trial|spins?|shipping|delivery|download|sign[- ]?up|registration|gifts?|bonus|money|followers|likes|"
    r"consultation|quote|access|samples?)|for free|100 ?% free|(?:passive|extra|monthly|daily|weekly) income|"
    r"discount|earn|earning|invest(?:ment|ing)?|bitcoin|crypto|forex|trading|profit|whats ?app|"
    r"telegram|dm me|contact (?:me|him|her)|inbox|cash|loan|casino|viagra|seo|backlinks?|"
    r"abonne[zr]?|abonnement|cliquez|gratuit|gagne[rz]?|argent|visitez|contactez|rejoignez|ma chaine|offre|"
    # support-line and shop pitches, the commonest blog spam after links
    r"customer (?:care|service|support)|tech(?:nical)? support|help ?(?:line|desk)|toll[- ]free|phone number|"
    r"support number|call (?:us|now|today)|24/7|24x7|cheap|best price|for sale|buy (?:now|online|cheap)|order now|"
    r"pharmacy|essay writing|escorts?|hookup|replicas?|wholesale|service client|num[ée]ro (?:vert|de t[ée]l[ée]phone)|"
    r"assistance (?:technique|t[ée]l[ée]phonique)|d[ée]pannage|pas cher|moins cher|achetez|commandez|"
    r"livraison (?:gratuite|rapide)|voyance|marabout)\b")
_WORD_RE = re.compile(r"[a-z]{4,}")

PAIR_FEATURE_NAMES = ("cos_char", "cos_word", "cos_char_idf", "cos_word_idf", "max_shared_idf", "overlap",
                      "overlap_any", "log_len_comment", "log_len_context", "short_comment", "has_url", "has_email",
                      "has_phone", "promo", "lang_mismatch", "spam_logit")


def signal_features(text: str, known=None) -> tuple[float, float, float, float]:
    """``known``: (has_email, has_phone, promo) when the caller already has them
    (``signals.comment_signals`` computes the same three with the same patterns)."""
    has_url = 1.0 if URL_RE.search(text) else 0.0
    if known is not None:
        return has_url, float(known[0]), float(known[1]), float(known[2])
    has_email = 1.0 if EMAIL_RE.search(text) else 0.0
    digits = sum(ch.isdigit() for ch in text)
    has_phone = 1.0 if digits >= 8 and PHONE_RE.search(text) else 0.0
    promo = min(3.0, float(len(PROMO_RE.findall(text))))
    return has_url, has_email, has_phone, promo


def _idf_rows(X: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Rows re-weighted by idf and L2-normalized (for idf-weighted cosine)."""
    Y = X.tocsr(copy=True).astype(np.float64)
    Y.data *= idf[Y.indices]
    norms = np.sqrt(np.asarray(Y.multiply(Y).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    Y = sp.diags(1.0 / norms) @ Y
    return Y.tocsr()


def _stems(norm: str) -> set[str]:
    return {w[:5] for w in _WORD_RE.findall(norm)}


def _pair_rows(n, comment_texts, comment_norms, comment_langs, u_norms, idx, stopstems, spam_logits,
               cos_c, cos_w, cos_ci, cos_wi, max_idf, known=None) -> np.ndarray:
    """The dense pair matrix from the cosines plus the per-comment signals."""
    u_stems = [_stems(c) - stopstems for c in u_norms]
    u_lang = detect_languages(u_norms)
    out = np.zeros((n, len(PAIR_FEATURE_NAMES)), dtype=np.float64)
    for i in range(n):
        cs = _stems(comment_norms[i]) - stopstems
        ctx = u_stems[idx[i]]
        inter = len(cs & ctx)
        ov = inter / len(cs) if cs else 0.0
        lc = len(comment_norms[i])
        lx = len(u_norms[idx[i]])
        sig = signal_features(comment_texts[i], None if known is None else known[i])
        cl = comment_langs[i]
        xl = u_lang[idx[i]]
        mismatch = 1.0 if (cl in ("fr", "en") and xl in ("fr", "en") and cl != xl) else 0.0
        out[i] = (cos_c[i], cos_w[i], cos_ci[i], cos_wi[i], max_idf[i], ov, 1.0 if inter else 0.0, math.log1p(lc), math.log1p(lx),
                  1.0 if len(cs) <= 2 else 0.0, sig[0], sig[1], sig[2], sig[3], mismatch, spam_logits[i])
    return out


def _unique_contexts(context_norms: list[str]):
    uniq: dict[str, int] = {}
    idx = np.empty(len(context_norms), dtype=np.int64)
    for i, c in enumerate(context_norms):
        idx[i] = uniq.setdefault(c, len(uniq))
    return list(uniq.keys()), idx


def pair_features(comment_texts: list[str], comment_norms: list[str], comment_char: sp.csr_matrix,
                  comment_word: sp.csr_matrix, context_texts: list[str], context_norms: list[str],
                  featurizer: Featurizer, spam_logits: np.ndarray, comment_langs: list[str],
                  stopstems: frozenset, idf_word: np.ndarray, idf_char: np.ndarray, known=None) -> np.ndarray:
    """Dense (n, len(PAIR_FEATURE_NAMES)) matrix.  Contexts are vectorized
    once per distinct context (many comments share a post).  ``known``: an
    (n, 3) array of has_email, has_phone, promo when the caller has them.

    This is the reference implementation (scipy.sparse, any batch size, used
    for training); ``pair_features_small`` gives bit-identical results for a
    few comments without building sparse matrices."""
    n = len(comment_texts)
    comment_char, comment_word = unit_rows(comment_char), unit_rows(comment_word)
    u_norms, idx = _unique_contexts(context_norms)
    u_w, u_c = featurizer.transform_blocks(u_norms)
    u_w, u_c = unit_rows(u_w), unit_rows(u_c)
    cos_c = np.asarray(comment_char.multiply(u_c[idx]).sum(axis=1)).ravel()
    cos_w = np.asarray(comment_word.multiply(u_w[idx]).sum(axis=1)).ravel()
    cw_i, uw_i = _idf_rows(comment_word, idf_word), _idf_rows(u_w, idf_word)
    cc_i, uc_i = _idf_rows(comment_char, idf_char), _idf_rows(u_c, idf_char)
    prod_w = cw_i.multiply(uw_i[idx]).tocsr()
    cos_wi = np.asarray(prod_w.sum(axis=1)).ravel()
    cos_ci = np.asarray(cc_i.multiply(uc_i[idx]).sum(axis=1)).ravel()
    # rarest shared word n-gram: idf of the features present on both sides
    shared = comment_word.multiply(u_w[idx]).tocsr()
    shared.data = idf_word[shared.indices].astype(np.float64)
    max_idf = np.asarray(shared.max(axis=1).todense()).ravel() if shared.nnz else np.zeros(n)
    return _pair_rows(n, comment_texts, comment_norms, comment_langs, u_norms, idx, stopstems, spam_logits,
                      cos_c, cos_w, cos_ci, cos_wi, max_idf, known)


# --- small batches: the same numbers without scipy.sparse ---------------------
# ``pair_features`` spends most of its time in scipy's per-call overhead when a
# request holds one or a few comments.  The functions below reproduce its
# arithmetic operation by operation (same float32/float64 steps, same
# summation order: scipy sums a row with ``np.add.reduceat`` over columns in
# ascending order, and a block sum adds duplicate occurrences one by one), so
# the results are bit-identical.  tests/models/test_model_speed_paths.py
# checks this on varied inputs.

_R0 = np.zeros(1, dtype=np.intp)
_EMPTY_ROW = (np.zeros(0, np.int64), np.zeros(0, np.float32))


def _row_sum(x: np.ndarray):
    """``csr.sum(axis=1)`` of a one-row matrix holding ``x`` (scipy reduces
    each row with ``np.add.reduceat``, not with ``np.sum``)."""
    if len(x) == 0:
        return x.dtype.type(0)
    return np.add.reduceat(x, _R0)[0]


def _summed_row(parts: list[np.ndarray], w: np.float32) -> tuple[np.ndarray, np.ndarray]:
    """(sorted columns, float32 values) of one document's row of the block sum
    ``parts[0] + parts[1] + ...`` where every occurrence weighs ``w``: inside
    a block duplicates accumulate one at a time, then the blocks are added in
    order (what ``Featurizer.blocks_from`` computes with scipy)."""
    F = len(parts)
    keys = np.concatenate([c * F + f for f, c in enumerate(parts)]) if F else np.zeros(0, np.int64)
    if len(keys) == 0:
        return _EMPTY_ROW
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    cnt = np.diff(np.append(starts, len(keys)))
    uk = keys[starts]
    # sequential float32 sums of 1..max(cnt) copies of w
    table = np.cumsum(np.full(int(cnt.max()), w, dtype=np.float32))
    s = table[cnt - 1]
    col = uk // F
    if F == 1:
        return col, s
    fam = uk - col * F
    newcol = np.empty(len(col), dtype=bool)
    newcol[0] = True
    np.not_equal(col[1:], col[:-1], out=newcol[1:])
    gid = np.cumsum(newcol) - 1
    dense = np.zeros((int(gid[-1]) + 1, F), dtype=np.float32)
    dense[gid, fam] = s
    v = dense[:, 0].copy()
    for f in range(1, F):
        v += dense[:, f]
    return col[newcol], v


def _doc_slice(doc: np.ndarray, d: int) -> slice:
    lo, hi = np.searchsorted(doc, (d, d + 1))
    return slice(int(lo), int(hi))


def _doc_rows(featurizer: Featurizer, enc: Encoded, d: int):
    """((word cols, vals), (char cols, vals)) of document ``d``: its rows of
    ``featurizer.blocks_from(enc)`` with duplicates summed, sorted by column."""
    cfg = featurizer.config
    wparts = [(enc.word_doc, enc.word_hash)]
    if cfg.word_ngrams[1] >= 2:
        wparts.append((enc.bigram_doc, enc.bigram_hash))
    rows = []
    for parts, bits in ((wparts, cfg.word_bits), (list(zip(enc.char_doc, enc.char_hash)), cfg.char_bits)):
        cols = []
        for doc, h in parts:
            sl = _doc_slice(doc, d)
            cols.append((h[sl] >> np.uint64(64 - bits)).astype(np.int64))
        count = sum(len(c) for c in cols)
        w = (1.0 / np.sqrt(np.maximum(np.array([count]), 1))).astype(np.float32)[0]
        rows.append(_summed_row(cols, w))
    return rows[0], rows[1]


def _unit(vals: np.ndarray) -> np.ndarray:
    """``unit_rows`` on one row (float32)."""
    sq = np.array([_row_sum(vals * vals)], dtype=np.float32)
    sq[sq == 0] = 1.0
    return (1.0 / np.sqrt(sq)) * vals


def _idf_unit(cols: np.ndarray, unit: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """``_idf_rows`` on one row (float64)."""
    y = unit.astype(np.float64)
    y *= idf[cols]
    norms = np.sqrt(np.array([_row_sum(y * y)], dtype=np.float64))
    norms[norms == 0] = 1.0
    return (1.0 / norms) * y


def _shared(a_cols: np.ndarray, b_cols: np.ndarray):
    """Positions in a and b of the columns both sorted rows hold, ascending."""
    if len(a_cols) == 0 or len(b_cols) == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    pos = np.searchsorted(b_cols, a_cols)
    pos[pos == len(b_cols)] = 0
    ia = np.flatnonzero(b_cols[pos] == a_cols)
    return ia, pos[ia]


class _PairRow:
    """One document prepared for the cosines of ``pair_features``."""
    __slots__ = ("wc", "wu", "wi", "cc", "cu", "ci")

    def __init__(self, word, char, idf_word, idf_char):
        self.wc, self.cc = word[0], char[0]
        self.wu, self.cu = _unit(word[1]), _unit(char[1])
        self.wi = _idf_unit(self.wc, self.wu, idf_word)
        self.ci = _idf_unit(self.cc, self.cu, idf_char)


def pair_features_small(comment_texts: list[str], comment_norms: list[str], comment_enc: Encoded,
                        comment_docs, context_texts: list[str], context_norms: list[str],
                        featurizer: Featurizer, spam_logits: np.ndarray, comment_langs: list[str],
                        stopstems: frozenset, idf_word: np.ndarray, idf_char: np.ndarray,
                        known=None) -> np.ndarray:
    """``pair_features`` for a few comments, bit-identical, without
    scipy.sparse.  Comment i is document ``comment_docs[i]`` of
    ``comment_enc`` (the batch's ``featurizer.encode`` output)."""
    n = len(comment_texts)
    u_norms, idx = _unique_contexts(context_norms)
    u_enc = featurizer.encode(u_norms)
    u_rows = [_PairRow(*_doc_rows(featurizer, u_enc, j), idf_word, idf_char) for j in range(len(u_norms))]
    cos_c, cos_w, cos_ci, cos_wi, max_idf = (np.zeros(n, np.float64) for _ in range(5))
    for i in range(n):
        a = _PairRow(*_doc_rows(featurizer, comment_enc, int(comment_docs[i])), idf_word, idf_char)
        b = u_rows[idx[i]]
        ia, ib = _shared(a.wc, b.wc)
        cos_w[i] = _row_sum(a.wu[ia] * b.wu[ib])
        cos_wi[i] = _row_sum(a.wi[ia] * b.wi[ib])
        if len(ia):
            max_idf[i] = float(idf_word[a.wc[ia]].max())
        ia, ib = _shared(a.cc, b.cc)
        cos_c[i] = _row_sum(a.cu[ia] * b.cu[ib])
        cos_ci[i] = _row_sum(a.ci[ia] * b.ci[ib])
    return _pair_rows(n, comment_texts, comment_norms, comment_langs, u_norms, idx, stopstems, spam_logits,
                      cos_c, cos_w, cos_ci, cos_wi, max_idf, known)
