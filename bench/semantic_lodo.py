"""The semantic head alone, leave-one-dataset-out, at several regularization strengths.

A quick probe before a full candidate: loads the shared data as ``colombe
train`` does (same seed, same rows per dataset), embeds it (from the
embedding cache when warm), and for each ``--C`` fits the toxicity head of the
sentence vectors on every permissive dataset but one and scores the one left
out.  Prints one JSON line per C: the mean and worst ROC AUC over held-out
datasets and each dataset's figure.  The shipped strength is
``DEFAULT_PARAMS["semantic_C"]`` in ``models/train.py``.

    python bench/semantic_lodo.py [--data ../shared/data] [--seed 13] [--limit-per-dataset 4000] --C 0.1 0.3 1
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=pathlib.Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--limit-per-dataset", type=int, default=4000)
    ap.add_argument("--C", type=float, nargs="+", default=[0.1, 0.3, 1.0], help="regularization strengths")
    a = ap.parse_args(argv)
    from models.encoder import EmbeddingCache
    from models.lodo import semantic_head_lodo
    from models.train import TrainingRun
    with tempfile.TemporaryDirectory() as out:
        run = TrainingRun(a.data, pathlib.Path(out) / "probe", a.seed, None, False, a.limit_per_dataset)
        run.load()
        E = EmbeddingCache().embed([r.text for r in run.recs], progress=None)
        for C, res in semantic_head_lodo(run, E, a.C).items():
            print(json.dumps({"semantic_C": C, **res}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
