"""Evaluation: per-language, per-dataset ROC AUC, PR AUC, F1 at the chosen
threshold and calibration error (ECE) -- for a training run (test split of
the permissive sets, every row of the never-seen non-commercial sets,
off-topic pairs, unintended-bias metrics, leave-one-dataset-out; per profile)
and for arbitrary labeled CSV files (``colombe evaluate``).
"""
from __future__ import annotations

import csv
import json
import pathlib
from collections import defaultdict

import numpy as np

from .bias import bias_metrics
from .calibration import metrics_for, thresholds_for
from .names import LABELS, TEXT_HEADS
from .offtopic import build_pairs
from .offtopic_train import cap_pairs
from .records import Record

__all__ = ["evaluate_run", "evaluate_csv", "format_table", "score_records", "item_of"]

BATCH = 2000
EVAL_PAIRS_PER_DATASET = 3000      # off-topic pairs scored per dataset and negative pool
INDEPENDENT_SCOPES = {"fr": "fr/independent", "en": "en/independent"}


def item_of(r: Record, context: str | None = None) -> dict:
    it = {"text": r.text, "lang": r.lang, "author_url": r.extra.get("author_url"),
          "site_url": r.extra.get("site_url")}
    if context:
        it["post_text"] = context
    return it


def score_records(model, recs: list[Record], contexts: list[str] | None = None,
                  vectors: np.ndarray | None = None, e5_vectors: np.ndarray | None = None) -> np.ndarray:
    out = np.zeros((len(recs), len(LABELS)))
    for s in range(0, len(recs), BATCH):
        items = [item_of(r, contexts[s + k] if contexts else None) for k, r in enumerate(recs[s: s + BATCH])]
        v = vectors[s: s + BATCH] if (vectors is not None and model.semantic) else None
        v5 = e5_vectors[s: s + BATCH] if (e5_vectors is not None and model.semantic) else None
        out[s: s + len(items)] = model.raw_scores(items, vectors=v, e5_vectors=v5)[0]
    return out


def _eval_selection(recs):
    return [i for i, r in enumerate(recs) if (r.split == "test" and r.info.trainable and not r.info.train_only)
            or not r.info.trainable]


def evaluate_profile(model, recs: list[Record], sel: list[int], E: np.ndarray | None, seed: int,
                     E5: np.ndarray | None = None) -> dict:
    """Metrics of one loaded model (one profile) on the run's records."""
    R = [recs[i] for i in sel]
    S = score_records(model, R, vectors=E[sel] if E is not None else None,
                      e5_vectors=E5[sel] if E5 is not None else None)
    res: dict = {"per_dataset": {}, "pooled": {}, "thresholds": {}, "bias": {}}
    for j, head in enumerate(TEXT_HEADS):
        m = [i for i, r in enumerate(R) if r.info.trainable and head in r.heads]
        if m:
            res["thresholds"][head] = thresholds_for(np.array([R[i].heads[head] for i in m]), S[m, j])
    for j, head in enumerate(TEXT_HEADS):
        thr = res["thresholds"].get(head, {}).get("precision_90")
        groups = defaultdict(list)
        for i, r in enumerate(R):
            if head in r.heads:
                groups[(r.dataset, r.lang)].append(i)
        for (ds, lg), m in sorted(groups.items()):
            y = np.array([R[i].heads[head] for i in m])
            if 0 < y.sum() < len(y):
                block = metrics_for(y, S[m, j], thr)
                block["independent"] = not R[m[0]].info.trainable
                res["per_dataset"].setdefault(head, {})[f"{ds}/{lg}"] = block
        scopes = {"all/test": lambda r: r.info.trainable}
        for lg in ("en", "fr"):
            scopes[f"{lg}/test"] = lambda r, lg=lg: r.lang == lg and r.info.trainable
            scopes[f"{lg}/independent"] = lambda r, lg=lg: r.lang == lg and not r.info.trainable
        for scope, ok in scopes.items():
            m = [i for i, r in enumerate(R) if head in r.heads and ok(r)]
            y = np.array([R[i].heads[head] for i in m])
            if m and 0 < y.sum() < len(y):
                res["pooled"].setdefault(head, {})[scope] = metrics_for(y, S[m, j], thr)
    # unintended bias on the annotated identity groups (test split)
    tox = TEXT_HEADS.index("toxicity")
    for ds in sorted({R[i].dataset for i in range(len(R)) if R[i].extra.get("identity")}):
        for lg in ("en", "fr"):
            m = [i for i, r in enumerate(R) if r.dataset == ds and r.lang == lg and "toxicity" in r.heads]
            if m:
                bm = bias_metrics([R[i].extra.get("identity", []) for i in m],
                                  np.array([R[i].heads["toxicity"] for i in m]), S[m, tox])
                if bm:
                    res["bias"][f"{ds}/{lg}"] = bm
    ot = evaluate_offtopic(model, recs, seed, E)
    res["per_dataset"]["off_topic"] = ot["per_dataset"]
    res["pooled"]["off_topic"] = ot["pooled"]
    res["thresholds"]["off_topic"] = ot["thresholds"]
    return res


