"""Semantic heads on language-centred vectors (``semantic_center``): the
training side subtracts each language's class-balanced mean vector, the
scoring side subtracts the same mean through the heads, and both give the
same logits."""
from __future__ import annotations

import types

import numpy as np

from models.heads import center_by_language, language_means
from models.pipeline import semantic_logits
from models.records import Record


def _rec(lang: str, label: str) -> Record:
    return Record(text="x", lang=lang, dataset="fox_news_comments", label=label,
                  heads={"toxicity": int(label == "toxic")})


def test_language_means_weigh_toxic_and_clean_rows_alike():
    recs = [_rec("fr", "toxic")] * 3 + [_rec("fr", "clean")] + [_rec("en", "clean")] * 2
    E = np.array([[2.0, 0], [2.0, 0], [2.0, 0], [0, 4.0], [1.0, 1.0], [3.0, 1.0]], dtype=np.float32)
    m = language_means(E, recs, range(len(recs)))
    # French: the mean of the toxic mean (2, 0) and the clean mean (0, 4), not the row mean (1.5, 1)
    assert np.allclose(m["fr"], [1.0, 2.0]) and np.allclose(m["en"], [2.0, 1.0])


def test_center_by_language_subtracts_each_rows_language_mean():
    means = {"en": np.array([1.0, 0.0]), "fr": np.array([0.0, 3.0])}
    E = np.ones((3, 2), dtype=np.float32)
    C = center_by_language(E, ["en", "fr", "und"], means)
    assert C.dtype == np.float32
    assert np.allclose(C, [[0, 1], [1, -2], [0.5, -0.5]])   # "und": the mean of both means


def test_scoring_subtracts_what_training_subtracted():
    rng = np.random.default_rng(0)
    Ws = rng.normal(size=(8, 3)).astype(np.float32)
    bs = rng.normal(size=3)
    means = {"en": rng.normal(size=8), "fr": rng.normal(size=8)}
    offs = {lg: means[lg] @ Ws.astype(np.float64) for lg in ("en", "fr")}
    model = types.SimpleNamespace(Ws=Ws, bs=bs, sem_offsets=offs,
                                  sem_offset_other=np.mean(list(offs.values()), axis=0))
    V = rng.normal(size=(4, 8)).astype(np.float32)
    langs = ["fr", "en", "und", "fr"]
    expected = center_by_language(V, langs, means).astype(np.float64) @ Ws.astype(np.float64) + bs
    assert np.allclose(semantic_logits(model, V, langs), expected, atol=1e-4)
    plain = types.SimpleNamespace(Ws=Ws, bs=bs, sem_offsets={}, sem_offset_other=np.zeros(3))
    assert np.allclose(semantic_logits(plain, V, langs), V.astype(np.float64) @ Ws.astype(np.float64) + bs)
