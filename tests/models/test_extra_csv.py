"""`colombe train --extra`: a site's own decisions as a trainable dataset."""
from __future__ import annotations

import csv

import pytest

from models import data
from models.data import (DATASETS, SITE_DECISIONS, TOX_HEADS, assign_groups_and_splits, extra_catalogue,
                         extra_dataset_names, load_extra_csv)
from models.datasets import Catalogue


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "lang", "label", "source_id"])
        w.writerows(rows)


def test_load_extra_csv_heads_and_lang(tmp_path):
    p = tmp_path / "decisions.csv"
    _write(p, [
        ["Tu es un idiot fini", "fr", "toxic", "s:1"],
        ["Buy cheap followers now", "en", "spam", "s:2"],
        ["Merci beaucoup pour cet article très clair", "", "clean", "s:3"],
        ["   ", "en", "clean", "s:4"],                  # empty text: skipped
        ["Hors sujet", "fr", "off_topic", "s:5"],        # unknown label: skipped
    ])
    recs = load_extra_csv(p)
    assert [r.label for r in recs] == ["toxic", "spam", "clean"]
    assert all(r.dataset == SITE_DECISIONS for r in recs)
    tox, spam, clean = recs
    assert tox.heads == {"toxicity": 1, "spam": 0}                 # sub-heads unknown
    assert spam.heads == {"spam": 1, "toxicity": 0}
    assert clean.heads == {**{h: 0 for h in TOX_HEADS}, "spam": 0}
    assert clean.lang == "fr"                                       # detected from the text
    assert tox.extra["source_id"] == "s:1"
    assert len(load_extra_csv(p, limit=2)) == 2


def test_load_extra_csv_needs_a_header(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("just,some\nrows,here\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_extra_csv(p)


def test_extra_datasets_belong_to_one_run(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    words = ["chat", "pluie", "jardin", "velo", "montagne", "livre", "musique", "cuisine", "voyage", "soleil"]
    _write(a, [[f"J'aime le {w1} et la {w2} le dimanche", "fr", "clean", f"{w1}{w2}"]
               for w1 in words for w2 in words[:4]])
    _write(b, [["You are a moron", "en", "toxic", "1"]])
    before = dict(DATASETS)
    assert extra_dataset_names([a, b]) == [SITE_DECISIONS, "extra:b"]
    pairs = extra_catalogue([a, b])
    assert [info.name for info, _ in pairs] == [SITE_DECISIONS, "extra:b"]
    catalogue = Catalogue([info for info, _ in pairs])
    info = catalogue[SITE_DECISIONS]
    assert info.trainable and not info.train_only and info.kind == "site"
    assert info.license == "the site's own moderation decisions"
    assert SITE_DECISIONS not in DATASETS                            # the shared catalogue never changes
    with pytest.raises(TypeError):
        DATASETS["x"] = info                                         # ... and cannot be changed
    recs = data.load_records(tmp_path / "no-shared-data", datasets={SITE_DECISIONS, "extra:b"}, extra=pairs)
    assert {r.dataset for r in recs} == {SITE_DECISIONS, "extra:b"}
    assert all(r.info is catalogue[r.dataset] or r.info == catalogue[r.dataset] for r in recs)
    split = assign_groups_and_splits(recs)
    assert {r.split for r in split if r.dataset == SITE_DECISIONS} == {"train", "valid", "test"}
    assert dict(DATASETS) == before
    # without extra, the loader never reads a "site" dataset from the shared folder
    assert all(r.dataset != SITE_DECISIONS for r in data.load_records(tmp_path, datasets={SITE_DECISIONS}))
    with pytest.raises(ValueError):
        Catalogue([DATASETS["toxifrench"]])                          # a name cannot be registered twice
