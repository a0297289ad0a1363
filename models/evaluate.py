"""Evaluation: per-language, per-dataset ROC AUC, PR AUC, F1 at the chosen
threshold and calibration error (ECE) -- for the artifact's own test split
(at training time) and for arbitrary labeled CSV files (``colombe evaluate``).
"""
from __future__ import annotations

import csv
import json
import pathlib
from collections import defaultdict

import numpy as np

from .calibration import metrics_for, thresholds_for
from .data import DATASETS, Record
from .registry import LABELS, TEXT_HEADS

__all__ = ["evaluate_artifact_on_records", "evaluate_csv", "format_table", "score_records"]

BATCH = 2000


def score_records(model, recs: list[Record], contexts: list[str] | None = None) -> np.ndarray:
    out = np.zeros((len(recs), len(LABELS)))
    for s in range(0, len(recs), BATCH):
        items = []
        for k, r in enumerate(recs[s: s + BATCH]):
            it = {"text": r.text, "lang": r.lang}
            if contexts is not None and contexts[s + k]:
                it["post_text"] = contexts[s + k]
            items.append(it)
        sc, _, _ = model.raw_scores(items)
        out[s: s + len(items)] = sc
    return out


def _eval_block(y, p, thr):
    return metrics_for(y, p, thr)


def evaluate_artifact_on_records(model, recs: list[Record], seed: int = 13, same_share: float = 0.7) -> dict:
    """Scores the test split of the permissive sets and ALL rows of the
    non-commercial sets (never trained on), per head, dataset and language."""
    from .train import build_pairs
    sel = [r for r in recs if (r.split == "test" and DATASETS[r.dataset].trainable and not DATASETS[r.dataset].train_only)
           or not DATASETS[r.dataset].trainable]
    S = score_records(model, sel)
    res: dict = {"per_dataset": {}, "pooled": {}, "thresholds": {}, "summary": {}}
    # thresholds from the pooled test split of the permissive sets
    for j, head in enumerate(TEXT_HEADS):
        m = [i for i, r in enumerate(sel) if DATASETS[r.dataset].trainable and head in r.heads]
        if not m:
            continue
        y = np.array([sel[i].heads[head] for i in m])
        res["thresholds"][head] = thresholds_for(y, S[m, j])
    for j, head in enumerate(TEXT_HEADS):
        thr = res["thresholds"].get(head, {}).get("precision_90")
        groups = defaultdict(list)
        for i, r in enumerate(sel):
            if head in r.heads:
                groups[(r.dataset, r.lang)].append(i)
        for (ds, lg), m in sorted(groups.items()):
            y = np.array([sel[i].heads[head] for i in m])
            if y.sum() == 0 or y.sum() == len(y):
                continue
            key = f"{ds}/{lg}"
            block = _eval_block(y, S[m, j], thr)
            block["independent"] = not DATASETS[ds].trainable
            res["per_dataset"].setdefault(head, {})[key] = block
        for lg in ("en", "fr"):
            for scope, ok in (("test", lambda r: DATASETS[r.dataset].trainable),
                              ("independent", lambda r: not DATASETS[r.dataset].trainable)):
                m = [i for i, r in enumerate(sel) if r.lang == lg and head in r.heads and ok(r)]
                if not m:
                    continue
                y = np.array([sel[i].heads[head] for i in m])
                if 0 < y.sum() < len(y):
                    res["pooled"].setdefault(head, {})[f"{lg}/{scope}"] = _eval_block(y, S[m, j], thr)
        m = [i for i, r in enumerate(sel) if head in r.heads and DATASETS[r.dataset].trainable]
        y = np.array([sel[i].heads[head] for i in m])
        if 0 < y.sum() < len(y):
            res["pooled"].setdefault(head, {})["all/test"] = _eval_block(y, S[m, j], thr)
    # off-topic on negative-sampled pairs (negatives from the SAME dataset: harder)
    ot = evaluate_offtopic(model, recs, seed)
    res["per_dataset"]["off_topic"] = ot["per_dataset"]
    res["pooled"]["off_topic"] = ot["pooled"]
    res["thresholds"]["off_topic"] = ot["thresholds"]
    summ = res["summary"]
    tox = res["pooled"].get("toxicity", {})
    for k in ("en/test", "fr/test", "fr/independent", "en/independent", "all/test"):
        if k in tox:
            summ[f"toxicity_auc_{k.replace('/', '_')}"] = tox[k]["roc_auc"]
    if "all/test" in tox:
        summ["toxicity_ece_all_test"] = tox["all/test"]["ece"]
    if "spam" in res["pooled"] and "en/test" in res["pooled"]["spam"]:
        summ["spam_auc_en_test"] = res["pooled"]["spam"]["en/test"]["roc_auc"]
    for k, v in ot["pooled"].items():
        summ[f"off_topic_auc_{k.replace('/', '_')}"] = v["roc_auc"]
    return res


