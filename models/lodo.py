"""Leave-one-dataset-out evaluation of the toxicity label.

For each permissive toxicity dataset with both classes: the n-gram and
semantic heads are trained on every OTHER permissive dataset (train + valid
splits; the French copy of Jigsaw leaves with Wikipedia), then every row of
the held-out one is scored by the n-gram head alone, the semantic head
alone, and the ``fast`` and ``full`` stacks (the run's stackers, fitted on
dataset-held-out scores, applied to these heads).
"""
from __future__ import annotations

import numpy as np

from .calibration import apply_calibration
from .cascade import short_rows
from .heads import dense_task, fit_many, head_rows
from .mlp import sem2_task
from .names import TEXT_HEADS
from .framing import FRAME_NAMES
from .lexicon import LEX_NAMES
from .signals import SIGNAL_NAMES
from .stacking import input_matrix

__all__ = ["leave_one_dataset_out", "held_out_sets", "semantic_head_lodo"]

KINDS = ("ngram", "semantic", "fast", "full")
# with a second stage (``cascade.py``): e5 + USE-m3 heads on every row, and the cascade as shipped
CASCADE_KINDS = ("deep", "cascade")


def _auc(y, s):
    from sklearn.metrics import roc_auc_score
    return round(float(roc_auc_score(y, s)), 4) if 0 < y.sum() < len(y) else None


def held_out_sets(run, label: str = "toxicity", progress=None):
    """``(dataset, training rows, held-out rows)`` for each permissive dataset of
    ``label``'s kind with both classes: the training rows are the other
    datasets' train and valid rows (the French copy of Jigsaw leaves with
    Wikipedia), capped per group as in the out-of-fold fits."""
    recs = run.recs
    cands = [d for d, info in run.catalogue.items()
             if info.trainable and not info.train_only and info.kind == "toxicity"]
    for ds in cands:
        if progress:
            progress(ds)
        ys = {r.heads.get(label) for r in recs if r.dataset == ds}
        if not {0, 1} <= ys:
            continue
        excl = {ds} | ({"jigsaw_subset_fr_machine_translated"} if ds == "wikipedia_toxicity_subsets" else set())
        rows = np.array([i for i, r in enumerate(recs) if r.dataset not in excl and r.info.trainable
                         and r.split in ("train", "valid")])
        rows = run._capped(rows, int(run.p["oof_group_cap"]))
        te = np.array([i for i, r in enumerate(recs) if r.dataset == ds and label in r.heads])
        yield ds, rows, te


def _per_language_aucs(recs, te, label: str, z) -> dict[str, float]:
    yt = np.array([recs[i].heads[label] for i in te])
    langs = np.array([recs[i].lang for i in te])
    out = {}
    for lg in sorted(set(langs.tolist())):
        a = _auc(yt[langs == lg], z[langs == lg])
        if a is not None:
            out[lg] = a
    return out


def head_key(C) -> float | str:
    """A head shape's key in ``semantic_head_lodo``'s answer: the strength of a logistic regression,
    or ``mlp:<hidden>:<alpha>:<epochs>`` for a hidden-layer head (``mlp.py``)."""
    if not isinstance(C, dict):
        return float(C)
    return (f"mlp:{C['hidden']}:{C['alpha']}:{C['epochs']}" + (":s" if C.get("standardize") else "")
            + "".join(f":x{n}*{f}" for n, f in C.get("block_scale", ())))


def semantic_head_lodo(run, E: np.ndarray, Cs, label: str = "toxicity") -> dict:
    """The semantic head alone, leave-one-dataset-out, for each head in ``Cs``: a logistic
    regression's strength, or a hidden-layer head's spec (a dict, ``mlp.py``);
    ``{head_key(C): {"per_dataset", "mean", "worst"}}``.  Needs only the run's records and
    their sentence vectors ``E`` (no n-grams, no stacker): seconds to minutes per head, to
    choose a head on data never trained on before a full candidate is trained."""
    tasks, plans = [], []
    for ds, rows, te in held_out_sets(run, label):
        idx, y, w = head_rows(run.recs, label, rows, run.p)
        for C in Cs:
            tasks.append(dense_task(E, idx, y, w, C if isinstance(C, dict) else float(C), run.seed, te))
            plans.append((ds, head_key(C), te))
    out: dict = {}
    for (ds, C, te), (_, _, z) in zip(plans, fit_many(tasks)):
        for lg, a in _per_language_aucs(run.recs, te, label, z).items():
            out.setdefault(C, {})[f"{ds}/{lg}"] = a
    return {C: {"per_dataset": v, "mean": round(float(np.mean(list(v.values()))), 4),
                "worst": min(v.values())} for C, v in out.items()}


