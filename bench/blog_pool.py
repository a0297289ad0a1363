"""Comments like a blog's, for the speed benchmarks of the ``full`` profile.

The ``full`` profile's second stage (e5, ``models/cascade.py``) reads only the
comments whose toxic scores fall near a hold point, so its speed depends on the
comments: ten sample sentences repeated (``run_stack.TEXTS``) measure ten
sentences, not a blog.  This pool mixes, half and half, two sets of real
comments at their natural toxic rates, read where they lie (never copied here):

- English: Globe and Mail opinion-article comments (``ucc_unhealthy_comments``
  in ``../shared/data``, about 5 % unhealthy);
- French: the comments of the French blog post in ``../shared/seed`` (one per
  line, the lines after the post itself).

Without them (another machine) it falls back to ``run_stack.TEXTS``, and says so.
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

__all__ = ["blog_texts"]


def _ucc(limit: int) -> list[str]:
    path = SHARED / "data" / "ucc_unhealthy_comments" / "ucc_unhealthy_comments.csv"
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r["text"] for r in csv.DictReader(f) if (r.get("text") or "").strip()]
    return rows[:limit]


def _seed() -> list[str]:
    path = SHARED / "seed" / "blog_post_with_comments.txt"
    if not path.is_file():
        return []
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines[1:]            # the first line is the post


def blog_texts(n: int = 3000, seed: int = 7) -> tuple[list[str], str]:
    """``n`` comments (cycled, shuffled) and a word on where they come from."""
    en, fr = _ucc(n), _seed()
    if not en or not fr:
        from run_stack import TEXTS
        return [TEXTS[i % len(TEXTS)] for i in range(n)], "run_stack.TEXTS (shared data or seed not found)"
    rng = random.Random(seed)
    pool = [en[i % len(en)] if i % 2 else fr[(i // 2) % len(fr)] for i in range(n)]
    rng.shuffle(pool)
    return pool, f"{len(set(en))} UCC comments (en) + {len(fr)} seed blog comments (fr), half and half"
