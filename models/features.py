"""Feature extraction: hashed word and character n-grams of normalized text,
plus the comment <-> context features used by the off-topic head.

Hashing (no vocabulary) keeps the artifact small and the transform stateless:
only the configuration (bits, n-gram ranges) is stored in the artifact.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from .lang import detect_languages
from .text import EMAIL_RE, PHONE_RE, URL_RE

__all__ = ["FeatureConfig", "Featurizer", "pair_features", "pair_features_small", "PAIR_FEATURE_NAMES",
           "signal_features"]


@dataclass(frozen=True)
class FeatureConfig:
    word_bits: int = 18
    char_bits: int = 19
    word_ngrams: tuple = (1, 2)
    char_ngrams: tuple = (3, 5)
    max_chars: int = 3000          # longer comments are truncated for scoring
    hash_version: int = 1

    def to_json(self) -> dict:
        d = asdict(self)
        d["word_ngrams"] = list(self.word_ngrams)
        d["char_ngrams"] = list(self.char_ngrams)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "FeatureConfig":
        d = dict(d)
        d["word_ngrams"] = tuple(d["word_ngrams"])
        d["char_ngrams"] = tuple(d["char_ngrams"])
        return cls(**d)

    @property
    def n_features(self) -> int:
        return 2 ** self.word_bits + 2 ** self.char_bits


# --- vectorized hashing ---------------------------------------------------------
# Every n-gram is a substring of the batch string, so one prefix polynomial
# hash over the code points of the whole batch gives every n-gram hash with a
# few numpy operations (no per-token Python work).  All arithmetic is uint64
# modulo 2**64, identical on every platform.

_P = np.uint64(0x9E3779B97F4A7C15 | 1)
_PINV = np.uint64(pow(int(_P), -1, 2 ** 64))
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SALT_CHAR = np.uint64(0x2545F4914F6CDD1D)
_SALT_WORD = np.uint64(0x5851F42D4C957F2D)
_SALT_BIGRAM = np.uint64(0x14057B7EF767814F)
_SEP = 0                              # code point joining the comments of a batch

_TOKEN_TABLE = np.zeros(128, dtype=bool)
for _c in "abcdefghijklmnopqrstuvwxyz0123456789_":
    _TOKEN_TABLE[ord(_c)] = True


_TOKEN_TABLE_NA = np.r_[_TOKEN_TABLE, True]     # index 128: any non-ASCII code point

# powers P**k and P**-k for k < _POW_CACHE_MAX are computed once and reused
_POW_CACHE_MAX = 1 << 19
_pow_cache: tuple = (np.ones(1, np.uint64), np.ones(1, np.uint64))


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(P**k, P**-k) for k in 0..n-1, uint64 (wrapping)."""
    global _pow_cache
    pw, pinv = _pow_cache
    if len(pw) >= n:
        return pw[:n], pinv[:n]
    size = n if n > _POW_CACHE_MAX else min(_POW_CACHE_MAX, max(n, 2 * len(pw), 4096))
    pw = np.empty(size, dtype=np.uint64)
    pw[0] = 1
    pw[1:] = _P
    pw = np.cumprod(pw, dtype=np.uint64)
    pinv = np.empty(size, dtype=np.uint64)
    pinv[0] = 1
    pinv[1:] = _PINV
    pinv = np.cumprod(pinv, dtype=np.uint64)
    if size <= _POW_CACHE_MAX:
        _pow_cache = (pw, pinv)      # one assignment: safe for concurrent readers
    return pw[:n], pinv[:n]


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(31))
    h = h * _MIX1
    h = h ^ (h >> np.uint64(29))
    h = h * _MIX2
    return h ^ (h >> np.uint64(32))


