#!/usr/bin/env python
"""Side-by-side benchmark: Colombe's bundled model vs alt-profanity-check.

Runs in the bench environment (``.venv-bench``, see
``bench/requirements-model-bench.txt``); alt-profanity-check is never a
dependency of Colombe itself.

    .venv-bench/bin/python bench/model_bench.py [--model DIR] [--data ../shared/data] [--json-out FILE]

Measures, on ONE core (CPU affinity pinned, BLAS/OpenMP threads = 1):
  * ROC AUC on the same English toxicity test split (the artifact's own split,
    rebuilt from the data with the artifact's seed), per dataset and pooled,
    plus the never-trained-on non-commercial English sets;
  * throughput in batches of 1,000 comments (no explanations), both models;
  * single-comment latency p50/p95 (Colombe), model load time, worker RSS.
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
    if y.min() == y.max():
        return None
    return round(float(roc_auc_score(y, s)), 4)


def throughput(fn, texts, batch=1000, min_seconds=3.0):
    # warm-up
    fn(texts[:batch])
    n = 0
    t0 = time.perf_counter()
    while True:
        for s in range(0, len(texts), batch):
            fn(texts[s: s + batch])
            n += len(texts[s: s + batch])
        dt = time.perf_counter() - t0
        if dt >= min_seconds:
            return n / dt


RSS_SNIPPET = r"""
import os, sys, resource, time
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(v, "1")
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
from models.registry import load_model
t1 = time.perf_counter()
m = load_model(sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None)
t2 = time.perf_counter()
items = [{"text": "Ceci est un commentaire de test numero %d, plutot long pour mesurer la memoire." % i,
          "post_title": "Un article", "post_text": "Le texte de l'article."} for i in range(1000)]