def leave_one_dataset_out(run, label: str = "toxicity", progress=None) -> dict:
    recs = run.recs
    cols = [j for j, (c, lab, _, _) in enumerate(run.columns) if lab == label]
    cascade = getattr(run, "E2", None) is not None and ("deep", label) in run.stack
    kinds = KINDS + (CASCADE_KINDS if cascade else ())
    per: dict[str, dict] = {k: {} for k in kinds}
    plans = []
    tasks = []
    for ds, rows, te in held_out_sets(run, label, progress):
        first = len(tasks)
        for j in cols:
            _, head, lg, olw = run.columns[j]
            idx, y, w = head_rows(recs, head, rows, run.p, lang=lg, other_lang_weight=olw)
            tasks.append(("sparse", run.X, idx, y, w, run.p["C"], run.seed, te))
        idx, y, w = head_rows(recs, label, rows, run.p)
        tasks.append(("dense", run.E, idx, y, w, run.p["semantic_C"], run.seed, te))
        if cascade:
            k2, c2 = sem2_task(run.p)
            tasks.append((k2, run.E2, idx, y, w, c2, run.seed, te))
        plans.append((ds, te, first))
    results = fit_many(tasks)
    h = TEXT_HEADS.index(label)
    j_label = next(j for j, c in enumerate(run.columns) if c[0] == label)
    for ds, te, first in plans:
        z_ng = np.zeros((len(te), len(run.columns)))
        z_sem = np.zeros((len(te), len(TEXT_HEADS)))
        for k, j in enumerate(cols):
            z_ng[:, j] = results[first + k][2]
        z_sem[:, h] = results[first + len(cols)][2]
        base = {f"ng:{c}": z_ng[:, j] for j, (c, _, _, _) in enumerate(run.columns)}
        base.update({f"sem:{t}": z_sem[:, j] for j, t in enumerate(TEXT_HEADS)})
        base.update({f"sig:{s}": run.S[te, j] for j, s in enumerate(SIGNAL_NAMES)})
        base.update({f"frame:{f}": run.Fr[te, j] for j, f in enumerate(FRAME_NAMES)})
        base.update({f"lex:{x}": run.Lx[te, j] for j, x in enumerate(LEX_NAMES)})
        base["fr"] = run.fr[te]
        scores = {"ngram": z_ng[:, j_label], "semantic": z_sem[:, h]}
        for profile in ("fast", "full"):
            s = run.stack[(profile, label)]
            scores[profile] = input_matrix(s["inputs"], base, len(te)) @ s["coef"] + s["intercept"]
        if cascade:
            # the band is the toxicity label's only: the kinds' heads are not refitted here
            s = run.stack[("deep", label)]
            base2 = {**base, f"sem2:{label}": results[first + len(cols) + 1][2]}
            scores["deep"] = input_matrix(s["inputs"], base2, len(te)) @ s["coef"] + s["intercept"]
            s1 = apply_calibration(scores["full"], run.stack[("full", label)]["kx"], run.stack[("full", label)]["ky"])
            s2 = apply_calibration(scores["deep"], s["kx"], s["ky"])
            lo, hi = (run.bands or {}).get(label, (np.inf, -np.inf))
            mix = float(run.p.get("cascade_mix", 1.0))
            routed = ((s1 >= lo) & (s1 <= hi)) | short_rows([recs[i].text for i in te],
                                                          int(run.p.get("cascade_short_chars", 0)))
            scores["cascade"] = np.where(routed, mix * s2 + (1 - mix) * s1, s1)
        for k in kinds:
            for lg, a in _per_language_aucs(recs, te, label, scores[k]).items():
                per[k][f"{ds}/{lg}"] = a
    out = {"head": label}
    for k in kinds:
        vals = per[k]
        worst = min(vals, key=vals.get) if vals else None
        out[k] = {"per_dataset": vals, "mean": round(float(np.mean(list(vals.values()))), 4) if vals else None,
                  "worst": vals.get(worst), "worst_dataset": worst}
    # the figures of the shipped (full) model at the top level, as before
    top = "cascade" if cascade else "full"
    out.update({"per_dataset": out[top]["per_dataset"], "mean": out[top]["mean"],
                "worst": out[top]["worst"], "worst_dataset": out[top]["worst_dataset"]})
    return out
