"""How well do span explanations match the words humans marked? (issue #3)

Compares the ``toxicity`` spans of :func:`models.explain.explain_item` with
human rationales on two English datasets of ``../shared/data``:

* ``civil_comments_toxic_spans`` -- ToxicSpans (ACL 2022): majority character
  spans (``rationale_offsets``, JSON ``[[start, end), ...]`` into ``text``).
  Scored at the character level, counting non-whitespace characters only (a
  gold span "pussy ass crybabies" and the three predicted word spans inside it
  match exactly).
* ``hatexplain_val_test`` -- HateXplain: majority token rationales
  (``rationale``: consecutive tokens joined by spaces, spans by `` | ``) over
  pre-tokenized, lower-cased text.  Scored at the token level: a token is
  predicted when a toxicity span overlaps it.

Only toxic rows with a non-empty rationale are used.  Both datasets are in the
model's training data, so by default only rows of the held-out ``test`` split
(``load_records`` + ``assign_groups_and_splits(seed=13)``, the split the
trainer uses) are evaluated; a deterministic sample of ``limit`` rows is
drawn from them.

A third, French sample (toxic rows of the French datasets, same split; no
rationales exist) only measures the share of function-word spans, where the
weakness of issue #3 shows most ("tu es", "t'es").

Metrics per dataset: micro precision / recall / F1 (summed over rows), the
mean per-row F1 (SemEval-2021 Task 5 style; a row without predicted spans
scores 0), the share of rows with at least one toxicity span, and the share
of predicted spans that are function words (pronouns, determiners,
auxiliaries, prepositions, conjunctions; :data:`models.explain.FUNCTION_WORDS`).

    python -m models.explain_eval --data ../shared/data --limit 1000 [--timing 200] [--json-out FILE]
"""
from __future__ import annotations

import argparse
import csv
import json
import pathlib
import random
import statistics
import sys
import time

import numpy as np

from .explain import explain_item, is_function_word

__all__ = ["load_civil", "load_hatexplain", "eval_civil", "eval_hatexplain", "evaluate", "timing",
           "hatexplain_gold_tokens", "token_offsets",
           "load_french_toxic", "eval_function_words"]

CIVIL = "civil_comments_toxic_spans"
HATEX = "hatexplain_val_test"
LABEL = "toxicity"
SEED = 13


def _default_data() -> pathlib.Path:
    from .data import default_data_dir
    return default_data_dir()


def _read_csv(path: pathlib.Path) -> list[dict]:
    csv.field_size_limit(2**31 - 1)
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


_SPLIT_CACHE: dict = {}


def _splits(data_dir: pathlib.Path) -> dict[tuple[str, str], str] | None:
    """(dataset, raw text) -> split, as the trainer assigns them; None when the
    split cannot be computed (then all rows are used and the report says so)."""
    key = str(data_dir)
    if key not in _SPLIT_CACHE:
        try:
            from .data import assign_groups_and_splits, load_records
            recs = assign_groups_and_splits(load_records(data_dir), seed=SEED)
            _SPLIT_CACHE[key] = {(r.dataset, r.text): r.split for r in recs if r.dataset in (CIVIL, HATEX)}
        except Exception as exc:  # data loader being changed elsewhere: degrade, do not fail
            print(f"warning: could not compute splits ({exc!r}); using all rows", file=sys.stderr)
            _SPLIT_CACHE[key] = None
    return _SPLIT_CACHE[key]


def _sample(rows: list, limit: int | None, seed: int = SEED) -> list:
    if limit is None or len(rows) <= limit:
        return rows
    idx = sorted(random.Random(seed).sample(range(len(rows)), limit))
    return [rows[i] for i in idx]


def _select(rows: list[dict], ds: str, data_dir: pathlib.Path, splits) -> tuple[list[dict], str]:
    if not splits:
        return rows, "all"
    smap = _splits(data_dir)
    if smap is None:
        return rows, "all (splits unavailable)"
    return [r for r in rows if smap.get((ds, r["text"])) in splits], "+".join(splits)


def load_civil(data_dir=None, limit: int | None = 1000, splits=("test",)) -> tuple[list[dict], str]:
    """Toxic rows with majority spans: [{"text", "gold": [(b, e), ...]}], split used."""
    data_dir = pathlib.Path(data_dir) if data_dir else _default_data()
    rows = []
    for r in _read_csv(data_dir / CIVIL / f"{CIVIL}.csv"):
        offs = json.loads(r.get("rationale_offsets") or "[]")
        if r.get("label") == "toxic" and offs and r["text"].strip():
            rows.append({"text": r["text"], "lang": r.get("lang") or "en", "gold": [tuple(o) for o in offs]})
    rows, used = _select(rows, CIVIL, data_dir, splits)
    return _sample(rows, limit), used


