"""Normalization and language detection (no model needed)."""
import pytest

from models.lang import detect_language
from models.text import normalize, skeleton


@pytest.mark.parametrize("variant", [
    "connnnnard", "c0nn4rd", "c.o.n.n.a.r.d", "c o n n a r d", "c-o-n-n-a-r-d", "CONNARD", "Connard",
    "сonnаrd",            # Cyrillic с and а
    "con\u200bnard",      # zero-width space
    "c\u00adonnard",      # soft hyphen
    "ＣＯＮＮＡＲＤ",      # full-width
    "𝐜𝐨𝐧𝐧𝐚𝐫𝐝",           # mathematical bold
    "con💩nard",           # emoji padding
])
def test_evasions_normalize_to_plain_form(variant):
    assert normalize(variant) == normalize("connard")


@pytest.mark.parametrize("variant", ["1d10t", "i.d.i.o.t", "i d i o t", "idiiiiot", "ıdıot", "іdіоt"])
def test_english_evasions(variant):
    assert normalize(variant) == normalize("idiot")


def test_accents_and_case_fold_but_keep_words():
    assert normalize("Élève À L'ÉCOLE") == "eleve a l'ecole"
    # ordinary French with one-letter words is not glued together
    assert normalize("il y a un an") == "il y a un an"
    assert normalize("Je déteste les lundis!") == "je deteste les lundis!"


def test_numbers_are_not_leetspeak():
    n = normalize("en 2020 il y avait 3000 personnes")
    assert n.startswith("en 2020 il y avait 3000 ")


def test_urls_and_emails_are_tokens():
    n = normalize("voir http://example.com/x ou écrire à jean@example.org")
    assert "xurlx" in n and "xemailx" in n


def test_skeleton_ignores_punctuation():
    assert skeleton("Bonjour, tout le monde !!!") == skeleton("bonjour tout le monde")


@pytest.mark.parametrize("text,lang", [
    ("Je pense que cet article est vraiment très intéressant.", "fr"),
    ("C'est n'importe quoi, franchement.", "fr"),
    ("I think this article is really interesting.", "en"),
    ("You don't know what you're talking about.", "en"),
    ("", "und"),
    ("!!! 123", "und"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_batch_normalization_equals_single():
    from models.text import normalize_batch
    texts = ["Tu es un c0nn4rd!!!", "RT @bob: lol http://t.co/x", "", "élève  à l'école",
             "con💩nard", "f**k you", "mail me a.b@example.com", "i d i o t", "ＣＯＮＮＡＲＤ", "2020 était dur",
             "\u200bzéro\u200bwidth", "plain ascii text"]
    assert normalize_batch(texts) == [normalize(t) for t in texts]


def test_batch_language_detection_equals_single():
    from models.lang import detect_languages
    texts = ["Bonjour, je pense que c'est bien.", "Hello, I think it's fine.", "", "ok", "mdr t'es nul",
             "you're an idiot", "Élève"]
    assert detect_languages(texts) == [detect_language(t) for t in texts]