def evaluate_run(run, model_full, lodo: bool = False) -> dict:
    from .registry import load_model
    sel = _eval_selection(run.recs)
    out: dict = {"profiles": {}, "summary": {}}
    for profile in ("full", "fast"):
        model = model_full if profile == "full" else load_model(model_full.path, profile="fast")
        res = evaluate_profile(model, run.recs, sel, run.E, run.seed, getattr(run, "E5", None))
        out["profiles"][profile] = res
        prefix = "" if profile == "full" else "fast_"
        tox = res["pooled"].get("toxicity", {})
        for k in ("en/test", "fr/test", "fr/independent", "en/independent", "all/test"):
            if k in tox:
                out["summary"][f"{prefix}toxicity_auc_{k.replace('/', '_')}"] = tox[k]["roc_auc"]
        if "all/test" in tox:
            out["summary"][f"{prefix}toxicity_ece_all_test"] = tox["all/test"]["ece"]
        for ds in ("cyberagression_ado_large/fr", "sfu_ctc/en", "ucc_unhealthy_comments/en"):
            blk = res["per_dataset"].get("toxicity", {}).get(ds)
            if blk:
                out["summary"][f"{prefix}toxicity_auc_{ds.split('/')[0]}"] = blk["roc_auc"]
        spam = res["pooled"].get("spam", {}).get("en/test")
        if spam:
            out["summary"][f"{prefix}spam_auc_en_test"] = spam["roc_auc"]
        for k, v in res["pooled"].get("off_topic", {}).items():
            out["summary"][f"{prefix}off_topic_auc_{k.replace('/', '_')}"] = v["roc_auc"]
    # the full profile's figures at the top level (card, thresholds)
    for k in ("per_dataset", "pooled", "thresholds", "bias"):
        out[k] = out["profiles"]["full"][k]
    if lodo:
        from .lodo import leave_one_dataset_out
        out["leave_one_dataset_out"] = leave_one_dataset_out(run)
        for kind in ("ngram", "semantic", "fast", "full", "deep", "cascade"):
            if kind not in out["leave_one_dataset_out"]:
                continue
            blk = out["leave_one_dataset_out"][kind]
            out["summary"][f"lodo_{kind}_mean"] = blk["mean"]
            out["summary"][f"lodo_{kind}_worst"] = blk["worst"]
    return out


def evaluate_offtopic(model, recs, seed: int, E: np.ndarray | None = None) -> dict:
    """Negative-sampled pairs: each comment with its own post/parent/thread
    (on-topic) and with another one.  Two negative pools: ``same_dataset``
    (another article/thread of the same source: hard) and ``same_lang``
    (another post in the same language from any source).  Permissive sets:
    test split; non-commercial sets: every row."""
    out = {"per_dataset": {}, "pooled": {}, "thresholds": {}}
    j = LABELS.index("off_topic")
    for mode in ("same_dataset", "same_lang"):
        pairs = list(build_pairs(recs, "test", seed, 1.0, trainable_only=False, negatives=mode))
        for sp_ in ("train", "valid"):
            pairs += [p for p in build_pairs(recs, sp_, seed, 1.0, trainable_only=False, negatives=mode)
                      if not recs[p[0]].info.trainable]
        pairs = [p for p in pairs if recs[p[0]].info.kind != "spam" and not recs[p[0]].info.train_only]
        pairs = cap_pairs(pairs, EVAL_PAIRS_PER_DATASET, seed)
        if not pairs:
            continue
        items = [item_of(recs[p[0]], p[1]) for p in pairs]
        V = E[[p[0] for p in pairs]] if (E is not None and model.semantic) else None
        S = np.concatenate([model.raw_scores(items[s: s + BATCH], vectors=None if V is None else V[s: s + BATCH],
                                            second_stage=False)[0][:, j]
                            for s in range(0, len(items), BATCH)])
        y = np.array([p[2] for p in pairs])
        trn = np.array([recs[p[0]].info.trainable for p in pairs])
        if mode == "same_lang" and trn.any():
            out["thresholds"] = thresholds_for(y[trn], S[trn])
        thr = out["thresholds"].get("precision_90") if out["thresholds"] else None
        groups = defaultdict(list)
        for i, p in enumerate(pairs):
            groups[(p[3], p[4])].append(i)
        for (ds, lg), m in sorted(groups.items()):
            if 0 < y[m].sum() < len(m):
                blk = metrics_for(y[m], S[m], thr)
                blk["independent"] = not recs[pairs[m[0]][0]].info.trainable
                out["per_dataset"][f"{ds}/{lg}/{mode}"] = blk
        for lg in ("en", "fr"):
            for scope, flag in (("all", None), ("test", True), ("independent", False)):
                m = [i for i, p in enumerate(pairs) if p[4] == lg and (flag is None or trn[i] == flag)]
                if m and 0 < y[m].sum() < len(m):
                    out["pooled"][f"{lg}/{scope}/{mode}"] = metrics_for(y[m], S[m], thr)
    return out


