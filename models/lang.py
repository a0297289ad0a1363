"""Tiny French / English language identification (no model download).

Scores function words and orthographic cues of each language; returns "fr",
"en" or "und" (nothing to go on).  Runs in microseconds per comment.
"""
from __future__ import annotations

import functools

import numpy as np

from .hashing import Encoded
from .text import normalize_batch

__all__ = ["detect_language", "detect_languages", "SUPPORTED", "FR_WORDS", "EN_WORDS"]

SUPPORTED = ("fr", "en")

_FR_WORDS = frozenset("""
le la les un une des du de et est sont pas ne ce cet cette ces qui que quoi dans pour par sur avec sans mais ou donc
or ni car je tu il elle on nous vous ils elles me te se moi toi lui leur leurs mon ma mes ton ta tes son sa ses notre
votre nos vos aux au y en a ai as avons avez ont suis es sommes etes fait faire plus moins tres bien tout tous toute
toutes rien jamais toujours aussi comme quand comment pourquoi parce oui non merci bonjour salut ça ca c'est cest
j'ai jai n'est nest qu'il quil d'un d'une l'on s'il mdr ptdr wesh trop encore deja ici la-bas alors apres avant
chez entre vers contre sous peu beaucoup vraiment juste cela celui celle ceux etait sera serait peut faut va vais
vont font dit voir veux veut sais sait être avoir était été très déjà là où ça vous-même
""".split())

_EN_WORDS = frozenset("""
the a an and is are was were be been being not no of to in on at for with without but or so if then than that this
these those there here what which who whom whose why how when where i you he she it we they me him her us them my your
his its our their mine yours do does did done have has had will would can could should shall may might must just
only also very really too more most some any all every each about from into over under after before because while
yes thanks thank hello hi please lol don't dont can't cant it's its i'm im you're youre isn't isnt doesn't didn't
won't wouldn't get got go going gonna want like know think people good bad time one out up down
""".split())

FR_WORDS, EN_WORDS = _FR_WORDS, _EN_WORDS

_ACCENTS = "éèêàùâîôûçëïœÉÈÊÀÙÂÎÔÛÇËÏŒ"
_ACCENT_CODES = np.array(sorted(ord(c) for c in _ACCENTS), dtype=np.uint32)
_IS_ACCENT = np.zeros(int(_ACCENT_CODES.max()) + 2, dtype=bool)   # last slot: "anything above"
_IS_ACCENT[_ACCENT_CODES] = True
_FR_ELIDED = ("l", "j", "d", "c", "n", "m", "s", "t", "qu")
_EN_CONTRACTED = ("s", "t", "re", "ve", "ll", "d", "m")


@functools.lru_cache(maxsize=1)
def _hash_sets():

    def hashes(words):
        words = [w for w in words if "'" not in w and "-" not in w]
        enc = Encoded(normalize_batch(list(words)), (3, 3))
        return np.unique(enc.word_hash)

    return hashes(_FR_WORDS), hashes(_EN_WORDS), hashes(_FR_ELIDED), hashes(_EN_CONTRACTED)


_SLOT_BITS = 16


class _HashTable:
    """Exact membership of uint64 hashes in a few small sets: every set
    member owns its own slot ``(h >> shift) & mask`` (a shift without
    collisions is chosen), so a lookup is one gather and one comparison."""

    def __init__(self, sets):
        mask = (1 << _SLOT_BITS) - 1
        for shift in range(0, 64 - _SLOT_BITS + 1):
            if all(len(np.unique((s >> np.uint64(shift)) & np.uint64(mask))) == len(s) for s in sets):
                break
        else:                                            # pragma: no cover - 48 shifts all colliding
            raise RuntimeError("no collision-free slot function for the language word sets")
        self.shift, self.mask = np.uint64(shift), np.uint64(mask)
        self.keys, self.used = [], []
        for st in sets:
            keys = np.zeros(mask + 1, dtype=np.uint64)
            used = np.zeros(mask + 1, dtype=bool)
            slots = ((st >> self.shift) & self.mask).astype(np.intp)
            keys[slots] = st
            used[slots] = True
            self.keys.append(keys)
            self.used.append(used)

    def slots(self, values: np.ndarray) -> np.ndarray:
        return ((values >> self.shift) & self.mask).astype(np.intp)

    def member(self, j: int, values: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """np.isin(values, set j) given ``slots = self.slots(values)``."""
        return self.used[j][slots] & (self.keys[j][slots] == values)


@functools.lru_cache(maxsize=1)
def _hash_table() -> _HashTable:
    return _HashTable(_hash_sets())


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """np.isin for a small sorted set, without sorting ``values``."""
    if len(sorted_set) == 0 or len(values) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[pos] == values


def detect_languages(texts: list[str], enc=None) -> list[str]:
    """Vectorized ``detect_language`` for a batch.  ``enc``: the batch's
    ``hashing.Encoded`` of the normalized texts, when already computed."""
    n = len(texts)
    if n == 0:
        return []
    if enc is None:
        enc = Encoded(normalize_batch([t or "" for t in texts]), (3, 3))
    table = _hash_table()
    wd, wh = enc.word_doc, enc.word_hash
    slots = table.slots(wh)
    fr = np.bincount(wd[table.member(0, wh, slots)], minlength=n).astype(np.float64)
    en = np.bincount(wd[table.member(1, wh, slots)], minlength=n).astype(np.float64)
    codes = enc.codes
    L = len(codes)
    apos = ord("'")
    if len(wh):
        after = np.where(enc.tok_end < L, codes[np.minimum(enc.tok_end, L - 1)], 0) == apos
        before = np.where(enc.tok_start > 0, codes[np.maximum(enc.tok_start - 1, 0)], 0) == apos
        fr += np.bincount(wd[after & table.member(2, wh, slots)], minlength=n)
        en += np.bincount(wd[before & table.member(3, wh, slots)], minlength=n)
    # accents, counted on the original text (normalization folds them)
    joined = "\x00".join((t or "").replace("\x00", " ") for t in texts)
    oc = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    odoc = np.cumsum(oc == 0)
    acc = _IS_ACCENT[np.minimum(oc, len(_IS_ACCENT) - 1)]
    fr += 1.5 * np.bincount(odoc[acc], minlength=n)
    # tokens containing a letter
    tok_letter = np.zeros(len(wh), dtype=bool)
    if len(wh):
        is_letter = ((codes >= 97) & (codes <= 122)) | (codes > 127)
        cum = np.zeros(L + 1, dtype=np.int64)
        np.cumsum(is_letter, out=cum[1:])
        tok_letter = (cum[enc.tok_end] - cum[enc.tok_start]) > 0
    n_words = np.bincount(wd[tok_letter], minlength=n)
    out = []
    for i in range(n):
        if n_words[i] == 0:
            out.append("und")
        elif fr[i] == 0 and en[i] == 0:
            out.append("und" if n_words[i] < 2 else "en")
        else:
            out.append("fr" if fr[i] > en[i] else "en")
    return out


def detect_language(text: str | None) -> str:
    """Return "fr", "en" or "und" (no words at all, or a single word with
    no cue).  Otherwise English is the fallback."""
    if not text:
        return "und"
    return detect_languages([text])[0]
