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


def frame_signals(texts: list[str]) -> np.ndarray:
    """(n, len(FRAME_NAMES)) float64: cue counts capped at 2."""
    out = np.zeros((len(texts), len(FRAME_NAMES)), dtype=np.float64)
    for i, t in enumerate(texts):
        s = (t or "")[:3000]
        out[i, 0] = min(2, len(_NEG_RE.findall(s)))
        out[i, 1] = min(2, len(_REPORT_RE.findall(s)))
    return out