def evaluate_offtopic(model, recs, seed: int) -> dict:
    """Negative-sampled pairs: each comment with its own post/parent/thread
    (on-topic) and with another one.  Two negative pools: ``same_dataset``
    (another article/thread of the same source: hard) and ``same_lang``
    (another post in the same language from any source).  Permissive sets:
    test split; non-commercial sets: every row."""
    from .train import build_pairs
    out = {"per_dataset": {}, "pooled": {}, "thresholds": {}}
    for mode in ("same_dataset", "same_lang"):
        pairs = list(build_pairs(recs, "test", seed, 1.0, trainable_only=False, negatives=mode))
        for sp_ in ("train", "valid"):
            pairs += [p for p in build_pairs(recs, sp_, seed, 1.0, trainable_only=False, negatives=mode)
                      if not DATASETS[p[3]].trainable]
        pairs = [p for p in pairs if DATASETS[p[3]].kind != "spam"]
        if not pairs:
            continue
        items = [{"text": recs[p[0]].text, "lang": recs[p[0]].lang, "post_text": p[1]} for p in pairs]
        S = np.concatenate([model.raw_scores(items[s: s + BATCH])[0][:, LABELS.index("off_topic")]
                            for s in range(0, len(items), BATCH)])
        y = np.array([p[2] for p in pairs])
        trn = np.array([DATASETS[p[3]].trainable for p in pairs])
        if mode == "same_lang" and trn.any():
            out["thresholds"] = thresholds_for(y[trn], S[trn])
        thr = out["thresholds"].get("precision_90") if out["thresholds"] else None
        groups = defaultdict(list)
        for i, p in enumerate(pairs):
            groups[(p[3], p[4])].append(i)
        for (ds, lg), m in sorted(groups.items()):
            if 0 < y[m].sum() < len(m):
                blk = metrics_for(y[m], S[m], thr)
                blk["independent"] = not DATASETS[ds].trainable
                out["per_dataset"][f"{ds}/{lg}/{mode}"] = blk
        for lg in ("en", "fr"):
            m = [i for i, p in enumerate(pairs) if p[4] == lg]
            if m and 0 < y[m].sum() < len(m):
                out["pooled"][f"{lg}/all/{mode}"] = metrics_for(y[m], S[m], thr)
            for scope, flag in (("test", True), ("independent", False)):
                m = [i for i, p in enumerate(pairs) if p[4] == lg and trn[i] == flag]
                if m and 0 < y[m].sum() < len(m):
                    out["pooled"][f"{lg}/{scope}/{mode}"] = metrics_for(y[m], S[m], thr)
    return out


# ---------------------------------------------------------------------------
# arbitrary CSV files

_CTX_COLS = ("post_title", "post_text", "parent_text", "reply_to")


def _read_csv(path: pathlib.Path):
    csv.field_size_limit(2**31 - 1)
    with open(path, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def evaluate_csv(model, paths, batch_size: int = 1000, progress: bool = True) -> dict:
    """Each CSV needs ``text`` and ``label`` (toxic/clean/spam, or 0/1 for a
    ``--label-column`` head); ``lang`` optional (detected when missing),
    ``dataset`` optional (default: the file's stem)."""
    from tqdm.auto import tqdm
    rows = []
    for p in paths:
        p = pathlib.Path(p)
        for r in _read_csv(p):
            rows.append((p.stem, r))
    items = []
    for ds, r in rows:
        it = {"text": r.get("text") or "", "lang": r.get("lang") or None}
        for c in ("post_title", "post_text", "parent_text"):
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
            f = lambda v: "-" if v is None else f"{v:.3f}"
            lines.append(f"{head:<16} {key:<48} {m['n']:>7} {m['n_pos']:>6} {f(m.get('roc_auc')):>8} "
                         f"{f(m.get('pr_auc')):>7} {f(m.get('f1')):>7} {f(m.get('ece')):>6}")
    return "\n".join(lines)


def dumps(res: dict) -> str:
    return json.dumps(res, indent=1, sort_keys=True)
