"""Leave-one-dataset-out plans and the semantic-head probe (``models.lodo``,
``bench/semantic_lodo.py``) on small written records and vectors: no
encoder, no shared data."""
from __future__ import annotations

import numpy as np
import pytest

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


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_semantic_head_lodo_measures_a_hidden_layer_head_beside_the_linear_one():
    """A toxic direction that only a hidden layer reads (both ends of one dimension are toxic):
    the linear head is near chance on the held-out sets, the hidden layer is not."""
    from models.lodo import head_key
    run, E = _run(n_per_class=120, signal=0.0)
    tox = np.array([r.heads["toxicity"] for r in run.recs])
    sign = np.where(np.arange(len(tox)) % 2 == 0, 1.0, -1.0)
    E[:, 0] = np.where(tox == 1, 3.0 * sign, 0.0) + np.random.default_rng(2).normal(size=len(tox)) * 0.3
    spec = {"hidden": 16, "alpha": 1e-4, "epochs": 300}
    res = semantic_head_lodo(run, E, [1.0, spec])
    assert sorted(res, key=str) == sorted([1.0, head_key(spec)], key=str)
    assert res[head_key(spec)]["worst"] > 0.9
    assert res[1.0]["mean"] < 0.7


def test_elsewhere_scores_the_never_seen_sets_and_the_suites_with_a_head_fitted_on_the_rest():
    from bench.semantic_lodo import elsewhere
    run, E = _run()
    rng = np.random.default_rng(1)
    extra, vecs = [], []
    for tox in (0, 1):                              # a non-commercial set: scored, never trained on
        for k in range(20):
            r = Record(text=f"sfu {tox} {k}", lang="en", dataset="sfu_ctc", label="toxic" if tox else "clean",
                       heads={"toxicity": tox})
            r.split = "test"
            extra.append(r)
            v = rng.normal(size=8)
            v[0] += 3.0 * tox
            vecs.append(v)
    run.recs = run.recs + extra
    E = np.vstack([E, np.array(vecs, dtype=np.float32)])
    # a suite: hateful cases along the toxic direction, negated ones against it, other clean ones at random
    cases = ([{"kind": "derog_h", "text": f"h{k}", "hateful": True} for k in range(10)]
             + [{"kind": "negate_neg_nh", "text": f"n{k}", "hateful": False} for k in range(10)]
             + [{"kind": "profanity_nh", "text": f"p{k}", "hateful": False} for k in range(10)])
    Ec = rng.normal(size=(30, 8)).astype(np.float32)
    Ec[:10, 0] += 3.0
    Ec[10:20, 0] -= 3.0
    Ec[20:, 0] += 3.0
    out = elsewhere(run, E, 1.0, [("suite", cases, Ec)])
    assert out["sfu_ctc/en"] > 0.9
    assert out["suite"]["auc_core"] > 0.9 > out["suite"]["auc_all"]       # the profane cases score like hate
    # the never-seen rows never train the head: their labels flipped, its AUC falls below chance
    for r in extra:
        r.heads = {"toxicity": 1 - r.heads["toxicity"]}
    assert elsewhere(run, E, 1.0, [])["sfu_ctc/en"] < 0.1
