"""Undoing evasions on code points: leetspeak inside words and letters split
by separators (``c.o.n.n.a.r.d``, ``c o n n a r d``).  Used by ``text.py``
(``normalize``, ``readable``); numpy masks find the few places to look at."""
from __future__ import annotations

import re

import numpy as np

from .text_tables import C_LEET, C_LOWER, C_MAYBE_NW, C_SEP, C_WORDH, LEET, classes

__all__ = ["SEP", "_codes", "_from_codes", "_has_split_hint", "_deleet_all", "_join_split_all"]

SEP = "\x00"
# Letters split by separators: c.o.n.n.a.r.d / c-o-n / c o n n a r d (>= 3 letters).
# the same separator all along: "a f.u.c.k" joins only "f.u.c.k"
_SPLIT_SEP_RE = re.compile(r"\b[a-z](?P<sep>[ .\-_*·•|/~,'\"+]{1,2})[a-z](?:(?P=sep)[a-z])+\b")
_SPLIT_DROP_RE = re.compile(r"[ .\-_*·•|/~,'\"+]")
_LEET_TOKEN_CHARS = frozenset("@$€!|+£_")


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _from_codes(codes: np.ndarray) -> str:
    return codes.astype(np.uint32).tobytes().decode("utf-32-le")


def _has_split_hint(codes: np.ndarray, cls: np.ndarray | None = None) -> bool:
    """Three isolated letters separated by 1-2 separator characters?"""
    if len(codes) < 5:
        return False
    if cls is None:
        cls = classes(codes)
    letter = (cls & C_LOWER).astype(bool)
    word = (cls & C_WORDH).astype(bool)
    iso = letter.copy()
    iso[1:] &= ~word[:-1]
    iso[:-1] &= ~word[1:]
    pos = np.flatnonzero(iso)
    if len(pos) < 3:
        return False
    gap_ok = (np.diff(pos) <= 3)
    return bool((gap_ok[:-1] & gap_ok[1:]).any())


def _is_tok(ch: str) -> bool:
    return ch.isalnum() or ch in _LEET_TOKEN_CHARS


def _deleet_all(text: str, codes: np.ndarray | None = None, cls: np.ndarray | None = None) -> str:
    """Undo leetspeak in the tokens that mix letters with digits/symbols
    (hint positions found with numpy; only those tokens are touched).
    Returns ``text`` itself when nothing is to be done."""
    if codes is None:
        codes = _codes(text)
    if len(codes) < 2:
        return text
    if cls is None:
        cls = classes(codes)
    letter = (cls & C_LOWER).astype(bool)
    leet = (cls & C_LEET).astype(bool)
    hints = np.flatnonzero((letter[:-1] & leet[1:]) | (leet[:-1] & letter[1:]))
    if len(hints) == 0:
        return text
    out, last, n = [], 0, len(text)
    for h in hints.tolist():
        if h < last:
            continue
        s0 = h
        while s0 > last and _is_tok(text[s0 - 1]):
            s0 -= 1
        e0 = h + 2
        while e0 < n and _is_tok(text[e0]):
            e0 += 1
        out.append(text[last:s0])
        out.append(_deleet_token(text[s0:e0]))
        last = e0
    out.append(text[last:])
    return "".join(out)


def _deleet_token(tok: str) -> str:
    # punctuation at the edges is punctuation ("quoi!"), not leetspeak
    core = tok.rstrip("!|+")
    tail = tok[len(core):]
    stripped = core.lstrip("!|+")
    head = core[: len(core) - len(stripped)]
    tok = stripped
    if not tok:
        return head + tail
    letters = sum(c.isalpha() for c in tok)
    if letters == 0 or letters < len(tok) // 3:
        return head + tok + tail  # mostly digits: a number, not leetspeak
    return head + "".join(LEET.get(c, c) for c in tok) + tail


_ONE_LETTER_WORDS = frozenset("aiyo")   # "a", "à", "I", "y", "ô": real words before a spaced-out one


def _join_split(m: re.Match) -> str:
    run = m.group(0)
    head = ""
    # "what a f u c k i n g" -> keep the article ("a fucking") when the rest is
    # still a long word (>= 7 letters); "a s s h o l e" stays one word
    while m.group("sep") == " " and run[0] in _ONE_LETTER_WORDS and len(run) >= 15:
        head += run[0] + " "
        run = run[2:]
    return head + _SPLIT_DROP_RE.sub("", run)


def _split_candidates(cls: np.ndarray) -> np.ndarray:
    """Positions where ``_SPLIT_SEP_RE`` could start a match: a letter not
    preceded by an (ASCII) word char, then letter / separator(s) / letter /
    separator(s) / letter with 1 or 2 separators.  A superset of the real
    match starts (non-ASCII counts as a possible separator and non-word)."""
    n = len(cls)
    letter = (cls & C_LOWER).astype(bool)
    sep = (cls & C_SEP).astype(bool)
    start = letter.copy()
    start[1:] &= (cls[:-1] & C_MAYBE_NW).astype(bool)
    out = []
    if n >= 5:      # x.y.z
        a = letter[:-2] & sep[1:-1] & letter[2:]           # a[i]: letter i, sep i+1, letter i+2
        out.append(np.flatnonzero(start[:n - 4] & a[:n - 4] & a[2:]))
    if n >= 7:      # x. y. z
        b = letter[:-3] & sep[1:-2] & sep[2:-1] & letter[3:]
        out.append(np.flatnonzero(start[:n - 6] & b[:n - 6] & b[3:]))
    return np.concatenate(out) if out else np.zeros(0, np.intp)


def _join_split_all(text: str, codes: np.ndarray, cls: np.ndarray) -> str:
    """``_SPLIT_SEP_RE.sub(_join_split, text)``, running the regex only on the
    documents (NUL-separated) that hold a candidate position.  Matches never
    span a NUL, and \\b sees the same thing at a NUL as at a string edge."""
    cand = _split_candidates(cls)
    if len(cand) == 0:
        return text
    seps = np.flatnonzero(codes == 0)
    if len(seps) == 0:
        return _SPLIT_SEP_RE.sub(_join_split, text)
    docs = np.unique(np.searchsorted(seps, cand))      # doc k spans (seps[k-1], seps[k])
    bounds = np.concatenate(([-1], seps, [len(codes)]))
    out, last = [], 0
    for k in docs.tolist():
        b, e = int(bounds[k]) + 1, int(bounds[k + 1])
        seg = text[b:e]
        new = _SPLIT_SEP_RE.sub(_join_split, seg)
        if new != seg:
            out.append(text[last:b])
            out.append(new)
            last = e
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)