# ---------------------------------------------------------------------------
# arbitrary CSV files

def _read_csv(path: pathlib.Path):
    csv.field_size_limit(2**31 - 1)
    with open(path, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def evaluate_csv(model, paths, batch_size: int = 1000, progress: bool = True) -> dict:
    """Each CSV needs ``text`` and ``label`` (toxic/clean/spam, or 0/1 for
    toxicity); ``lang`` optional (detected when missing), ``dataset`` optional
    (default: the file's stem); ``post_title``, ``post_text``,
    ``parent_text`` (or ``reply_to``), ``author_url``, ``site_url`` /
    ``post_url`` are passed to the model when present."""
    from tqdm.auto import tqdm
    rows = []
    for p in paths:
        p = pathlib.Path(p)
        for r in _read_csv(p):
            rows.append((p.stem, r))
    items = []
    for ds, r in rows:
        it = {"text": r.get("text") or "", "lang": r.get("lang") or None}
        for c in ("post_title", "post_text", "parent_text", "author_url", "site_url", "post_url"):
            if r.get(c):
                it[c] = r[c]
        if r.get("reply_to") and not it.get("parent_text"):
            it["parent_text"] = r["reply_to"]
        items.append(it)
    scores = np.zeros((len(items), len(LABELS)))
    langs = []
    with tqdm(total=len(items), desc="scoring", unit="row", disable=not progress) as bar:
        for s in range(0, len(items), batch_size):
            sc, lg, _ = model.raw_scores(items[s: s + batch_size])
            scores[s: s + len(sc)] = sc
            langs += lg
            bar.update(len(sc))
    out: dict = {"model_version": model.version, "files": [str(p) for p in paths], "results": {}}
    heads = {"toxicity": ("toxic", "clean"), "spam": ("spam", "clean")}
    for head, (pos, neg) in heads.items():
        j = LABELS.index(head)
        thr = model.thresholds.get(head, {}).get("precision_90")
        groups = defaultdict(list)
        for i, (ds, r) in enumerate(rows):
            lab = (r.get("label") or "").strip().lower()
            if lab in (pos, neg) or (head == "toxicity" and lab in ("0", "1")):
                y = 1 if lab in (pos, "1") else 0
                lg = r.get("dataset_lang") or r.get("lang") or langs[i]
                groups[(r.get("dataset") or ds, lg)].append((i, y))
                groups[("ALL", lg)].append((i, y))
        for (ds, lg), lst in sorted(groups.items()):
            idx = [i for i, _ in lst]
            y = np.array([v for _, v in lst])
            if y.sum() == 0 or y.sum() == len(y):
                continue
            out["results"].setdefault(head, {})[f"{ds}/{lg}"] = metrics_for(y, scores[idx, j], thr)
    return out


def format_table(res: dict) -> str:
    lines = [f"{'head':<16} {'dataset/lang':<48} {'n':>7} {'pos':>6} {'ROC AUC':>8} {'PR AUC':>7} {'F1@p90':>7} {'ECE':>6}"]
    lines.append("-" * len(lines[0]))
    blocks = res.get("results") or res.get("per_dataset") or {}
    for head, per in blocks.items():
        for key, m in per.items():
            def f(v):
                return "-" if v is None else f"{v:.3f}"
            lines.append(f"{head:<16} {key:<48} {m['n']:>7} {m['n_pos']:>6} {f(m.get('roc_auc')):>8} "
                         f"{f(m.get('pr_auc')):>7} {f(m.get('f1')):>7} {f(m.get('ece')):>6}")
    return "\n".join(lines)


def dumps(res: dict) -> str:
    return json.dumps(res, indent=1, sort_keys=True)
