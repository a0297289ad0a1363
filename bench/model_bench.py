#!/usr/bin/env python
"""Colombe's bundled model, both profiles, beside alt-profanity-check.

Runs in the bench environment (``.venv-bench``, see
``bench/requirements-model-bench.txt``); alt-profanity-check is never a
dependency of Colombe itself.

    .venv-bench/bin/python bench/model_bench.py [--model DIR] [--data ../shared/data] [--json-out FILE]

Toxicity ROC AUC, three ways, for ``full``, ``fast`` and alt-profanity-check:
  * in-split: the artifact's own test split (rebuilt from the data with the
    artifact's seed), per dataset and pooled per language -- reported, never decisive;
  * leave-one-dataset-out: each dataset scored by heads trained on all the
    others (computed at training time, read from the artifact's metrics;
    alt-profanity-check never saw any of these sets, so its figure is its score
    on the whole dataset);
  * never seen: every row of the non-commercial sets (evaluation only).
Then, one core (CPU affinity pinned, BLAS threads = 1), per profile: batches of
1,000, single-comment p50/p95, model load in a fresh process, its RSS.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

NEVER_SEEN = ("cyberagression_ado_large", "sfu_ctc", "ucc_unhealthy_comments")
RSS_SNIPPET = r"""
import os, sys, resource, time
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(v, "1")
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
from models.registry import load_model
t1 = time.perf_counter()
m = load_model(sys.argv[2] or None, sys.argv[3])
t2 = time.perf_counter()
items = [{"text": "Ceci est un commentaire de test numero %d, plutot long pour mesurer la memoire." % i,
          "post_title": "Un article", "post_text": "Le texte de l'article."} for i in range(1000)]