def token_offsets(text: str) -> list[tuple[int, int]]:
    """Character offsets of the space-separated tokens of a pre-tokenized text."""
    out, pos = [], 0
    for tok in text.split(" "):
        if tok:
            out.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    return out


def hatexplain_gold_tokens(text: str, rationale: str) -> set[int]:
    """Indices (into ``token_offsets(text)``) of the rationale tokens: each
    span is matched as a token sequence, in text order."""
    toks = [t for t in text.split(" ") if t]
    gold: set[int] = set()
    start = 0
    for span in (s.strip() for s in rationale.split(" | ")):
        st = [t for t in span.split(" ") if t]
        if not st:
            continue
        n = len(st)
        found = next((i for i in range(start, len(toks) - n + 1) if toks[i:i + n] == st), None)
        if found is None:   # out of order: search from the start
            found = next((i for i in range(0, len(toks) - n + 1) if toks[i:i + n] == st), None)
        if found is not None:
            gold.update(range(found, found + n))
            start = found + n
    return gold


def load_hatexplain(data_dir=None, limit: int | None = 1000, splits=("test",)) -> tuple[list[dict], str]:
    """Toxic rows with token rationales: [{"text", "gold_tokens": set}], split used."""
    data_dir = pathlib.Path(data_dir) if data_dir else _default_data()
    rows = []
    for r in _read_csv(data_dir / HATEX / f"{HATEX}.csv"):
        if r.get("label") == "toxic" and (r.get("rationale") or "").strip() and r["text"].strip():
            gold = hatexplain_gold_tokens(r["text"], r["rationale"])
            if gold:
                rows.append({"text": r["text"], "lang": r.get("lang") or "en", "gold_tokens": gold})
    rows, used = _select(rows, HATEX, data_dir, splits)
    return _sample(rows, limit), used


# ---------------------------------------------------------------------------

def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


class _Acc:
    def __init__(self):
        self.tp = self.np = self.ng = 0
        self.row_f1: list[float] = []
        self.rows_with_pred = 0
        self.n_spans = 0
        self.n_fw = 0

    def add(self, pred: set, gold: set, spans: list[dict]):
        tp = len(pred & gold)
        self.tp += tp
        self.np += len(pred)
        self.ng += len(gold)
        self.row_f1.append(_prf(tp, len(pred), len(gold))[2])
        self.rows_with_pred += bool(spans)
        self.n_spans += len(spans)
        self.n_fw += sum(is_function_word(s["text"]) for s in spans)

    def result(self, unit: str, split: str) -> dict:
        p, r, f = _prf(self.tp, self.np, self.ng)
        n = len(self.row_f1)
        return {"rows": n, "split": split, "unit": unit, "precision": round(p, 4), "recall": round(r, 4),
                "f1": round(f, 4), "row_f1": round(float(np.mean(self.row_f1)) if n else 0.0, 4),
                "rows_with_spans": round(self.rows_with_pred / n, 4) if n else 0.0,
                "spans_per_row": round(self.n_spans / n, 3) if n else 0.0,
                "function_word_share": round(self.n_fw / self.n_spans, 4) if self.n_spans else 0.0}


def _tox_spans(model, text: str, lang: str, explain) -> list[dict]:
    return [s for s in explain(model, {"text": text, "lang": lang}, labels=[LABEL]) if s["label"] == LABEL]


def eval_civil(model, rows: list[dict], split: str = "", explain=explain_item) -> dict:
    acc = _Acc()
    for row in rows:
        text = row["text"]
        spans = _tox_spans(model, text, row["lang"], explain)
        gold = {i for b, e in row["gold"] for i in range(b, min(e, len(text))) if not text[i].isspace()}
        pred = {i for s in spans for i in range(s["begin"], s["end"]) if not text[i].isspace()}
        acc.add(pred, gold, spans)
    return acc.result("char", split)


def eval_hatexplain(model, rows: list[dict], split: str = "", explain=explain_item) -> dict:
    acc = _Acc()
    for row in rows:
        offs = token_offsets(row["text"])
        spans = _tox_spans(model, row["text"], row["lang"], explain)
        pred = {k for k, (b, e) in enumerate(offs) for s in spans if s["begin"] < e and b < s["end"]}
        acc.add(pred, row["gold_tokens"], spans)
    return acc.result("token", split)


