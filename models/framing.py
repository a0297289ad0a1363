"""How a comment frames what it says: negated, or reported and condemned.

"I don't hate them" and "calling them rats is hateful" carry the words of an
attack without making one.  The heads see the words; these two cues tell the
stacker (``stacking.py``) how the sentence holds them:

- ``frame:negated``: a negation cue (``not``, ``never``, ``ne ... pas``,
  ``jamais``, "it is false that", ...);
- ``frame:reported``: quoted or reported speech and condemnation (quote marks,
  "saying that", "je dénonce", "racist", "propagande", ...).

Each is 0, 1 or 2 (two or more cues).  Their weights, alone and times the
toxicity logits, are learned on out-of-fold rows like every other input:
the cues only lower a score where the training data says they should.
Word lists are Colombe's own; text is lower-cased, accents kept.
"""
from __future__ import annotations

import re

import numpy as np

__all__ = ["FRAME_NAMES", "frame_signals"]

FRAME_NAMES = ("negated", "reported")

_NEG_RE = re.compile(
    r"(?i)(?:\b(?:not|never|no|nobody|none|nothing|neither|nor|cannot|untrue|false|myth|"
    r"pas|jamais|personne|aucun|aucune|rien|ni|faux|fausse|mythe)\b|n't\b|\bn['’])")
_REPORT_RE = re.compile(
    r"(?i)(?:[\"«»“”„]|\b(?:say|says|saying|said|claim|claims|claiming|call|calls|calling|called|label|labels|"
    r"labelling|describe|describes|described|write|writes|wrote|written|repeat|repeating|reported|report|"
    r"condemn|condemns|denounce|denounces|racist|racism|bigot|bigotry|bigoted|hateful|prejudice|stereotype|"
    r"stereotypes|propaganda|ashamed|shameful|unacceptable|dehumanising|dehumanizing|antisemitism|islamophobia|"
    r"homophobia|xenophobia|discrimination|"
    r"dire|dit|disent|disant|affirmer|affirme|prétendre|prétend|traiter|traite|traitent|traitant|qualifier|"
    r"qualifie|écrire|écrit|écrivent|répéter|répète|signalé|signaler|signale|dénonce|dénoncer|dénoncent|"
    r"condamne|condamner|raciste|racistes|racisme|haineux|haineuse|préjugé|préjugés|stéréotype|stéréotypes|"
    r"propagande|honte|honteux|honteuse|inacceptable|intolérable|amalgame|amalgames|antisémitisme|islamophobie|"
    r"homophobie|xénophobie|discrimination)\b)")


# The two patterns above define the cues.  Counting them with ``re`` costs about 70 us a
# comment (a long alternation tried at every position), a fifth of the `fast` profile's
# time; the same counts come from the words of the text looked up in two sets, plus the
# few cues that are not whole words.  tests/models/test_model_parts.py checks that both
# ways give the same counts.
def _alternatives(pattern: re.Pattern) -> frozenset:
    inner = pattern.pattern.split(r"\b(?:", 1)[1].split(r")\b", 1)[0]
    return frozenset(inner.split("|"))


_NEG_WORDS = _alternatives(_NEG_RE)
_REPORT_WORDS = _alternatives(_REPORT_RE)
_NEG_APOS_RE = re.compile(r"(?i)n't\b|\bn['’]")
_QUOTES = "\"«»“”„"
_WORD_RE = re.compile(r"\w+")


def _counts(s: str) -> tuple[int, int]:
    neg = len(_NEG_APOS_RE.findall(s)) if "'" in s or "’" in s else 0
    rep = sum(s.count(q) for q in _QUOTES)
    for w in _WORD_RE.findall(s.lower()):
        if w in _NEG_WORDS:
            neg += 1
        if w in _REPORT_WORDS:
            rep += 1
    return neg, rep


def frame_signals(texts: list[str]) -> np.ndarray:
    """(n, len(FRAME_NAMES)) float64: cue counts capped at 2."""
    out = np.zeros((len(texts), len(FRAME_NAMES)), dtype=np.float64)
    for i, t in enumerate(texts):
        neg, rep = _counts((t or "")[:3000])
        out[i, 0] = min(2, neg)
        out[i, 1] = min(2, rep)
    return out
