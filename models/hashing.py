"""Polynomial hashing of n-grams for a whole batch at once.

Every n-gram is a substring of the batch string, so one prefix polynomial hash
over the code points of the whole batch gives every n-gram hash with a few
numpy operations (no per-token Python work).  All arithmetic is uint64 modulo
2**64, identical on every platform.  Used by the n-gram features
(``features.py``) and by language detection (``lang.py``).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

__all__ = ["Encoded", "mix", "accent_words", "SALT_ACCENT"]

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


def mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(31))
    h = h * _MIX1
    h = h ^ (h >> np.uint64(29))
    h = h * _MIX2
    return h ^ (h >> np.uint64(32))


class Encoded:
    """A batch of normalized texts as code points plus the hashes needed for
    features: char n-grams and word uni/bigrams, with their document ids."""
    __slots__ = ("n_docs", "char_doc", "char_hash", "word_doc", "word_hash", "bigram_doc", "bigram_hash",
                 "tok_start", "tok_end", "codes", "accent_doc", "accent_hash")

    def __init__(self, norm_texts: list[str], char_ngrams=(3, 5), max_chars: int = 3000):
        n = len(norm_texts)
        self.n_docs = n
        self.accent_doc = np.zeros(0, np.int64)       # filled by Featurizer.encode from the raw texts
        self.accent_hash = np.zeros(0, np.uint64)
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
            ch.append(mix(h ^ (_SALT_CHAR * np.uint64(k))))
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
        wh = mix(sub_hash(starts, ends) ^ _SALT_WORD)
        wd = doc_of[starts] if len(starts) else np.zeros(0, np.int64)
        self.word_doc, self.word_hash = wd, wh
        if len(starts) > 1:
            same = wd[1:] == wd[:-1]
            self.bigram_doc = wd[1:][same]
            self.bigram_hash = mix(wh[:-1][same] * _SALT_BIGRAM + wh[1:][same])
        else:
            self.bigram_doc = np.zeros(0, np.int64)
            self.bigram_hash = np.zeros(0, np.uint64)




# --- accented words -------------------------------------------------------------
# Normalization folds accents ("espère" and "espèce" both lose theirs), which
# is what makes evasions and spelling variants meet; the accented spelling
# itself is kept as an extra word feature so that words the folding brings
# together stay apart ("espère" != "espèce", "côte" != "cote").

SALT_ACCENT = np.uint64(0x3C6EF372FE94F82B)
_LETTERS = "a-zà-öø-ÿœæ"
_ACCENT_WORD_RE = re.compile(rf"[{_LETTERS}]*[à-öø-ÿœæ][{_LETTERS}]*")


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def accent_words(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(document ids, uint64 hashes) of the lower-cased words of ``texts``
    that hold an accented letter, sorted by document."""
    docs: list[int] = []
    hashes: list[int] = []
    for i, t in enumerate(texts):
        if not t or t.isascii():
            continue
        for w in _ACCENT_WORD_RE.findall(unicodedata.normalize("NFC", t).lower()):
            docs.append(i)
            hashes.append(_word_hash(w))
    if not docs:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    h = np.array(hashes, dtype=np.uint64)
    return np.array(docs, dtype=np.int64), mix(h ^ SALT_ACCENT)
