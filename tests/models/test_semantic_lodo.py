"""Leave-one-dataset-out plans and the semantic-head probe (``models.lodo``,
``bench/semantic_lodo.py``) on small written records and vectors: no
encoder, no shared data."""
from __future__ import annotations

import numpy as np

from models.datasets import DATASETS
from models.lodo import held_out_sets, semantic_head_lodo
from models.records import Record
from models.train import DEFAULT_PARAMS, TrainingRun

SETS = ("fox_news_comments", "davidson_hate_offensive", "toxifrench", "wikipedia_toxicity_subsets",
        "jigsaw_subset_fr_machine_translated")


def _run(n_per_class: int = 30, signal: float = 3.0):
    rng = np.random.default_rng(0)
    recs, vecs = [], []
    for ds in SETS:
        lang = "fr" if ds in ("toxifrench", "jigsaw_subset_fr_machine_translated") else "en"
        for tox in (0, 1):
            for k in range(n_per_class):
                r = Record(text=f"{ds} {tox} {k}", lang=lang, dataset=ds, label="toxic" if tox else "clean",
                           heads={"toxicity": tox})
                r.split = ("train", "train", "valid", "test")[k % 4]
                recs.append(r)
                v = rng.normal(size=8)
                v[0] += signal * tox          # the first dimension carries toxicity in every dataset
                vecs.append(v)
    run = TrainingRun.__new__(TrainingRun)
    run.p, run.catalogue, run.recs, run.seed = dict(DEFAULT_PARAMS), DATASETS, recs, 13
    return run, np.array(vecs, dtype=np.float32)


def test_held_out_sets_never_train_on_the_set_they_score():
    run, _ = _run()
    seen = set()
    for ds, rows, te in held_out_sets(run):
        seen.add(ds)
        train_sets = {run.recs[i].dataset for i in rows}
        assert ds not in train_sets
        assert {run.recs[i].dataset for i in te} == {ds}
        assert {run.recs[i].split for i in rows} <= {"train", "valid"}
        if ds == "wikipedia_toxicity_subsets":             # its French machine translation leaves with it
            assert "jigsaw_subset_fr_machine_translated" not in train_sets
    assert seen == {d for d in SETS if d != "jigsaw_subset_fr_machine_translated"}


def test_semantic_head_lodo_ranks_held_out_sets_and_reports_each_strength():
    run, E = _run()
    res = semantic_head_lodo(run, E, [0.1, 1.0])
    assert sorted(res) == [0.1, 1.0]
    for r in res.values():
        assert set(r["per_dataset"]) == {"fox_news_comments/en", "davidson_hate_offensive/en", "toxifrench/fr",
                                         "wikipedia_toxicity_subsets/en"}
        assert r["worst"] == min(r["per_dataset"].values()) > 0.85      # the shared direction transfers
        assert abs(r["mean"] - np.mean(list(r["per_dataset"].values()))) < 1e-4
    _, noise = _run(signal=0.0)
    flat = semantic_head_lodo(run, noise, [1.0])[1.0]
    assert flat["mean"] < 0.7                                           # nothing to learn: near chance
