"""Word matching: whole words, case- and accent-insensitive."""
from __future__ import annotations

from service.core.site_rules import clean_word_list, find_words, fold


def test_fold():
    assert fold("CRÉTIN Ça") == "cretin ca"


def test_whole_word_case_and_accent_insensitive():
    words = ["crétin", "pas de chance"]
    assert find_words("Quel Cretin!", words) == ["cretin"]
    assert find_words("CRÉTIN", words) == ["cretin"]
    assert find_words("crétinisme", words) == []
    assert find_words("encrétin", words) == []
    assert find_words("vraiment PAS  de   chance.", words) == ["pas de chance"]


def test_clean_word_list():
    assert clean_word_list("  idiot \n\nIdiot\nfoo, bar ") == ["idiot", "foo", "bar"]


def test_regex_metacharacters_are_literal():
    assert find_words("a+b c", ["a+b"]) == ["a+b"]
    assert find_words("aab", ["a+b"]) == []


def test_utf16_offsets_for_the_browser():
    from service.moderation.explain import _utf16

    text = "😀 idiot"
    assert text.index("idiot") == 2 and _utf16(text, 2) == 3
