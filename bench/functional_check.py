"""Functional tests of hate speech (HateCheck, Multilingual HateCheck): ROC AUC by kind and by label.

HateCheck (Röttger et al., 2021, English) and Multilingual HateCheck (Röttger et
al., 2022, ten languages, French among them) are suites of short cases written
to test one thing each: direct hate, threats, slurs, hate under negation or in
a question, and the non-hateful cases a keyword model gets wrong (negated hate,
counter-speech quoting or referring to hate, neutral and positive sentences
about groups, profanity, abuse of objects and individuals).  Both are CC BY 4.0
and live on GitHub (``paul-rottger/hatecheck-data``, file
``test_suite_cases.csv``; ``rewire-online/multilingual-hatecheck``, folder
``MHC Final Cases``, e.g. ``hatecheck_cases_final_french.csv``).  Colombe
never trains on them: download a file and pass its path.

Printed per profile (JSON):
- ``auc_all``: hateful against every non-hateful case;
- ``auc_core``: hateful against negation, counter-speech and identity mentions
  (``negate_neg_nh``, ``counter_quote_nh``, ``counter_ref_nh``,
  ``ident_neutral_nh``, ``ident_pos_nh``), the kinds issue #16 names.  The
  other non-hateful kinds (profanity, abuse of individuals and objects) are
  toxic in Colombe's sense, so ``auc_all`` under-rates a toxicity model;
- ``by_kind``: hateful against each non-hateful kind alone;
- ``by_label``: ``auc_all`` and ``auc_core`` of every toxic label's score.  The
  suites test hate speech, and ``identity_attack`` is the label that means hate:
  it ranks hate above profanity and abuse of individuals, which ``toxicity``
  rightly scores high;
- ``held``: the share of each kind the default site policy would hold.

    python bench/functional_check.py --csv PATH [--model DIR] [--profile full|fast]
"""
from __future__ import annotations

import argparse
import csv
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.names import TEXT_HEADS  # noqa: E402  (after the repo is on the path)

CORE = ("negate_neg_nh", "counter_quote_nh", "counter_ref_nh", "ident_neutral_nh", "ident_pos_nh")
TOXIC_LABELS = tuple(h for h in TEXT_HEADS if h != "spam")


def read_cases(path: pathlib.Path) -> list[dict]:
    """Rows with a case text, its functionality and a gold label (hateful / non-hateful)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"functionality", "test_case", "label_gold"} - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"{path}: not a HateCheck file, missing columns {sorted(missing)}")
        return [{"kind": r["functionality"], "text": r["test_case"].strip(), "hateful": r["label_gold"] == "hateful"}
                for r in reader if r["label_gold"] in ("hateful", "non-hateful") and (r["test_case"] or "").strip()]


def _auc(pos: list[float], neg: list[float]) -> float | None:
    from sklearn.metrics import roc_auc_score
    if not pos or not neg:
        return None
    return round(float(roc_auc_score([1] * len(pos) + [0] * len(neg), pos + neg)), 4)


def aucs(cases: list[dict], scores: list[float]) -> dict:
    """ROC AUC of the hateful cases against all non-hateful ones, the core kinds, and each kind."""
    hate = [s for s, c in zip(scores, cases) if c["hateful"]]
    kinds = sorted({c["kind"] for c in cases if not c["hateful"]})
    return {"auc_all": _auc(hate, [s for s, c in zip(scores, cases) if not c["hateful"]]),
            "auc_core": _auc(hate, [s for s, c in zip(scores, cases) if c["kind"] in CORE]),
            "by_kind": {k: _auc(hate, [s for s, c in zip(scores, cases) if c["kind"] == k]) for k in kinds}}


def check(cases: list[dict], model) -> dict:
    results = model.score_batch([{"text": c["text"]} for c in cases])
    # held for a toxic label by the default site policy (its thresholds are the model's hold points;
    # models only, so the script also runs in the bench environment without the service)
    hold_at = {lab: model.hold_threshold(lab) for lab in TOXIC_LABELS}
    held: dict[str, list[bool]] = {}
    for r, c in zip(results, cases):
        held.setdefault(c["kind"], []).append(any(r["scores"][lab] >= t for lab, t in hold_at.items()))
    by_label = {}
    for lab in TOXIC_LABELS:
        a = aucs(cases, [r["scores"][lab] for r in results])
        by_label[lab] = {"auc_all": a["auc_all"], "auc_core": a["auc_core"]}
    return {"model": model.version, "profile": model.profile, "cases": len(cases),
            "hateful": sum(c["hateful"] for c in cases),
            **aucs(cases, [r["scores"]["toxicity"] for r in results]),
            "by_label": by_label,
            "held": {k: round(sum(v) / len(v), 3) for k, v in sorted(held.items())}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", required=True, type=pathlib.Path, help="a HateCheck or Multilingual HateCheck cases file")
    ap.add_argument("--model", default=None, help="artifact folder (default: the bundled model)")
    ap.add_argument("--profile", choices=("full", "fast"), action="append")
    a = ap.parse_args(argv)
    from models.registry import load_model
    cases = read_cases(a.csv)
    for profile in a.profile or ["full", "fast"]:
        print(json.dumps(check(cases, load_model(a.model, profile))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
