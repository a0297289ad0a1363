"""Text normalization that defeats common evasions without mangling French.

The pipeline (``normalize``) is applied identically at training and scoring
time.  It folds case and accents, removes zero-width/format characters, maps
Unicode look-alikes (Cyrillic, Greek, full-width, math alphanumerics) to Latin,
undoes leetspeak inside words, joins letters split by separators
(``c.o.n.n.a.r.d``, ``c o n n a r d``), squeezes repeated letters and turns a
few meaningful emoji into word tokens.  Repeated letters are squeezed to ONE
letter (``connnnard`` -> ``conard`` and ``connard`` -> ``conard``) so the plain
and stretched forms produce identical features.
"""
from __future__ import annotations

import html
import re
import unicodedata

import numpy as np

from .text_evasions import SEP, _codes, _deleet_all, _from_codes, _has_split_hint, _join_split_all
from .text_tables import C_COMB, C_LOWER, C_PUNCT, C_WS, COMBINING_RANGES, CONFUSABLES, EMOJI_WORDS, classes

__all__ = ["normalize", "normalize_batch", "readable", "skeleton", "URL_RE", "EMAIL_RE", "PHONE_RE", "strip_markup"]

_ZERO_WIDTH_RE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                            "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]|[\U000e0000-\U000e0fff]")

URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s\x00]+|\b[a-z0-9-]{2,}\.(?:com|net|org|info|biz|io|ly|co|me|fr|be|ch|ca|ru|xyz|top|site|online|shop|club)(?:/[^\s\x00]*)?\b")
_URL_PREFIX_RES = (("http", re.compile(r"https?://[^\s\x00]+")), ("www.", re.compile(r"www\.[^\s\x00]+")))
_TLD_RE = re.compile(r"(?i)\.(?:com|net|org|info|biz|io|ly|co|me|fr|be|ch|ca|ru|xyz|top|site|online|shop|club)\b(?:/[^\s\x00]*)?")
EMAIL_RE = re.compile(r"(?i)(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+\b")
_EMAIL_TAIL_RE = re.compile(r"@[\w-]+\.[\w.-]*\w")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-")
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
PHONE_RE = re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,4}\)?[\s.-]?){2,5}\d{2,4}")
_MENTION_RE = re.compile(r"@\w+")
_HASHTAG_RE = re.compile(r"#(\w+)")
_RT_RE = re.compile(r"rt:? *(?=xuserx)")
_WIKI_MARKUP_RE = re.compile(r"\[\[|\]\]|\{\{|\}\}|==+|'''?|\(UTC\)|\(talk\)")
_HTML_TAG_RE = re.compile(r"<[^>\x00]{1,200}>")

# ``\*\**`` == ``\*+``: same matches, but a leading literal lets sre skip ahead fast
_ASTERISK_PATS = (("*", re.compile(r"\*\**")), ("#", re.compile(r"##*")), ("_", re.compile(r"__*")))

_CONF_RE = re.compile("[" + "".join(re.escape(k) for k in CONFUSABLES) + "]")


def strip_markup(text: str) -> str:
    """Remove HTML tags/entities and the platform furniture that identifies a
    source rather than toxicity (RT prefixes, @mentions, wiki markup)."""
    if "&" in text:
        text = html.unescape(text)
    text = _HTML_TAG_RE.sub(" ", text)
    if "@" in text:
        text = _replace_spans(text, _EMAIL_TAIL_RE, _EMAIL_LOCAL, 1, " xemailx ")
        text = _MENTION_RE.sub(" xuserx ", text)
    text = _WIKI_MARKUP_RE.sub(" ", text)
    return text


_SYMBOLS = ("\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u2500-\u27bf\u2900-\u2bff\u3030\u303d\u3297\u3299"
            "\U0001F000-\U0001FAFF")
_SYMBOL_RUN_RE = re.compile(f"[{_SYMBOLS}][{_SYMBOLS}]*")     # == [...]+ (leading class: fast scan)


def _expand_left(text: str, start: int, allowed: frozenset, floor: int = 0) -> int:
    while start > floor and text[start - 1] in allowed:
        start -= 1
    return start


