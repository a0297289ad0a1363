"""Character tables of the normalization (``text.py``): look-alikes,
meaningful emoji, leetspeak, and one class bitmask per BMP code point."""
from __future__ import annotations

import numpy as np

__all__ = ["CONFUSABLES", "EMOJI_WORDS", "LEET", "COMBINING_RANGES", "classes", "C_LOWER", "C_WORDH", "C_MAYBE_NW",
           "C_SEP", "C_LEET", "C_WS", "C_COMB", "C_PUNCT"]

# --- character tables -------------------------------------------------------

# Cyrillic / Greek / other look-alikes of Latin letters (lower-case targets).
CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ӏ": "l", "ո": "n",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "μ": "u",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
    "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Latin oddities NFKD leaves alone
    "ø": "o", "Ø": "o", "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i", "ǝ": "e", "ɑ": "a", "ɩ": "i",
    "ʀ": "r", "ɴ": "n", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g",
    "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    # typographic punctuation
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "‐": "-", "‑": "-",
}

# Emoji / symbols that carry meaning for moderation -> word tokens.
EMOJI_WORDS = {
    "🖕": " emjfinger ", "💩": " emjpoop ", "🤬": " emjcurse ", "🔪": " emjknife ",
    "🔫": " emjgun ", "💀": " emjskull ", "☠": " emjskull ", "🍆": " emjsex ", "🍑": " emjsex ",
    "💦": " emjsex ", "🐒": " emjmonkey ", "🐵": " emjmonkey ", "🙈": " emjmonkey ", "🦍": " emjmonkey ",
    "🐷": " emjpig ", "🐖": " emjpig ", "🤮": " emjvomit ", "🤢": " emjvomit ", "😡": " emjangry ",
    "👿": " emjangry ", "😠": " emjangry ", "💣": " emjbomb ", "🔥": " emjfire ", "💰": " emjmoney ",
    "💵": " emjmoney ", "💸": " emjmoney ", "🤑": " emjmoney ", "👉": " emjpoint ", "👇": " emjpoint ",
    "✅": " emjcheck ", "📈": " emjchart ", "📲": " emjphone ", "📞": " emjphone ", "📱": " emjphone ",
    "❤": " emjheart ", "😂": " emjlaugh ", "🤣": " emjlaugh ", "😍": " emjlove ", "👍": " emjthumb ",
}

LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s", "€": "e", "!": "i", "|": "l", "+": "t", "£": "l"}

COMBINING_RANGES = ((0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))


# One class table over the BMP (code points above U+FFFF are looked up as
# U+FFFF, which has no bit set except the "non-ASCII" ones) replaces the
# per-step comparisons of the char-local passes.
C_LOWER, C_WORDH, C_MAYBE_NW, C_SEP, C_LEET, C_WS, C_COMB, C_PUNCT = (1 << i for i in range(8))
CLS = np.zeros(0x10000, dtype=np.uint8)
CLS[ord("a"): ord("z") + 1] |= C_LOWER
for _c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    CLS[ord(_c)] |= C_WORDH
CLS[128:] |= C_WORDH                      # non-ASCII counts as a word char for the split hint
CLS[:128] |= np.where(CLS[:128] & C_WORDH, 0, C_MAYBE_NW).astype(np.uint8)
CLS[128:] |= C_MAYBE_NW                   # ... but may be a non-word char for \b
for _c in " .-_*·•|/~,'\"+":
    CLS[ord(_c)] |= C_SEP
for _c in "0123456789@$|+€£":
    CLS[ord(_c)] |= C_LEET
for _c in [32, *range(9, 14), 0xA0, 0x2028, 0x2029, *range(0x2000, 0x200B), 0x3000, 0x1680, 0x202F, 0x205F, 0x85,
           *range(0x1C, 0x20)]:
    CLS[_c] |= C_WS
for _lo, _hi in ((0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F)):
    CLS[_lo: _hi + 1] |= C_COMB
for _c in "!?.":
    CLS[ord(_c)] |= C_PUNCT
assert not CLS[0xFFFF] & (C_LOWER | C_SEP | C_LEET | C_WS | C_COMB | C_PUNCT)


def classes(codes: np.ndarray) -> np.ndarray:
    return CLS[np.minimum(codes, 0xFFFF)]