class Encoded:
    """A batch of normalized texts as code points plus the hashes needed for
    features: char n-grams and word uni/bigrams, with their document ids."""
    __slots__ = ("n_docs", "char_doc", "char_hash", "word_doc", "word_hash", "bigram_doc", "bigram_hash",
                 "tok_start", "tok_end", "codes")

    def __init__(self, norm_texts: list[str], char_ngrams=(3, 5), max_chars: int = 3000):
        n = len(norm_texts)
        self.n_docs = n
        # " doc " padding so that word-boundary n-grams exist (like char_wb)
        joined = "\x00".join(" " + (t if len(t) <= max_chars else t[:max_chars]) + " " for t in norm_texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        self.codes = codes
        L = len(codes)
        is_sep = codes == _SEP
        doc_of = np.cumsum(is_sep, dtype=np.int64)          # document index of every position
        # prefix hash H[i] = sum_{k<i} (c_k + 1) * P^k
        pw, pinv = _powers(L + 1)
        H = np.zeros(L + 1, dtype=np.uint64)
        if L:
            np.cumsum((codes + np.uint64(1)) * pw[:L], dtype=np.uint64, out=H[1:])
        seps_before = np.zeros(L + 1, dtype=np.int64)
        np.cumsum(is_sep, out=seps_before[1:])

        def sub_hash(st, en):
            return (H[en] - H[st]) * pinv[st]

        # character n-grams that do not cross a document boundary (all the
        # n-grams starting at 0..m-1 at once: slices instead of gathers)
        cd, ch = [], []
        for k in range(char_ngrams[0], char_ngrams[1] + 1):
            if L < k:
                continue
            m = L - k + 1
            ok = seps_before[k:k + m] == seps_before[:m]
            h = ((H[k:k + m] - H[:m]) * pinv[:m])[ok]
            cd.append(doc_of[:m][ok])
            ch.append(_mix(h ^ (_SALT_CHAR * np.uint64(k))))
        self.char_doc = cd          # one array per n-gram size, each sorted by document
        self.char_hash = ch
        # word tokens: runs of [a-z0-9_] or any non-ASCII code point
        is_tok = _TOKEN_TABLE_NA[np.minimum(codes, np.uint64(128))]
        is_tok &= ~is_sep
        prev = np.r_[False, is_tok[:-1]]
        nxt = np.r_[is_tok[1:], False]
        starts = np.flatnonzero(is_tok & ~prev)
        ends = np.flatnonzero(is_tok & ~nxt) + 1
        self.tok_start, self.tok_end = starts, ends
        wh = _mix(sub_hash(starts, ends) ^ _SALT_WORD)
        wd = doc_of[starts] if len(starts) else np.zeros(0, np.int64)
        self.word_doc, self.word_hash = wd, wh
        if len(starts) > 1:
            same = wd[1:] == wd[:-1]
            self.bigram_doc = wd[1:][same]
            self.bigram_hash = _mix(wh[:-1][same] * _SALT_BIGRAM + wh[1:][same])
        else:
            self.bigram_doc = np.zeros(0, np.int64)
            self.bigram_hash = np.zeros(0, np.uint64)


def _block(doc: np.ndarray, h: np.ndarray, bits: int, n_docs: int, counts: np.ndarray) -> sp.csr_matrix:
    """CSR rows = documents (``doc`` must be sorted); each occurrence weighs
    1/sqrt(occurrences of its feature family in the document).  Duplicate
    columns are kept: they add up in products."""
    idx = (h >> np.uint64(64 - bits)).astype(np.int32)
    c = np.bincount(doc, minlength=n_docs)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(c, out=indptr[1:])
    w = (1.0 / np.sqrt(np.maximum(counts, 1))).astype(np.float32)[doc] if len(idx) else np.zeros(0, np.float32)
    return sp.csr_matrix((w, idx, indptr), shape=(n_docs, 2 ** bits))


class Featurizer:
    """Stateless; safe to share between threads."""

    def __init__(self, config: FeatureConfig):
        self.config = config
        self.n_word = 2 ** config.word_bits
        self.n_char = 2 ** config.char_bits

    def encode(self, norm_texts: list[str]) -> Encoded:
        return Encoded(norm_texts, self.config.char_ngrams, self.config.max_chars)

    def block_lists(self, enc: Encoded):
        """([word blocks], [char blocks]) -- sum each list for the feature matrix."""
        n = enc.n_docs
        wparts = [(enc.word_doc, enc.word_hash)]
        if self.config.word_ngrams[1] >= 2:
            wparts.append((enc.bigram_doc, enc.bigram_hash))
        wcount = sum(np.bincount(d, minlength=n) for d, _ in wparts)
        ccount = sum((np.bincount(d, minlength=n) for d in enc.char_doc), np.zeros(n, np.int64))
        wbl = [_block(d, h, self.config.word_bits, n, wcount) for d, h in wparts]
        cbl = [_block(d, h, self.config.char_bits, n, ccount) for d, h in zip(enc.char_doc, enc.char_hash)]
        return wbl, cbl

    def blocks_from(self, enc: Encoded):
        wbl, cbl = self.block_lists(enc)
        wb = wbl[0]
        for x in wbl[1:]:
            wb = wb + x
        cb = cbl[0] if cbl else sp.csr_matrix((enc.n_docs, self.n_char), dtype=np.float32)
        for x in cbl[1:]:
            cb = cb + x
        return wb.tocsr(), cb.tocsr()

    def transform_blocks(self, norm_texts: list[str]):
        """(word block, char block), each n_docs x 2**bits."""
        return self.blocks_from(self.encode(norm_texts))

    def transform(self, norm_texts: list[str]) -> sp.csr_matrix:
        wb, cb = self.transform_blocks(norm_texts)
        X = sp.hstack([wb, cb], format="csr", dtype=np.float32)
        X.sum_duplicates()
        return X

    def logits_from(self, enc: Encoded, W_word: np.ndarray, W_char: np.ndarray):
        """Linear scores: one sparse-dense product per feature family, no
        sorting or merging of the occurrences."""
        wbl, cbl = self.block_lists(enc)
        z = None
        for x in wbl:
            z = x @ W_word if z is None else z + x @ W_word
        for x in cbl:
            z = z + x @ W_char
        return z, wbl, cbl


def unit_rows(X: sp.csr_matrix) -> sp.csr_matrix:
    """Sum duplicate entries and L2-normalize rows (for cosine similarity)."""
    X = X.tocsr(copy=True)
    X.sum_duplicates()
    sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    sq[sq == 0] = 1.0
    return (sp.diags(1.0 / np.sqrt(sq)) @ X).tocsr()


# ---------------------------------------------------------------------------
# off-topic: comment <-> context features

_PROMO_RE = re.compile(
    r"(?i)\b(?:subscribe|subscriber|check (?:out )?my|my channel|visit|click|follow me|free|gift ?card|promo|"
    r"discount|earn|earning|income|invest(?:ment|ing)?|bitcoin|crypto|forex|trading|profit|whats ?app|"
    r"telegram|dm me|contact (?:me|him|her)|inbox|cash|loan|casino|viagra|seo|backlinks?|"
    r"abonne[zr]?|abonnement|cliquez|gratuit|gagne[rz]?|argent|visitez|contactez|rejoignez|ma chaine|offre)\b")
_WORD_RE = re.compile(r"[a-z]{4,}")

PAIR_FEATURE_NAMES = ("cos_char", "cos_word", "cos_char_idf", "cos_word_idf", "max_shared_idf", "overlap",
                      "overlap_any", "log_len_comment", "log_len_context", "short_comment", "has_url", "has_email",
                      "has_phone", "promo", "lang_mismatch", "spam_logit")


def signal_features(text: str) -> tuple[float, float, float, float]:
    has_url = 1.0 if URL_RE.search(text) else 0.0
    has_email = 1.0 if EMAIL_RE.search(text) else 0.0
    digits = sum(ch.isdigit() for ch in text)
    has_phone = 1.0 if digits >= 8 and PHONE_RE.search(text) else 0.0
    promo = min(3.0, float(len(_PROMO_RE.findall(text))))
    return has_url, has_email, has_phone, promo


def _idf_rows(X: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Rows re-weighted by idf and L2-normalized (for idf-weighted cosine)."""
    Y = X.tocsr(copy=True).astype(np.float64)
    Y.data *= idf[Y.indices]
    norms = np.sqrt(np.asarray(Y.multiply(Y).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    Y = sp.diags(1.0 / norms) @ Y
    return Y.tocsr()


def document_idf(X: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
    return (np.log((X.shape[0] + 1.0) / (df + 1.0)) + 1.0).astype(np.float32)


def _stems(norm: str) -> set[str]:
    return {w[:5] for w in _WORD_RE.findall(norm)}


def _pair_rows(n, comment_texts, comment_norms, comment_langs, u_norms, idx, stopstems, spam_logits,
               cos_c, cos_w, cos_ci, cos_wi, max_idf) -> np.ndarray:
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
        sig = signal_features(comment_texts[i])
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
                  stopstems: frozenset, idf_word: np.ndarray, idf_char: np.ndarray) -> np.ndarray:
    """Dense (n, len(PAIR_FEATURE_NAMES)) matrix.  Contexts are vectorized
    once per distinct context (many comments share a post).

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
                      cos_c, cos_w, cos_ci, cos_wi, max_idf)


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
                        stopstems: frozenset, idf_word: np.ndarray, idf_char: np.ndarray) -> np.ndarray:
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
                      cos_c, cos_w, cos_ci, cos_wi, max_idf)
