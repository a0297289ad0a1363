"""N-gram features: hashed word (1-2) and character (3-5) n-grams of normalized
text, plus the accented spellings of words (see ``hashing.accent_words``).

Hashing (no vocabulary) keeps the artifact small and the transform stateless:
only the configuration (bits, n-gram ranges) is stored in the artifact.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from .hashing import Encoded, accent_words

__all__ = ["FeatureConfig", "Featurizer", "Encoded", "unit_rows", "document_idf"]


@dataclass(frozen=True)
class FeatureConfig:
    word_bits: int = 18
    char_bits: int = 19
    word_ngrams: tuple = (1, 2)
    char_ngrams: tuple = (3, 5)
    max_chars: int = 3000          # longer comments are truncated for scoring
    hash_version: int = 1
    accent_words: bool = False     # add the accented spellings of words (hashed in the word space)

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
        d.setdefault("accent_words", False)
        return cls(**d)

    @property
    def n_features(self) -> int:
        return 2 ** self.word_bits + 2 ** self.char_bits


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

    def encode(self, norm_texts: list[str], raw_texts: list[str] | None = None) -> Encoded:
        """``raw_texts`` (the texts before normalization) give the accented
        words when the configuration asks for them."""
        enc = Encoded(norm_texts, self.config.char_ngrams, self.config.max_chars)
        if self.config.accent_words and raw_texts is not None:
            enc.accent_doc, enc.accent_hash = accent_words(
                [t if len(t) <= self.config.max_chars else t[: self.config.max_chars] for t in raw_texts])
        return enc

    def block_lists(self, enc: Encoded, accents: bool = True):
        """([word blocks], [char blocks]) -- sum each list for the feature
        matrix.  The first one or two word blocks are the word uni/bigrams (what
        the off-topic cosines compare); an accented-word block, weighted by its
        own count, follows when ``accents``."""
        n = enc.n_docs
        wparts = [(enc.word_doc, enc.word_hash)]
        if self.config.word_ngrams[1] >= 2:
            wparts.append((enc.bigram_doc, enc.bigram_hash))
        wcount = sum(np.bincount(d, minlength=n) for d, _ in wparts)
        ccount = sum((np.bincount(d, minlength=n) for d in enc.char_doc), np.zeros(n, np.int64))
        wbl = [_block(d, h, self.config.word_bits, n, wcount) for d, h in wparts]
        if accents and len(enc.accent_doc):
            wbl.append(_block(enc.accent_doc, enc.accent_hash, self.config.word_bits, n,
                              np.bincount(enc.accent_doc, minlength=n)))
        cbl = [_block(d, h, self.config.char_bits, n, ccount) for d, h in zip(enc.char_doc, enc.char_hash)]
        return wbl, cbl

    @property
    def n_ngram_word_blocks(self) -> int:
        return 2 if self.config.word_ngrams[1] >= 2 else 1

    def blocks_from(self, enc: Encoded, accents: bool = True):
        wbl, cbl = self.block_lists(enc, accents)
        wb = wbl[0]
        for x in wbl[1:]:
            wb = wb + x
        cb = cbl[0] if cbl else sp.csr_matrix((enc.n_docs, self.n_char), dtype=np.float32)
        for x in cbl[1:]:
            cb = cb + x
        return wb.tocsr(), cb.tocsr()

    def transform_blocks(self, norm_texts: list[str]):
        """(word block, char block), each n_docs x 2**bits, without accented
        words (the off-topic cosines)."""
        return self.blocks_from(self.encode(norm_texts))

    def transform(self, norm_texts: list[str], raw_texts: list[str] | None = None) -> sp.csr_matrix:
        """The head's feature matrix, n_docs x (2**word_bits + 2**char_bits)."""
        wb, cb = self.blocks_from(self.encode(norm_texts, raw_texts))
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


def document_idf(X: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
    return (np.log((X.shape[0] + 1.0) / (df + 1.0)) + 1.0).astype(np.float32)
