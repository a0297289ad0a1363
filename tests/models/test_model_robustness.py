"""Evasion robustness and benign texts with sensitive words (bundled model)."""
import pytest

from models.registry import LABELS

TEXT_LABELS = [lab for lab in LABELS if lab != "off_topic"]

# (sentence with {w}, toxic word) in both languages
TOXIC = [
    ("Tu es vraiment un gros {w}, personne ne t'écoute.", "connard"),
    ("Ferme ta gueule, espèce de {w}.", "salope"),
    ("Ce mec est un {w} fini, qu'il dégage.", "abruti"),
    ("Va te faire {w} avec tes articles de merde.", "enculer"),
    ("You are a complete {w} and nobody reads your blog.", "idiot"),
    ("Shut up you stupid {w}.", "bitch"),
    ("What a {w} take, the author is a moron.", "fucking"),
    ("Go away, you pathetic {w}.", "loser"),
]

CYRILLIC = str.maketrans({"a": "а", "o": "о", "e": "е", "c": "с", "p": "р", "i": "і"})


def variants(word: str) -> dict[str, str]:
    leet = word.translate(str.maketrans({"o": "0", "a": "4", "e": "3", "i": "1"}))
    if leet == word:
        leet = word.replace("s", "$").replace("t", "7")
    mid = len(word) // 2
    return {
        "repeated": word[:mid] + word[mid] * 5 + word[mid + 1:],
        "leet": leet,
        "dots": ".".join(word),
        "spaces": " ".join(word),
        "dashes": "-".join(word),
        "upper": word.upper(),
        "cyrillic": word.translate(CYRILLIC),
        "zero_width": "\u200b".join(word),
        "emoji_padding": word[:mid] + "💩" + word[mid:],
        "fullwidth": "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in word),
    }


_STRETCH = pytest.mark.xfail(
    reason="colombe-2026.11.30-10, full profile: a letter stretched five times moves the sentence encoder's vector "
           "past the tolerance of 0.1 on one label: 'salooooope' insult 1.00 -> 0.88 and identity_attack 0.69 -> "
           "0.55, 'bitttttch' severe_toxicity 0.63 -> 0.50, 'lossssser' identity_attack 0.23 -> 0.12 (each sentence "
           "stays held for its toxicity; 'bitttttch' passed with colombe-2026.12.01-1 to -5; with -7, whose second "
           "stage has a hidden layer: insult 1.00 -> 0.87, severe_toxicity 0.75 -> 0.50 and 0.25 -> 0.04; with -9, "
           "whose second stage also reads what the first holds: the same, and identity_attack 0.84 -> 0.49, obscene "
           "1.00 -> 0.78 for 'salooooope'; -18 keeps -9's toxic scores). The "
           "lexicon and the n-grams read the squeezed word; the other evasions score like the plain word",
    strict=False)


@pytest.mark.parametrize("template,word", [pytest.param(t, w, marks=_STRETCH) if i in (1, 5, 7) else (t, w)
                                           for i, (t, w) in enumerate(TOXIC)])
def test_obfuscated_variants_score_like_plain(model, template, word):
    plain = template.format(w=word)
    items = [{"text": plain}] + [{"text": template.format(w=v)} for v in variants(word).values()]
    res = model.score_batch(items)
    base = res[0]["scores"]
    assert base["toxicity"] > 0.5, f"plain form not detected: {plain!r} -> {base['toxicity']}"
    for name, r in zip(variants(word), res[1:]):
        for lab in TEXT_LABELS:
            assert abs(r["scores"][lab] - base[lab]) <= 0.1, (name, lab, r["scores"][lab], base[lab])


BENIGN = [
    "Je déteste les lundis, surtout quand il pleut.",
    "Je déteste attendre le bus le matin.",
    "L'histoire de l'esclavage est enseignée au collège.",
    "Les musulmans, les juifs et les chrétiens fêtent des fêtes différentes en décembre.",
    "Les immigrés italiens sont arrivés à Marseille au XIXe siècle.",
    "Mon voisin est noir et il joue du piano tous les soirs.",
    "Les homosexuels ont obtenu le droit de se marier en 2013 en France.",
    "Cette recette de tarte aux pommes est délicieuse, merci !",
    "I hate Mondays, especially when it rains.",
    "The history of slavery is taught in middle school.",
    "Muslims, Jews and Christians celebrate different holidays in December.",
    "Black and white photographs of the old city are on display.",
    "Gay and lesbian couples can marry in many countries.",
    "The women's football team won the championship.",
    "My grandmother was an immigrant from Poland.",
    "Thanks for the recipe, the apple pie was delicious!",
]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_sensitive_texts_stay_below_threshold(model, text):
    """Below the precision-90 ('auto-flag') thresholds of toxicity and identity_attack."""
    r = model.score(text)["scores"]
    thr = model.thresholds["toxicity"]["precision_90"]
    assert r["toxicity"] < thr, (r["toxicity"], thr)
    assert r["identity_attack"] < model.thresholds["identity_attack"]["precision_90"]
    assert r["severe_toxicity"] < 0.5 and r["threat"] < 0.5


def test_explanations_point_at_the_toxic_word(model):
    from models.explain import spans_of
    text = "Tu es un c.o.n.n.a.r.d et un i d i o t"
    assert (9, 22) in spans_of(text) and (29, 38) in spans_of(text)   # obfuscated words stay one span
    en = "Great article. You are an idiot though."
    spans = model.explain({"text": en})
    for s in spans:
        assert 0 <= s["begin"] < s["end"] <= len(en)
        assert s["label"] in TEXT_LABELS and 0.0 <= s["score"] <= 1.0
    tox = [s for s in spans if s["label"] == "toxicity"]
    assert tox and en[tox[0]["begin"]:tox[0]["end"]] == "idiot"
    fr = "Ferme ta gueule, espèce de connard."
    assert any(fr[s["begin"]:s["end"]] == "connard" for s in model.explain({"text": fr}))
    assert model.explain({"text": "Thanks, this article is very clear."}) == []


# Blog-style attacks on an author or a politician (own examples, never used for training).
FR_INSULTS = ("connard connasse salope pute enculé abruti crétin imbécile idiot débile taré con conne bouffon "
              "ordure raclure minable pourriture salaud bâtard enfoiré guignol clown charlatan menteur escroc "
              "incapable nul attardé mongol gogol trouduc pédé tapette gouine négro bougnoule youpin").split()
EN_INSULTS = "idiot moron stupid loser asshole bastard jerk scum clown liar fraud bitch dickhead retard faggot".split()


@pytest.mark.parametrize("lang,words,templates,floor", [
    ("fr", FR_INSULTS, ("Quel {w} ce ministre.", "Tu es un vrai {w}.", "L'auteur est un {w}."), 0.75),
    ("en", EN_INSULTS, ("What a {w} this minister is.", "You are a real {w}.", "The author is a {w}."), 0.9),
])
def test_french_insults_in_blog_sentences_are_held(model, lang, words, templates, floor):
    """Most insults in ordinary blog sentences reach the default hold threshold (recall-90).
    Guards the trade-off with the neutral comments: weighting them too much (models/train.py
    `neutral_weight` 2.0) held only 57 % of these French sentences."""
    sentences = [t.format(w=w) for w in words for t in templates]
    thr = model.thresholds["toxicity"]["recall_90"]
    scores = [r["scores"]["toxicity"] for r in model.score_batch([{"text": s} for s in sentences])]
    held = sum(s >= thr for s in scores) / len(scores)
    missed = [s for s, v in zip(sentences, scores) if v < thr]
    assert held >= floor, (lang, round(held, 3), missed[:10])