def _replace_spans(text: str, pattern: re.Pattern, allowed_left: frozenset, min_left: int, token: str) -> str:
    """Replace matches of ``pattern`` extended to the left over ``allowed_left``
    characters (at least ``min_left`` of them) by ``token``.  Starting the
    search at a rare anchor ('@', '.com') keeps this linear and fast."""
    out, last = [], 0
    for m in pattern.finditer(text):
        if m.start() < last:
            continue
        b = _expand_left(text, m.start(), allowed_left, last)
        if m.start() - b < min_left:
            continue
        out.append(text[last:b])
        out.append(token)
        last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def replace_urls_emails(text: str) -> str:
    if "@" in text:
        text = _replace_spans(text, _EMAIL_TAIL_RE, _EMAIL_LOCAL, 1, " xemailx ")
    for lit, pat in _URL_PREFIX_RES:
        if lit in text:
            text = pat.sub(" xurlx ", text)
    if "." in text:
        text = _replace_spans(text, _TLD_RE, _DOMAIN_CHARS, 2, " xurlx ")
    return text


def _rt_prefix(m: re.Match) -> str:
    b = m.start()
    if b > 0 and (m.string[b - 1].isalnum() or m.string[b - 1] == "_"):
        return m.group(0)            # "start xuserx": not a retweet marker
    return " "


def _conf_map(m: re.Match) -> str:
    return CONFUSABLES[m.group(0)]


def _symbol_run(m: re.Match) -> str:
    run = m.group(0)
    text = m.string
    b, e = m.start(), m.end()
    if 0 < b and e < len(text) and text[b - 1].isalpha() and text[e].isalpha():
        return ""                     # padding inside a word: c💩nnard
    words = [EMOJI_WORDS[c] for c in run if c in EMOJI_WORDS]
    return "".join(words) if words else " "


def _asterisk_run(m: re.Match) -> str:
    text = m.string
    b, e = m.start(), m.end()
    if 0 < b and e < len(text) and text[b - 1].isalpha() and text[e].isalpha():
        return ""                     # f**k, co_nnard
    return m.group(0)


def _final_pass(text: str, c: np.ndarray | None = None, cls: np.ndarray | None = None) -> str:
    """Char-local clean-up on code points: drop combining marks, squeeze
    repeated letters to one, cap !!!/???/... at two, collapse whitespace.
    ``c`` / ``cls``: the code points of ``text`` and their classes, if known."""
    if c is None:
        c = _codes(text)
    if len(c) == 0:
        return text
    if cls is None:
        cls = classes(c)
    if not text.isascii():
        keep = (cls & C_COMB) == 0
        if not keep.all():
            c, cls = c[keep], cls[keep]
    # whitespace -> single space (NUL separators are not whitespace)
    ws = (cls & C_WS).astype(bool)
    c = np.where(ws, np.uint32(32), c).astype(np.uint32)
    same_prev = np.empty(len(c), dtype=bool)
    same_prev[0] = False
    np.equal(c[1:], c[:-1], out=same_prev[1:])
    drop = same_prev & ((cls & C_LOWER).astype(bool) | ws)
    # !!!!, ????, .... -> two
    if len(c) > 2:
        same_prev2 = same_prev.copy()
        same_prev2[1] = False
        same_prev2[2:] &= same_prev[1:-1]
        drop |= (cls & C_PUNCT).astype(bool) & same_prev2
    if drop.any():
        c = c[~drop]
    return _from_codes(c)


def _on_non_ascii_docs(text: str, fn) -> str:
    """``fn(text)`` for a doc-local ``fn`` that leaves ASCII documents
    unchanged: applied to the NUL-joined non-ASCII documents only."""
    if text.isascii():
        return fn(text)
    parts = text.split(SEP)
    if len(parts) < 2:
        return fn(text)
    na = [i for i, p in enumerate(parts) if not p.isascii()]
    if len(na) == len(parts):
        return fn(text)
    res = fn(SEP.join([parts[i] for i in na])).split(SEP)
    if len(res) != len(na):           # defensive: fn must keep the separators
        return fn(text)
    for i, r in zip(na, res):
        parts[i] = r
    return SEP.join(parts)


def _fold_unicode(text: str) -> str:
    """Look-alikes, symbols and compatibility forms (before lower-casing)."""
    if not text.isascii():
        text = _ZERO_WIDTH_RE.sub("", text)
        text = _SYMBOL_RUN_RE.sub(_symbol_run, text)
        text = _CONF_RE.sub(_conf_map, text)
        # NFKC folds full-width and mathematical alphanumerics to plain letters
        text = unicodedata.normalize("NFKC", text)
        text = _CONF_RE.sub(_conf_map, text)
    return text


