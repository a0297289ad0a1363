"""``bench/functional_check.py`` reads a HateCheck-format file and reports the
toxicity ROC AUC by kind and the share the default policy holds (the file
here is a handful of cases written for this test, in HateCheck's columns)."""
from __future__ import annotations

import csv
import importlib.util
import pathlib

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench" / "functional_check.py"
CASES = [
    ("derog_neg_emote_h", "I can't stand Buddhists, they disgust me.", "hateful"),
    ("derog_dehum_h", "Ces gens-là sont de la vermine, tous autant qu'ils sont.", "hateful"),
    ("threat_dir_h", "I am going to hurt every refugee I meet.", "hateful"),
    ("ident_neutral_nh", "My neighbour is a Buddhist and grows tomatoes.", "non-hateful"),
    ("ident_pos_nh", "Les réfugiés de mon quartier sont formidables.", "non-hateful"),
    ("negate_neg_nh", "I have never hated Buddhists.", "non-hateful"),
    ("target_obj_nh", "This stupid printer never works.", "non-hateful"),
]


def _load():
    spec = importlib.util.spec_from_file_location("functional_check", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _write(path, rows, header=("functionality", "test_case", "label_gold")):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_reads_cases_and_reports_auc_by_kind(tmp_path, model):
    fc = _load()
    path = tmp_path / "cases.csv"
    _write(path, CASES + [("ident_neutral_nh", "   ", "non-hateful"), ("slur_h", "x", "unknown")])
    cases = fc.read_cases(path)
    assert len(cases) == len(CASES)           # blank texts and unknown labels are left out
    out = fc.check(cases, model)
    assert out["cases"] == 7 and out["hateful"] == 3
    assert set(out["by_kind"]) == {"ident_neutral_nh", "ident_pos_nh", "negate_neg_nh", "target_obj_nh"}
    assert all(0.0 <= v <= 1.0 for v in out["by_kind"].values())
    assert 0.0 <= out["auc_core"] <= 1.0 and 0.0 <= out["auc_all"] <= 1.0
    # every toxic label's own AUCs; toxicity's are the headline ones
    assert set(out["by_label"]) == set(fc.TOXIC_LABELS) and "identity_attack" in out["by_label"]
    assert out["by_label"]["toxicity"] == {"auc_all": out["auc_all"], "auc_core": out["auc_core"]}
    # the share held is per kind and never more than every case of it
    assert set(out["held"]) == {k for k, _, _ in CASES}
    assert all(0.0 <= v <= 1.0 for v in out["held"].values())


def test_auc_follows_the_scores():
    fc = _load()
    assert fc._auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert fc._auc([0.1], [0.9]) == 0.0
    assert fc._auc([], [0.5]) is None


def test_a_file_without_hatecheck_columns_is_refused(tmp_path):
    fc = _load()
    path = tmp_path / "other.csv"
    _write(path, [("hello", "0")], header=("text", "label"))
    with pytest.raises(SystemExit, match="missing columns"):
        fc.read_cases(path)