m.score_batch(items)
m.score_batch(items)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(f"{t1 - t0:.4f} {t2 - t1:.4f} {rss:.1f}")
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="artifact folder (default: bundled)")
    ap.add_argument("--data", default=str((REPO.parent / "shared" / "data").resolve()))
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--n-throughput", type=int, default=20000)
    ap.add_argument("--n-single", type=int, default=1000)
    args = ap.parse_args(argv)
    core = pin_one_core()

    # --- Colombe: load, worker RSS (fresh process) --------------------------------
    out = subprocess.run([sys.executable, "-c", RSS_SNIPPET, str(REPO), args.model or ""],
                         capture_output=True, text=True, check=True)
    imp_s, load_s, rss_mb = (float(x) for x in out.stdout.split()[-3:])

    from models.data import DATASETS, assign_groups_and_splits, load_records
    from models.registry import LABELS, load_model
    t = time.perf_counter()
    model = load_model(args.model)
    load_in_proc = time.perf_counter() - t
    tp = model.manifest.get("training_parameters", {})
    seed = int(tp.get("seed", 13))
    fractions = tuple(tp.get("split_fractions", (0.7, 0.1, 0.2)))

    t = time.perf_counter()
    from profanity_check import predict_prob
    apc_import = time.perf_counter() - t

    # --- same English test split for both ------------------------------------------
    recs = assign_groups_and_splits(load_records(args.data), seed=seed, fractions=fractions)
    test = [r for r in recs if r.lang == "en" and "toxicity" in r.heads and DATASETS[r.dataset].kind == "toxicity"
            and ((r.split == "test" and DATASETS[r.dataset].trainable) or not DATASETS[r.dataset].trainable)]
    texts = [r.text for r in test]
    y = np.array([r.heads["toxicity"] for r in test])
    trainable = np.array([DATASETS[r.dataset].trainable for r in test])
    tox = LABELS.index("toxicity")
    col = np.concatenate([model.raw_scores([{"text": t} for t in texts[s: s + 1000]])[0][:, tox]
                          for s in range(0, len(texts), 1000)])
    apc = np.concatenate([predict_prob(texts[s: s + 1000]) for s in range(0, len(texts), 1000)])
    per = {}
    for ds in sorted({r.dataset for r in test}):
        m = np.array([r.dataset == ds for r in test])
        per[ds] = {"n": int(m.sum()), "positives": int(y[m].sum()), "independent": not DATASETS[ds].trainable,
                   "colombe_auc": auc(y[m], col[m]), "profanity_check_auc": auc(y[m], apc[m])}
    pooled = {"colombe_auc": auc(y[trainable], col[trainable]),
              "profanity_check_auc": auc(y[trainable], apc[trainable]), "n": int(trainable.sum())}
    indep = {"colombe_auc": auc(y[~trainable], col[~trainable]),
             "profanity_check_auc": auc(y[~trainable], apc[~trainable]), "n": int((~trainable).sum())}
    # French (Colombe only: alt-profanity-check is English-only)
    fr = [r for r in recs if r.lang == "fr" and "toxicity" in r.heads and not DATASETS[r.dataset].mt
          and DATASETS[r.dataset].trainable and r.split == "test"]
    frs = model.raw_scores([{"text": r.text} for r in fr])[0][:, tox] if fr else np.array([])
    fr_auc = auc([r.heads["toxicity"] for r in fr], frs) if fr else None

    # --- throughput, one core, batches of 1,000 ------------------------------------
    pool = (texts * (args.n_throughput // max(1, len(texts)) + 1))[: args.n_throughput]
    col_tps = throughput(lambda b: model.score_batch([{"text": t} for t in b]), pool)
    apc_tps = throughput(lambda b: predict_prob(b), pool)
    # single-comment latency
    lat = []
    for t in pool[: args.n_single]:
        t0 = time.perf_counter()
        model.score(t)
        lat.append((time.perf_counter() - t0) * 1000.0)
    lat.sort()
    # single comment scored with its post (the off-topic head runs)
    post = {"post_title": "Les vélos en ville",
            "post_text": "La mairie a annoncé de nouvelles pistes cyclables rue de Rivoli. " * 5}
    lat_post = []
    for t in pool[: args.n_single]:
        t0 = time.perf_counter()
        model.score(t, **post)
        lat_post.append((time.perf_counter() - t0) * 1000.0)
    lat_post.sort()
    res = {
        "model_version": model.version,
        "cpu_core": core,
        "english_test_auc_pooled": pooled,
        "english_independent_auc_pooled": indep,
        "english_per_dataset": per,
        "french_test_auc_colombe": fr_auc,
        "throughput_comments_per_s_batch1000": {"colombe": round(col_tps, 1), "profanity_check": round(apc_tps, 1)},
        "single_comment_ms": {"p50": round(statistics.median(lat), 3), "p95": round(lat[int(0.95 * len(lat))], 3)},
        "single_comment_with_post_ms": {"p50": round(statistics.median(lat_post), 3),
                                        "p95": round(lat_post[int(0.95 * len(lat_post))], 3)},
        "model_load_s": {"fresh_process": round(load_s, 3), "in_process_warm": round(load_in_proc, 3),
                         "import_s": round(imp_s, 3)},
        "profanity_check_import_s": round(apc_import, 3),
        "worker_max_rss_mb": rss_mb,
        "mean_text_chars": round(float(np.mean([len(t) for t in pool])), 1),
    }
    res["checks"] = {
        "auc_higher_than_profanity_check": pooled["colombe_auc"] > pooled["profanity_check_auc"],
        "throughput_at_least_profanity_check": col_tps >= apc_tps,
        "throughput_ge_5000": col_tps >= 5000,
        "single_p50_le_2ms": res["single_comment_ms"]["p50"] <= 2.0,
        "single_with_post_p50_le_2ms": res["single_comment_with_post_ms"]["p50"] <= 2.0,
        "load_le_1s": load_s <= 1.0,
        "rss_le_300mb": rss_mb <= 300,
    }
    text = json.dumps(res, indent=1)
    print(text)
    print()
    print(f"{'':38} {'Colombe':>10} {'alt-profanity-check':>20}")
    print(f"{'English test ROC AUC (pooled)':38} {pooled['colombe_auc']:>10} {pooled['profanity_check_auc']:>20}")
    print(f"{'English independent ROC AUC':38} {indep['colombe_auc']:>10} {indep['profanity_check_auc']:>20}")
    for ds, v in per.items():
        print(f"  {ds[:36]:36} {str(v['colombe_auc']):>10} {str(v['profanity_check_auc']):>20}")
    print(f"{'comments/s (batch 1000, 1 core)':38} {col_tps:>10.0f} {apc_tps:>20.0f}")
    print(f"single comment p50 {res['single_comment_ms']['p50']} ms (with post "
          f"{res['single_comment_with_post_ms']['p50']} ms), load {load_s:.3f} s, RSS {rss_mb:.0f} MB")
    if args.json_out:
        pathlib.Path(args.json_out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