def timing(model, data_dir=None, n: int = 200, explain=explain_item, repeats: int = 1) -> dict:
    """p50 / p90 wall time (ms) of one explanation over ``n`` typical comments:
    a deterministic sample of real (non-translated, non-synthetic) comments
    of every dataset, French and English, toxic or clean."""
    data_dir = pathlib.Path(data_dir) if data_dir else _default_data()
    from .data import DATASETS, load_records
    recs = [r for r in load_records(data_dir, limit_per_dataset=2000)
            if not getattr(DATASETS[r.dataset], "mt", False) and not getattr(DATASETS[r.dataset], "synthetic", False)
            and len(r.text) <= 3000]
    recs = _sample(recs, n, seed=SEED)
    items = [{"text": r.text} for r in recs]
    explain(model, items[0])    # warm-up
    times = []
    for _ in range(repeats):
        for it in items:
            t0 = time.perf_counter()
            explain(model, it)
            times.append((time.perf_counter() - t0) * 1000.0)
    return {"n": len(items), "p50_ms": round(statistics.median(times), 2),
            "p90_ms": round(float(np.percentile(times, 90)), 2),
            "mean_chars": round(float(np.mean([len(it["text"]) for it in items])), 1)}


def load_french_toxic(data_dir=None, limit: int | None = 1000, splits=("test",)) -> tuple[list[dict], str]:
    """French toxic comments (no rationales exist): for the function-word share
    only, where the issue shows most ("tu es", "t'es", "ta")."""
    data_dir = pathlib.Path(data_dir) if data_dir else _default_data()
    from .data import DATASETS, assign_groups_and_splits, load_records
    names = [d for d, info in DATASETS.items() if not getattr(info, "mt", False)
             and not getattr(info, "synthetic", False)]
    recs = load_records(data_dir, datasets=names)
    if splits:
        recs = [r for r in assign_groups_and_splits(recs, seed=SEED) if r.split in splits]
    rows = [{"text": r.text, "lang": "fr"} for r in recs if r.lang == "fr" and r.label == "toxic"]
    rows.sort(key=lambda r: r["text"])
    return _sample(rows, limit), "+".join(splits) if splits else "all"


def eval_function_words(model, rows: list[dict], split: str = "", explain=explain_item) -> dict:
    n_spans = n_fw = with_spans = 0
    for row in rows:
        spans = _tox_spans(model, row["text"], row["lang"], explain)
        with_spans += bool(spans)
        n_spans += len(spans)
        n_fw += sum(is_function_word(s["text"]) for s in spans)
    n = len(rows)
    return {"rows": n, "split": split, "rows_with_spans": round(with_spans / n, 4) if n else 0.0,
            "spans_per_row": round(n_spans / n, 3) if n else 0.0,
            "function_word_share": round(n_fw / n_spans, 4) if n_spans else 0.0}


def evaluate(model=None, data_dir=None, limit: int | None = 1000, splits=("test",), explain=explain_item,
             french: bool = True) -> dict:
    if model is None:
        from .registry import default_model
        model = default_model()
    civil, cs = load_civil(data_dir, limit, splits)
    hx, hs = load_hatexplain(data_dir, limit, splits)
    res = {"model": getattr(model, "version", "?"),
           CIVIL: eval_civil(model, civil, cs, explain),
           HATEX: eval_hatexplain(model, hx, hs, explain)}
    if french:
        fr, fs = load_french_toxic(data_dir, limit, splits)
        res["french_toxic"] = eval_function_words(model, fr, fs, explain)
    return res


def _print(res: dict) -> None:
    print(f"model {res['model']}")
    cols = ("rows", "split", "unit", "precision", "recall", "f1", "row_f1", "rows_with_spans", "spans_per_row",
            "function_word_share")
    print(f"{'dataset':28s} " + " ".join(f"{c:>10s}" for c in cols))
    for ds in (CIVIL, HATEX):
        r = res[ds]
        print(f"{ds:28s} " + " ".join(f"{str(r[c]):>10s}" for c in cols))
    if "french_toxic" in res:
        r = res["french_toxic"]
        print(f"{'french_toxic (no rationales)':28s} " + " ".join(f"{str(r.get(c, '-')):>10s}" for c in cols))
    if "timing" in res:
        t = res["timing"]
        print(f"explain time over {t['n']} comments (mean {t['mean_chars']} chars): "
              f"p50 {t['p50_ms']} ms, p90 {t['p90_ms']} ms")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=None, help="shared data folder (default: ../shared/data)")
    ap.add_argument("--limit", type=int, default=1000, help="rows per dataset (deterministic sample)")
    ap.add_argument("--splits", default="test",
                    help="comma-separated splits to evaluate (test, valid, train), or 'all'")
    ap.add_argument("--model", default=None, help="artifact folder (default: the bundled model)")
    ap.add_argument("--timing", type=int, default=0, help="also time explain on N typical comments")
    ap.add_argument("--json-out", default=None)
    a = ap.parse_args(argv)
    from .registry import default_model, load_model
    model = load_model(a.model) if a.model else default_model()
    splits = () if a.splits == "all" else tuple(s.strip() for s in a.splits.split(",") if s.strip())
    res = evaluate(model, a.data, a.limit, splits)
    if a.timing:
        res["timing"] = timing(model, a.data, a.timing)
    _print(res)
    if a.json_out:
        pathlib.Path(a.json_out).write_text(json.dumps(res, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
