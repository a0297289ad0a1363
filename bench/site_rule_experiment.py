#!/usr/bin/env python
"""How often does the promotion rule promote a candidate that is really better, and one that
is not? (docs/decisions/2026-11-30-site-model-promotion.md)

    .venv/bin/python bench/site_rule_experiment.py [--seeds 1 2 3 4 5]

For each case and seed: 600 decisions, a forced run (so every candidate is stored and its
held-out figures computed), then the candidate and the global model on the next 1,000
comments ("true" difference). Cases: a French teen-chat site (the candidate is really
better), the racism-only site scored by the bundled model, which was trained on it (no
real gain), and the chat site with its labels shuffled (no signal at all).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import site_bench as sb  # noqa: E402


def run(model, name, rows, seed, shuffle_labels=False) -> dict:
    from models.site import roc_auc
    from service.core.site_learning import learn_site

    rng = random.Random(seed)
    rows = list(rows)
    rng.shuffle(rows)
    if shuffle_labels:
        labels = [r["label"] for r in rows]
        rng.shuffle(labels)
        rows = [dict(r, label=lab) for r, lab in zip(rows, labels)]
    first, nxt = rows[:600], rows[600:1600]
    with tempfile.TemporaryDirectory() as tmp:
        st = sb.Stack(str(model.path), pathlib.Path(tmp))
        ids = st.add([r["text"] for r in first])
        st.score(ids, model)
        st.decide(ids, [r["label"] == "toxic" for r in first])
        res = learn_site(st.settings, st.site, model=model, promote_mode="force", rescore=False)
        nid = st.add([r["text"] for r in nxt])
        st.score(nid, model)
        cand, _ = st.scores(nid)
    y = [r["label"] == "toxic" for r in nxt]
    glob = [o["scores"]["toxicity"] for o in model.score_batch([{"text": r["text"]} for r in nxt])]
    b = res["evaluation"]["labels"]["toxicity"].get("bootstrap") or {}
    return {"case": name, "seed": seed, "true_delta": round(roc_auc(y, cand) - roc_auc(y, glob), 4),
            "held_out_delta": b.get("delta"), "lo90": b.get("lo90"), "p_better": b.get("p_better")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = ap.parse_args()
    sb.pin_one_core()
    from models.registry import load_model

    model = load_model(None)
    cy, ftr = sb.read_rows("cyberagression_ado_large"), sb.read_rows("ftr_french_racism")
    for seed in args.seeds:
        for name, rows, shuffled in (("chat site", cy, False), ("racism site, model trained on it", ftr, False),
                                     ("chat site, shuffled labels", cy, True)):
            print(json.dumps(run(model, name, rows, seed, shuffled)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