def _strip_accents(text: str) -> str:
    """NFKD, drop combining marks, look-alikes again (after lower-casing)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        c = _codes(text)
        drop = np.zeros(len(c), dtype=bool)
        for lo, hi in COMBINING_RANGES:
            drop |= (c >= lo) & (c <= hi)
        if drop.any():
            text = _from_codes(c[~drop])
        if not text.isascii():
            text = _CONF_RE.sub(_conf_map, text)
    return text


def _normalize_joined(text: str) -> str:
    """Normalize a string holding one or many comments joined by NUL.  Every
    step works on the whole batch at once (regexes anchored on rare literal
    characters, numpy masks for the char-local steps); no step crosses a NUL."""
    text = strip_markup(text)
    if "`" in text:
        text = text.replace("`", "'")
    # the Unicode steps only touch non-ASCII documents: run them on those
    text = _on_non_ascii_docs(text, _fold_unicode)
    text = text.lower()
    text = _on_non_ascii_docs(text, _strip_accents)
    if "xuserx" in text:
        text = _RT_RE.sub(_rt_prefix, text)
    text = replace_urls_emails(text)
    if "#" in text:
        text = _HASHTAG_RE.sub(r" \1 ", text)
    for ch, pat in _ASTERISK_PATS:
        if ch in text:
            text = pat.sub(_asterisk_run, text)
    codes = _codes(text)
    cls = classes(codes)
    new = _deleet_all(text, codes, cls)
    if new is not text:
        text = new
        codes = _codes(text)
        cls = classes(codes)
    if _has_split_hint(codes, cls):
        new = _join_split_all(text, codes, cls)
        if new is not text:
            text = new
            codes = _codes(text)
            cls = classes(codes)
    return _final_pass(text, codes, cls)


def normalize_batch(texts: list[str]) -> list[str]:
    """Canonical forms used for every feature (same result as ``normalize``
    on each text, much faster on many short texts)."""
    if not texts:
        return []
    joined = SEP.join((t or "").replace(SEP, " ") for t in texts)
    out = _normalize_joined(joined).replace(" " + SEP, SEP).replace(SEP + " ", SEP).split(SEP)
    if len(out) != len(texts):     # defensive: a step must never drop a separator
        return [normalize(t) for t in texts]
    out[0] = out[0].lstrip()
    out[-1] = out[-1].rstrip()
    return out


def normalize(text: str) -> str:
    """Canonical form of one comment (see the module docstring)."""
    if not text:
        return ""
    return _normalize_joined(text.replace(SEP, " ")).strip()


_NON_LETTER_RE = re.compile(r"[^a-z]+")


def skeleton(text: str) -> str:
    """Letters-only key used for deduplication / near-copy grouping."""
    return _NON_LETTER_RE.sub("", normalize(text).replace("xurlx", "").replace("xemailx", ""))


_EMJ_WORD_RE = re.compile(r"\bemj[a-z]+\b")
_STRETCH_RE = re.compile(r"([^\W\d_])\1{2,}")
_SINGLE = frozenset("aiuyàâîïùûÿ")       # letters English and French never double


def _unstretch(m: re.Match) -> str:
    c = m.group(1)
    return c if c in _SINGLE else c + c


def readable(text: str) -> str:
    """What the sentence encoder reads: the comment lower-cased with its
    evasions undone -- look-alike, full-width and zero-width characters,
    leetspeak inside words, letters split by separators, letters stretched
    past two (to one for a/i/u/y, else two) -- but accents, punctuation and spellings kept (``normalize``
    folds accents and squeezes every double letter: right for n-grams, not
    for a model that reads words)."""
    if not text:
        return ""
    t = text.replace(SEP, " ")
    if not t.isascii():
        t = _fold_unicode(t)
        if "emj" in t:
            t = _EMJ_WORD_RE.sub(" ", t)
    t = t.lower()
    codes = _codes(t)
    cls = classes(codes)
    new = _deleet_all(t, codes, cls)
    if new is not t:
        t = new
        codes = _codes(t)
        cls = classes(codes)
    if _has_split_hint(codes, cls):
        t = _join_split_all(t, codes, cls)
    return _STRETCH_RE.sub(_unstretch, t)

