"""How a comment frames what it says: negated, or reported and condemned.

"I don't hate them" and "calling them rats is hateful" carry the words of an
attack without making one.  The heads see the words; these two cues tell the
stacker (``stacking.py``) how the sentence holds them:

- ``frame:negated``: a negation cue (``not``, ``never``, ``ne ... pas``,
  ``jamais``, "it is false that", ...);
- ``frame:reported``: quoted or reported speech and condemnation (quote marks,
  "saying that", "je dénonce", "racist", "propagande", ...).

- ``frame:negated_scope``: the negation governs the word the n-gram
  toxicity head blames most (``blame``): a negator up to three words before
  it ("I don't hate", "tu n'es pas un idiot", "je ne déteste pas les ...")
  or up to two after it, the predicate of its clause ("refugees are not ...",
  "les X ne sont pas ..."); "Not sure why, but you are an idiot" does not count.

The first two are 0, 1 or 2 (two or more cues); the scoped cue 0 or 1.  Their weights, alone and times the
toxicity logits, are learned on out-of-fold rows like every other input:
the cues only lower a score where the training data says they should.
Word lists are Colombe's own; text is lower-cased, accents kept.
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np

__all__ = ["FRAME_NAMES", "frame_signals"]

FRAME_NAMES = ("negated", "reported", "negated_scope")

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


_WORD_RE = re.compile(r"\w+")
# negators as single tokens (apostrophes split words: "don't" -> don, t; "n'est" -> n, est)
_NEG_TOKENS = frozenset("not never no nobody none nothing neither nor cannot ne n pas jamais aucun aucune rien ni "
                        "guère".split())
_NT_HEADS = frozenset("don doesn didn isn aren wasn weren won wouldn can couldn shouldn haven hasn hadn ain mustn "
                      "needn".split())
SCOPE_WINDOW = 3
SCOPE_AFTER = 2


def _tokens(text: str) -> list[str]:
    return _WORD_RE.findall((text or "")[:3000].lower())


# a negated imperative still insults ("don't be an idiot", "ne sois pas si con")
_IMPERATIVE_BE = frozenset("be sois soyez".split())


def _negator_at(toks: list[str], i: int) -> bool:
    t = toks[i]
    return t in _NEG_TOKENS or (t == "t" and i > 0 and toks[i - 1] in _NT_HEADS)


def _scope_negator_at(toks: list[str], i: int) -> bool:
    """A negator that can take back the blamed word: not a negated imperative."""
    if not _negator_at(toks, i):
        return False
    return not {toks[j] for j in (i - 1, i + 1) if 0 <= j < len(toks)} & _IMPERATIVE_BE


def _scoped(toks: list[str], blame: dict[str, float]) -> float:
    """1.0 when a negator stands up to SCOPE_WINDOW words before the most
    blamed content word or up to SCOPE_AFTER words after it (function words and negators are never blamed)."""
    from .explain import is_function_word
    best, k = 0.0, -1
    for i, t in enumerate(toks):
        if _negator_at(toks, i) or is_function_word(t):
            continue
        v = blame.get(t, 0.0)
        if v > best:
            best, k = v, i
    if k < 0:
        return 0.0
    return float(any(_scope_negator_at(toks, i) for i in range(max(0, k - SCOPE_WINDOW), min(len(toks), k + SCOPE_AFTER + 1))
                     if i != k))


def frame_signals(texts: list[str], blame: Callable[[list[str]], np.ndarray] | None = None) -> np.ndarray:
    """(n, len(FRAME_NAMES)) float64.  ``blame(words)``: the n-gram toxicity
    head's logit of each word alone, minus its bias (without it the scoped
    cue stays 0)."""
    out = np.zeros((len(texts), len(FRAME_NAMES)), dtype=np.float64)
    toks = [_tokens(t) for t in texts]
    for i, t in enumerate(texts):
        s = (t or "")[:3000]
        out[i, 0] = min(2, len(_NEG_RE.findall(s)))
        out[i, 1] = min(2, len(_REPORT_RE.findall(s)))
    if blame is None:
        return out
    neg = [i for i, tk in enumerate(toks) if any(_negator_at(tk, j) for j in range(len(tk)))]
    words = sorted({w for i in neg for w in toks[i]})
    if not words:
        return out
    table = dict(zip(words, np.asarray(blame(words), dtype=np.float64).tolist()))
    for i in neg:
        out[i, 2] = _scoped(toks[i], table)
    return out