m.score_batch(items)
m.score_batch(items)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(f"{t1 - t0:.4f} {t2 - t1:.4f} {rss:.1f}")
"""


def pin_one_core() -> int | None:
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[0]})
        return cpus[0]
    except (AttributeError, OSError):
        return None


def auc(y, s):
    from sklearn.metrics import roc_auc_score
    y = np.asarray(y)
    if len(y) == 0 or y.min() == y.max():
        return None
    return round(float(roc_auc_score(y, s)), 4)


def speed(model, texts, n_single=500) -> dict:
    pool = (texts * (5000 // max(1, len(texts)) + 1))[:5000]
    model.score_batch([{"text": t} for t in pool[:200]])
    t = time.perf_counter()
    for s in range(0, len(pool), 1000):
        model.score_batch([{"text": x} for x in pool[s: s + 1000]])
    tps = len(pool) / (time.perf_counter() - t)
    lat = []
    for x in pool[:n_single]:
        t0 = time.perf_counter()
        model.score(x)
        lat.append((time.perf_counter() - t0) * 1000.0)
    lat.sort()
    return {"batch1000_per_s": round(tps, 1), "single_p50_ms": round(statistics.median(lat), 2),
            "single_p95_ms": round(lat[int(0.95 * len(lat))], 2)}


def fmt(v):
    return "-" if v is None else f"{v:.3f}"


def functional_suites(paths, models, predict_prob) -> dict:
    """Per file: ``bench/functional_check.py``'s figures for each profile, and the
    same two ROC AUCs for alt-profanity-check."""
    sys.path.insert(0, str(REPO / "bench"))
    from functional_check import aucs, check, read_cases
    out = {}
    for path in paths:
        cases = read_cases(pathlib.Path(path))
        blk = {p: check(cases, m) for p, m in models.items()}
        blk["alt-profanity-check"] = aucs(cases, predict_prob([c["text"] for c in cases]).tolist())
        out[pathlib.Path(path).name] = blk
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="artifact folder (default: bundled)")
    ap.add_argument("--data", default=str((REPO.parent / "shared" / "data").resolve()))
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--no-speed", action="store_true", help="quality figures only")
    ap.add_argument("--functional", action="append", default=[], metavar="CSV",
                    help="a HateCheck or Multilingual HateCheck cases file (repeatable; see bench/functional_check.py)")
    args = ap.parse_args(argv)
    core = pin_one_core()
    from profanity_check import predict_prob

    from models.data import assign_groups_and_splits, load_records
    from models.registry import LABELS, load_model
    models = {p: load_model(args.model, p) for p in ("full", "fast")}
    man = models["full"].manifest
    tp = man.get("training_parameters", {})
    recs = assign_groups_and_splits(load_records(args.data), seed=int(tp.get("seed", 13)),
                                    fractions=tuple(tp.get("split_fractions", (0.7, 0.1, 0.2))))
    sel = [r for r in recs if "toxicity" in r.heads and r.info.kind == "toxicity" and not r.info.train_only
           and ((r.split == "test" and r.info.trainable) or not r.info.trainable)]
    texts = [r.text for r in sel]
    y = np.array([r.heads["toxicity"] for r in sel])
    tox = LABELS.index("toxicity")
    scores = {p: np.concatenate([m.raw_scores([{"text": t, "lang": r.lang} for t, r in
                                                zip(texts[s: s + 1000], sel[s: s + 1000])])[0][:, tox]
                                 for s in range(0, len(texts), 1000)]) for p, m in models.items()}
    scores["alt-profanity-check"] = np.concatenate([predict_prob(texts[s: s + 1000])
                                                    for s in range(0, len(texts), 1000)])
    kinds = ("full", "fast", "alt-profanity-check")
    per, pooled, never = {}, {}, {}
    for ds in sorted({r.dataset for r in sel}):
        for lg in ("en", "fr"):
            m = np.array([r.dataset == ds and r.lang == lg for r in sel])
            if m.any() and 0 < y[m].sum() < m.sum():
                blk = {k: auc(y[m], scores[k][m]) for k in kinds}
                (never if ds in NEVER_SEEN else per)[f"{ds}/{lg}"] = blk
    for lg in ("en", "fr"):
        m = np.array([r.lang == lg and r.info.trainable for r in sel])
        pooled[f"{lg}/test"] = {k: auc(y[m], scores[k][m]) for k in kinds}
        m = np.array([r.lang == lg and not r.info.trainable for r in sel])
        never[f"{lg}/all never-seen"] = {k: auc(y[m], scores[k][m]) for k in kinds}
    metrics = json.loads((models["full"].path / "metrics.json").read_text(encoding="utf-8"))
    lodo = metrics.get("leave_one_dataset_out") or {}
    # alt-profanity-check never saw these sets: its LODO figure is its score on every row
    apc_lodo = {}
    for key in (lodo.get("full") or {}).get("per_dataset", {}):
        ds, lg = key.split("/")
        rows = [r for r in recs if r.dataset == ds and r.lang == lg and "toxicity" in r.heads]
        yy = np.array([r.heads["toxicity"] for r in rows])
        apc_lodo[key] = auc(yy, predict_prob([r.text for r in rows]))
    res = {"model_version": models["full"].artifact_version, "cpu_core": core, "in_split": {"pooled": pooled,
           "per_dataset": per}, "never_seen": never,
           "lodo": {"full": (lodo.get("full") or {}).get("per_dataset", {}),
                    "fast": (lodo.get("fast") or {}).get("per_dataset", {}), "alt-profanity-check": apc_lodo}}
    for k in ("full", "fast"):
        res[f"lodo_{k}_mean"] = (lodo.get(k) or {}).get("mean")
        res[f"lodo_{k}_worst"] = (lodo.get(k) or {}).get("worst")
    vals = [v for v in apc_lodo.values() if v is not None]
    res["lodo_alt-profanity-check_mean"] = round(float(np.mean(vals)), 4) if vals else None
    res["lodo_alt-profanity-check_worst"] = min(vals) if vals else None
    if args.functional:
        res["functional"] = functional_suites(args.functional, models, predict_prob)
    if not args.no_speed:
        res["speed"] = {}
        for p, m in models.items():
            out = subprocess.run([sys.executable, "-c", RSS_SNIPPET, str(REPO), args.model or "", p],
                                 capture_output=True, text=True, check=True)
            imp_s, load_s, rss_mb = (float(x) for x in out.stdout.split()[-3:])
            res["speed"][p] = {**speed(m, texts), "load_s_fresh_process": load_s, "import_s": imp_s,
                               "worker_max_rss_mb": rss_mb}
        t = time.perf_counter()
        predict_prob(texts[:5000])
        res["speed"]["alt-profanity-check"] = {"batch1000_per_s": round(min(5000, len(texts)) / (time.perf_counter() - t), 1)}
    text = json.dumps(res, indent=1)
    print(text)
    print()
    print(f"toxicity ROC AUC ({res['model_version']}){'':14} {'full':>8} {'fast':>8} {'alt-profanity-check':>20}")
    print("in-split (test split of the training sets; reported, never decisive)")
    for key, blk in list(pooled.items()) + list(per.items()):
        print(f"  {key[:52]:52} {fmt(blk['full']):>8} {fmt(blk['fast']):>8} {fmt(blk['alt-profanity-check']):>20}")
    print("leave-one-dataset-out (each set scored by heads trained on the others)")
    for key in res["lodo"]["full"]:
        print(f"  {key[:52]:52} {fmt(res['lodo']['full'].get(key)):>8} {fmt(res['lodo']['fast'].get(key)):>8} "
              f"{fmt(apc_lodo.get(key)):>20}")
    print(f"  {'mean':52} {fmt(res['lodo_full_mean']):>8} {fmt(res['lodo_fast_mean']):>8} "
          f"{fmt(res['lodo_alt-profanity-check_mean']):>20}")
    print(f"  {'worst':52} {fmt(res['lodo_full_worst']):>8} {fmt(res['lodo_fast_worst']):>8} "
          f"{fmt(res['lodo_alt-profanity-check_worst']):>20}")
    print("never seen (non-commercial sets, evaluation only)")
    for key, blk in never.items():
        print(f"  {key[:52]:52} {fmt(blk['full']):>8} {fmt(blk['fast']):>8} {fmt(blk['alt-profanity-check']):>20}")
    if res.get("functional"):
        print("functional suites (HateCheck format; never trained on): all non-hateful / core kinds")
        for name, blk in res["functional"].items():
            cells = [f"{blk[k]['auc_all']} / {blk[k]['auc_core']}" for k in kinds]
            print(f"  {name[:52]:52} {cells[0]:>15} {cells[1]:>15} {cells[2]:>15}")
            ia = [f"{blk[k]['by_label']['identity_attack']['auc_all']} / "
                  f"{blk[k]['by_label']['identity_attack']['auc_core']}" for k in kinds if "by_label" in blk[k]]
            print(f"  {'  the same, identity_attack':52} " + " ".join(f"{c:>15}" for c in ia))
    if "speed" in res:
        print("one core:")
        for p, s in res["speed"].items():
            print(f"  {p:20} " + ", ".join(f"{k} {v}" for k, v in s.items()))
    if args.json_out:
        pathlib.Path(args.json_out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
