"""Blog-comment spam on real blog comments: the DataCamp tutorial comments.

The comments under DataCamp's tutorials, hand-labeled spam (1) or not (0) by
the authors of https://github.com/Desmond00/DatacampArticleSentimentAnalysis
(file ``GoodData/final_data_extended_labeledPhase1 - final_data_extended_labeledPhase2.csv``,
columns ``comment,label,articleName``).  The repository has no license, so the
file is never copied into Colombe and never trains it: download it yourself
and pass its path.  Each comment is scored with its tutorial's title as the
post; the figure is the spam (and off-topic) ROC AUC, per profile.

    python bench/blog_spam_check.py --csv PATH [--model DIR] [--profile full|fast]
"""
from __future__ import annotations

import argparse
import csv
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def read_rows(path: pathlib.Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if (r.get("label") or "").strip() in ("0", "1")]


def check(rows: list[dict], model) -> dict:
    from sklearn.metrics import roc_auc_score
    y = [int(r["label"]) for r in rows]
    res = model.score_batch([{"text": r["comment"], "post_title": r.get("articleName") or ""} for r in rows])
    return {"model": model.version, "comments": len(y), "spam": sum(y),
            "spam_auc": round(float(roc_auc_score(y, [x["scores"]["spam"] for x in res])), 4),
            "off_topic_auc": round(float(roc_auc_score(y, [x["scores"]["off_topic"] for x in res])), 4)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", required=True, type=pathlib.Path)
    ap.add_argument("--model", default=None, help="artifact folder (default: the bundled model)")
    ap.add_argument("--profile", choices=("full", "fast"), action="append")
    a = ap.parse_args(argv)
    from models.registry import load_model
    rows = read_rows(a.csv)
    for profile in a.profile or ["full", "fast"]:
        print(json.dumps(check(rows, load_model(a.model, profile))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
