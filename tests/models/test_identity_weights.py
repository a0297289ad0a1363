"""Instance weights that make naming an identity group independent of the
toxicity label inside each dataset (``models.identity``,
``heads.identity_factors``, the ``identity_reweight`` parameter)."""
from __future__ import annotations

import numpy as np

from models.heads import head_rows, identity_factors
from models.identity import names_group
from models.records import Record
from models.text import normalize


def _named(text: str) -> bool:
    return names_group(normalize(text))


def test_names_group_in_both_languages_and_not_the_ambiguous_words():
    for text in ("Les MUSULMANS de mon quartier", "des réfugiées syriennes", "Les Juives et les Juifs",
                 "refugees are welcome", "My therapist is a Muslim.", "gay people", "ma voisine est handicapée"):
        assert _named(text), text
    for text in ("a black coffee", "une voiture noire", "Les hommes du match", "Muslimsxyz", "transport",
                 "Quel crétin ce ministre."):
        assert not _named(text), text


def _rec(text: str, tox: int, dataset: str = "fox_news_comments", lang: str = "en") -> Record:
    return Record(text=text, lang=lang, dataset=dataset, label="toxic" if tox else "clean",
                  heads={"toxicity": tox}, norm=normalize(text))


def _rows():
    # Fox News-like: 6 of 8 rows naming a group are toxic, 2 of 8 of the others
    rows = ([_rec("Muslims ruin everything", 1)] * 6 + [_rec("Muslims here are kind", 0)] * 2 +
            [_rec("you idiot", 1)] * 2 + [_rec("nice weather", 0)] * 6)
    rows += [_rec("Les Juifs sont accueillis", 0, "colombe_functional", "fr")] * 4   # written rows: untouched
    return rows


def _p(y, w, m):
    return float((w[m] * y[m]).sum() / w[m].sum())


def test_identity_factors_make_the_label_independent_of_naming_a_group_inside_a_dataset():
    rows = _rows()
    y = np.array([r.heads["toxicity"] for r in rows])
    w = np.ones(len(rows))
    named = np.array([names_group(r.norm) for r in rows])
    real = np.array([not r.info.synthetic for r in rows])
    assert _p(y, w, named & real) == 0.75 and _p(y, w, ~named & real) == 0.25
    f = identity_factors(rows, y, w, 1.0)
    w2 = w * f
    assert abs(_p(y, w2, named & real) - 0.5) < 1e-9 and abs(_p(y, w2, ~named & real) - 0.5) < 1e-9
    # each class keeps its total weight inside the dataset
    for c in (0, 1):
        assert abs(w2[real & (y == c)].sum() - w[real & (y == c)].sum()) < 1e-9
    assert (f[~real] == 1).all()
    half = identity_factors(rows, y, w, 0.5)                   # a weaker power moves it part of the way
    assert 0.5 < _p(y, w * half, named & real) < 0.75


def test_identity_factors_leave_sets_with_one_class_or_no_group_alone():
    rows = [_rec("Muslims ruin everything", 1, "civil_comments_toxic_spans"), _rec("you idiot", 1,
                                                                                    "civil_comments_toxic_spans")]
    rows += [_rec("you idiot", 1, "davidson_hate_offensive"), _rec("nice", 0, "davidson_hate_offensive")]
    y = np.array([r.heads["toxicity"] for r in rows])
    assert (identity_factors(rows, y, np.ones(len(rows)), 1.0) == 1).all()


def test_head_rows_applies_the_weights_only_to_the_listed_heads():
    from models.train import DEFAULT_PARAMS
    rows = _rows()
    every = np.arange(len(rows))
    _, _, w0 = head_rows(rows, "toxicity", every, dict(DEFAULT_PARAMS))
    _, y, w1 = head_rows(rows, "toxicity", every, {**DEFAULT_PARAMS, "identity_reweight": {"toxicity": 1.0}})
    _, _, w2 = head_rows(rows, "toxicity", every, {**DEFAULT_PARAMS, "identity_reweight": {"insult": 1.0}})
    assert np.allclose(w0, w2) and not np.allclose(w0, w1)
    named = np.array([names_group(r.norm) for r in rows]) & np.array([not r.info.synthetic for r in rows])
    assert _p(y, w0, named) > _p(y, w0, ~named) + 0.3
    assert abs(_p(y, w1, named) - _p(y, w1, ~named & np.array([not r.info.synthetic for r in rows]))) < 1e-9
