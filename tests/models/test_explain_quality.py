"""Span explanations point at the words a human would mark (issue #3), stay
faithful to the model and keep their output contract."""
import math

import numpy as np
import pytest

from models.explain import BASELINE_LOGIT, explain_item, is_function_word, spans_of
from models.registry import LABELS

TEXT_LABELS = [lab for lab in LABELS if lab != "off_topic"]
KEYS = {"begin", "end", "label", "score", "text"}


def check_contract(text: str, spans: list[dict]) -> None:
    for s in spans:
        assert set(s) == KEYS
        assert isinstance(s["begin"], int) and isinstance(s["end"], int)
        assert 0 <= s["begin"] < s["end"] <= len(text)
        assert text[s["begin"]:s["end"]] == s["text"]
        assert s["text"] == s["text"].strip()
        assert s["label"] in TEXT_LABELS
        assert 0.0 <= s["score"] <= 1.0


def tox(spans):
    return [s for s in spans if s["label"] == "toxicity"]


class CountingModel:
    """Proxy counting the scoring batches an explanation needs."""

    def __init__(self, model):
        self._m = model
        self.calls = 0

    def label_logits(self, texts, lang=None):
        self.calls += 1
        return self._m.label_logits(texts, lang)

    def __getattr__(self, name):
        return getattr(self._m, name)


@pytest.mark.parametrize("word,expected", [
    ("Tu", True), ("es", True), ("un", True), ("t'es", True), ("qu'il", True), ("You", True), ("are", True),
    ("an", True), ("you’re", True), ("don't", True), ("THE", True), ("(your", True),
    ("connard", False), ("idiot", False), ("l'immigration", False), ("gueule,", False), ("up", False),
    ("😡", False), ("", False),
])
def test_function_word_list(word, expected):
    assert is_function_word(word) is expected


def test_french_insult_beats_its_pronoun_and_auxiliary(model):
    text = "Tu es un connard"
    spans = model.explain({"text": text})
    check_contract(text, spans)
    assert [s["text"] for s in tox(spans)][:1] == ["connard"]
    assert not {s["text"] for s in spans} & {"Tu", "es", "un"}, spans


def test_english_insult_only(model):
    text = "You are an idiot"
    spans = model.explain({"text": text})
    check_contract(text, spans)
    assert tox(spans) and {s["text"] for s in spans} == {"idiot"}, spans


@pytest.mark.parametrize("text,word", [
    ("Tu es vraiment un gros connard, personne ne t'écoute.", "connard"),
    ("Great article. You are an idiot though.", "idiot"),
    ("You are a complete idiot and nobody reads your blog.", "idiot"),
    ("Shut up you stupid bitch.", "bitch"),
])
def test_toxic_word_is_the_top_toxicity_span(model, text, word):
    spans = tox(model.explain({"text": text}))
    assert spans and spans[0]["text"] == word, spans
    assert not any(is_function_word(s["text"]) for s in spans), spans


def test_function_word_only_toxic_text_still_explained(model):
    """When the model reacts to the function words themselves, say so."""
    text = "tu es une"
    spans = model.explain({"text": text})
    check_contract(text, spans)
    if model.score(text)["scores"]["toxicity"] >= 0.5:
        assert tox(spans), "a flagged text must get at least one toxicity span"
    assert all(is_function_word(s["text"]) for s in spans)


@pytest.mark.parametrize("text", [
    "Élève 😡😡 tu es un connard fini 👍 ok",
    "🙂 Ça va, t'es qu'un abruti fini !",
    "«Espèce d'abruti» 🤬🤬 — ferme-la, crétin…",
    "You’re such an 💩 idiot, déjà vu 🙄",
    "  \n  You are an i d i o t  \t",
])
def test_offsets_on_emoji_and_accents(model, text):
    spans = model.explain({"text": text})
    check_contract(text, spans)


def test_obfuscated_words_stay_one_span(model):
    text = "Tu es un c.o.n.n.a.r.d et un i d i o t"
    assert (9, 22) in spans_of(text) and (29, 38) in spans_of(text)
    spans = model.explain({"text": text})
    check_contract(text, spans)
    got = {s["text"] for s in spans}
    assert got & {"c.o.n.n.a.r.d", "i d i o t"}
    assert not got & {"Tu", "es", "un", "et", "c", "i"}


def test_clean_and_empty_texts_return_nothing(model):
    assert model.explain({"text": "Thanks, this article is very clear."}) == []
    assert model.explain({"text": ""}) == []
    assert model.explain({"text": "   "}) == []


@pytest.mark.parametrize("text", ["Tu es un connard", "You are an idiot", "stupid moron idiot",
                                  "Great article. You are an idiot though."])
def test_one_scoring_batch_per_comment(model, text):
    cm = CountingModel(model)
    explain_item(cm, {"text": text})
    assert cm.calls == 1


def test_scores_are_occlusion_effects(model):
    """Without function words a span's score is exactly sigmoid(logit(0.1) + drop
    of the label's logit when the span is blanked): nothing is re-attributed."""
    text = "stupid moron, idiot!"
    spans = model.explain({"text": text, "lang": "en"})
    assert spans
    for s in spans:
        col = model.text_heads.index(s["label"])
        z = model.label_logits([text, text[:s["begin"]] + " " + text[s["end"]:]], "en")[:, col]
        expected = 1.0 / (1.0 + math.exp(-(BASELINE_LOGIT + min(max(z[0] - z[1], 0.0), 40.0))))
        assert s["score"] == pytest.approx(expected, abs=1e-3)


# -- agreement with human rationales (small sample, held-out split) ---------

def test_agreement_with_human_rationales(model, data_dir):
    """Measured on 1,000 test rows: civil char F1 ~0.63 (0.55 before issue #3),
    HateXplain token F1 ~0.26 (0.12), function-word share < 1%.  Explanations
    regressing to function words would fall far below these bars."""
    from models.explain_eval import eval_civil, eval_hatexplain, load_civil, load_hatexplain
    civil, split = load_civil(data_dir, limit=200)
    assert split == "test" and len(civil) == 200
    r = eval_civil(model, civil, split)
    assert r["f1"] >= 0.45, r
    assert r["rows_with_spans"] >= 0.8, r
    assert r["function_word_share"] <= 0.05, r
    hx, _ = load_hatexplain(data_dir, limit=200)
    r = eval_hatexplain(model, hx, split)
    assert r["f1"] >= 0.15 and r["precision"] >= 0.6, r
    assert r["function_word_share"] <= 0.05, r


def test_french_toxic_spans_are_rarely_function_words(model, data_dir):
    from models.explain_eval import eval_function_words, load_french_toxic
    rows, split = load_french_toxic(data_dir, limit=200)
    assert len(rows) == 200
    r = eval_function_words(model, rows, split)
    assert r["function_word_share"] <= 0.05, r   # measured ~0.01 on 1,000 rows (0.05 before)


def test_eval_gold_token_matching():
    from models.explain_eval import hatexplain_gold_tokens, token_offsets
    text = "you are a dumb bitch and you are a dumb bitch"
    assert hatexplain_gold_tokens(text, "dumb bitch | dumb bitch") == {3, 4, 9, 10}
    assert hatexplain_gold_tokens(text, "and") == {5}
    offs = token_offsets(text)
    assert len(offs) == 11 and text[offs[4][0]:offs[4][1]] == "bitch"
    assert np.all(np.diff([b for b, _ in offs]) > 0)
