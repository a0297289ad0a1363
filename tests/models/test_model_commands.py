"""The click commands (score / evaluate / train) used by the `colombe` CLI."""
import csv
import json

import pytest
from click.testing import CliRunner

from models.commands import evaluate_command, score_command, train_command
from models.registry import LABELS, load_model


def test_score_text_json():
    r = CliRunner().invoke(score_command, ["Tu es un idiot", "--post-title", "Recette", "--explain"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out) == {"model_version", "lang", "lang_detected", "scores", "spans"}
    assert set(out["scores"]) == set(LABELS)
    assert out["lang_detected"] == "fr"
    for s in out["spans"]:
        assert set(s) == {"begin", "end", "label", "score"}


def test_score_csv_keeps_columns(tmp_path):
    src = tmp_path / "in.csv"
    rows = [{"id": str(i), "text": t, "lang": "", "post_title": "Un article", "extra": "x"}
            for i, t in enumerate(["Bonjour à tous", "You are an idiot", "", "Check out http://spam.example.com now",
                                   'avec, des "guillemets"\net un saut de ligne'])]
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    dst = tmp_path / "out.csv"
    r = CliRunner().invoke(score_command, ["--input", str(src), "--output", str(dst), "--batch-size", "2"])
    assert r.exit_code == 0, r.output
    with open(dst, encoding="utf-8", newline="") as fh:
        out = list(csv.DictReader(fh))
    assert len(out) == len(rows)
    for a, b in zip(rows, out):
        for k, v in a.items():
            assert b[k] == v
        for lab in LABELS:
            assert 0.0 <= float(b[lab]) <= 1.0
        assert b["lang_detected"] in ("fr", "en", "und")


def test_score_needs_text_or_input():
    r = CliRunner().invoke(score_command, [])
    assert r.exit_code != 0


def test_evaluate_csv(tmp_path):
    src = tmp_path / "labeled.csv"
    data = [("You are a stupid idiot", "toxic", "en"), ("Thanks for the article", "clean", "en"),
            ("Quel connard celui-là", "toxic", "fr"), ("Merci pour l'article", "clean", "fr"),
            ("Go to hell, moron", "toxic", "en"), ("Nice weather today", "clean", "en")]
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "lang"])
        w.writerows(data)
    jo = tmp_path / "res.json"
    r = CliRunner().invoke(evaluate_command, ["--data", str(src), "--json-out", str(jo)])
    assert r.exit_code == 0, r.output
    res = json.loads(jo.read_text())
    tox = res["results"]["toxicity"]
    assert tox["labeled/en"]["roc_auc"] is not None
    for m in tox.values():
        assert {"roc_auc", "pr_auc", "f1", "ece", "n"} <= set(m)
    assert "ROC AUC" in r.output


def test_train_smoke(tmp_path, data_dir):
    """A tiny but complete training run: artifact, manifest hashes, card, load."""
    out = tmp_path / "colombe-test-1"
    r = CliRunner().invoke(train_command, ["--data", str(data_dir), "--out", str(out), "--quiet",
                                           "--limit-per-dataset", "120"])
    assert r.exit_code == 0, r.output
    m = load_model(out)
    man = m.manifest
    assert man["version"] == "colombe-test-1"
    assert set(man["thresholds"]) >= set(LABELS)
    for src in man["data_sources"]:
        if not src["license"].lower().startswith(("cc by-nc", "cc by-nc-sa")):
            continue
        assert src["used_for"].startswith("evaluation only")
    res = m.score_batch([{"text": "bonjour"}])
    assert set(res[0]["scores"]) == set(LABELS)
