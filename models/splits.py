"""Deduplication, near-copy grouping and the train / valid / test split.

Whole groups of near-copies go to one split, so a test row never has a twin
in training; rows written for the project and machine translations only
ever train.
"""
from __future__ import annotations

import hashlib
import re

from .records import Record
from .text import normalize_batch

__all__ = ["assign_groups_and_splits"]

_NONLETTER = re.compile(r"[^a-z]+")


class _UF:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, a):
        p = self.p
        while p[a] != a:
            p[a] = p[p[a]]
            a = p[a]
        return a

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def _bucket(key: str, seed: int) -> float:
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def assign_groups_and_splits(recs: list[Record], seed: int = 13,
                             fractions=(0.7, 0.1, 0.2)) -> list[Record]:
    """Normalize, drop exact duplicates (same normalized text inside a dataset
    with the same label; conflicting labels: all copies dropped), group
    near-copies (same letters-only skeleton, or same 40-letter prefix or
    suffix, or the same Jigsaw id for original + translation) with union-find,
    then split whole groups: train / valid / test.  Machine-translated rows
    may only be in train (dropped otherwise)."""
    todo = [r for r in recs if not r.norm]
    for s0 in range(0, len(todo), 1000):
        chunk = todo[s0: s0 + 1000]
        for r, nm in zip(chunk, normalize_batch([r.text for r in chunk])):
            r.norm = nm
    # exact dedupe per dataset on normalized text (and author URL: the written
    # blog rows hold the same praise from a reader and from a spammer's URL)
    seen: dict[tuple, int] = {}
    conflict: set[tuple] = set()
    keep: list[Record] = []
    keys = []
    for r in recs:
        k = (r.dataset, r.norm, r.extra.get("author_url", ""))
        if k in seen:
            if keep[seen[k]].label != r.label:
                conflict.add(k)
            continue
        seen[k] = len(keep)
        keep.append(r)
        keys.append(k)
    keep = [r for r, k in zip(keep, keys) if k not in conflict and r.norm]
    uf = _UF(len(keep))
    first: dict[str, int] = {}
    for i, r in enumerate(keep):
        sk = _NONLETTER.sub("", r.norm.replace("xurlx", "").replace("xuserx", "").replace("xemailx", ""))
        keys = ["s:" + sk] if sk else ["n:" + r.norm]
        if len(sk) >= 40:
            keys += ["p:" + sk[:40], "e:" + sk[-40:]]
        if r.group_key:
            keys.append(r.group_key)
        for k in keys:
            j = first.setdefault(k, i)
            if j != i:
                uf.union(i, j)
    roots = [uf.find(i) for i in range(len(keep))]
    # group id = the normalized text of the root (stable across runs)
    out: list[Record] = []
    a, b, _ = fractions
    for i, r in enumerate(keep):
        root = keep[roots[i]]
        gid = root.norm
        r.group = roots[i]
        u = _bucket(gid, seed)
        r.split = "train" if u < a else ("valid" if u < a + b else "test")
        if r.info.synthetic:
            r.split = "train"
        if r.info.mt and r.split != "train":
            continue
        out.append(r)
    return out


