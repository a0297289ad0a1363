"""Span explanations: which words drove each score.

Occlusion: the comment is re-scored once per word with that word blanked out
(all variants in one batch; see :func:`explain_item` for how function words
such as "tu", "es", "you", "are" are kept from taking the credit of the
insult they form a bigram with).  A span's score for a label is how much the
label's logit drops without it, so it answers "what made this comment look
toxic?".  Quality against human rationales: ``python -m models.explain_eval``.  Offsets are
character offsets into the ORIGINAL text (obfuscated words such as
``c.o.n.n.a.r.d`` or ``c o n n a r d`` are kept as one span).
"""
from __future__ import annotations

import re

import numpy as np

from .lang import detect_language

__all__ = ["explain_item", "spans_of", "FUNCTION_WORDS", "is_function_word"]

# single letters split by separators (kept as one span), else any run of non-space
_SPAN_RE = re.compile(r"(?<!\S)(?:\w[ .\-_*·•|/~]{1,2}){2,}\w(?!\S)|\S+")
_EDGE_PUNCT = "\"'«»“”‘’()[]{}<>,.;:!?…-_*~"
MAX_SPANS = 300
MIN_SPAN_SCORE = 0.35
BASELINE_LOGIT = float(np.log(0.1 / 0.9))   # a neutral comment: score 0.1
MIN_LABEL_SCORE = 0.2
REL_SPAN_DELTA = 0.6     # also keep spans with >= 60% of the label's strongest span's delta ...
MIN_SPAN_DELTA = 0.3     # ... and at least this logit drop (score >= 0.13)

# Pronouns, determiners, auxiliaries / modals, prepositions, conjunctions and
# particles (French + English).  They carry no meaning of their own: when
# they move a score it is through the word bigram they form with a
# neighbour ("tu es", "you are"), so they are not what a moderator marks.
FUNCTION_WORDS = frozenset("""
le la les l un une des du de d au aux ce cet cette ces ça ca cela ceci celui celle ceux celles mon ma mes ton ta tes
son sa ses notre nos votre vos leur leurs quel quelle quels quelles
je j tu t il elle on nous vous ils elles me m te se s moi toi lui eux y en soi
qui que qu quoi dont où ou et mais donc or ni car si comme quand lorsque puisque
à a dans par pour sur sous avec sans chez vers entre contre depuis pendant avant après
ne n pas plus jamais rien
suis es est sommes êtes etes sont étais était etait étions étiez étaient été ete être etre sera seras serait seront
ai as avons avez ont avais avait avaient eu avoir aura auras aurait
c'est cest c'était t'es tes t'as j'suis chui j'ai jai n'est nest qu'il quil qu'elle s'il
the a an this that these those some any each every either neither no
i me my mine myself you your yours yourself yourselves u ur he him his himself she her hers herself it its itself
we us our ours ourselves they them their theirs themselves one
who whom whose which what that there here
is am are was were be been being isn't aren't wasn't weren't ain't
do does did done doing don't doesn't didn't
have has had having haven't hasn't hadn't
will would shall should can could may might must won't wouldn't can't cannot couldn't shouldn't
i'm im you're youre he's she's it's we're they're i've you've we've they've i'll you'll he'll she'll it'll
we'll they'll i'd you'd he'd she'd we'd they'd that's there's what's who's let's
of to in on at by for with from into onto about as than like through over under
and or but nor so if then because while though although not
""".split())
_ELIDED_PARTS = frozenset("l j d c n m s t qu jusqu lorsqu puisqu re ve ll don doesn didn isn aren wasn weren "
                          "won wouldn can couldn shouldn haven hasn hadn ain".split())
_APOS = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def is_function_word(word: str) -> bool:
    """True for a pronoun / determiner / auxiliary / preposition / conjunction
    (or an elision of them: ``t'es``, ``qu'il``, ``you're``)."""
    w = word.strip(_EDGE_PUNCT).lower().translate(_APOS)
    if not w:
        return False
    if w in FUNCTION_WORDS:
        return True
    if "'" in w:
        parts = [p for p in w.split("'") if p]
        return bool(parts) and all(p in FUNCTION_WORDS or p in _ELIDED_PARTS for p in parts)
    return False


def spans_of(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _SPAN_RE.finditer(text):
        b, e = m.start(), m.end()
        while b < e and text[b] in _EDGE_PUNCT:
            b += 1
        while e > b and text[e - 1] in _EDGE_PUNCT:
            e -= 1
        if e > b:
            out.append((b, e))
    return out[:MAX_SPANS]


def _blank(text: str, spans) -> str:
    """``text`` with every span replaced by one space (spans sorted, disjoint)."""
    parts, pos = [], 0
    for b, e in spans:
        parts.append(text[pos:b])
        parts.append(" ")
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


def _span_score(delta: float) -> float:
    return float(1.0 / (1.0 + np.exp(-(BASELINE_LOGIT + min(max(delta, 0.0), 40.0)))))


def explain_item(model, item: dict, top_k: int = 10, labels=None, min_label_score: float = MIN_LABEL_SCORE,
                 min_span_score: float = MIN_SPAN_SCORE, rel_span_delta: float = REL_SPAN_DELTA,
                 min_span_delta: float = MIN_SPAN_DELTA) -> list[dict]:
    """Spans of ``item["text"]`` that drove each text label's score.

    Occlusion in logit space (the stacked logit of each label: n-gram and,
    in the ``full`` profile, semantic heads), all variants in ONE
    ``model.label_logits`` batch: the text with each span blanked out, and -- when the text mixes
    function words (:data:`FUNCTION_WORDS`) and content words -- the text
    with every function word blanked, alone and with each content word
    blanked too.  A span's ``delta`` for a label is how much blanking it
    lowers the label's logit:

    * content word: the mean of its effect in the full text and in the text
      without function words (a two-context Shapley estimate).  The model
      reads word bigrams ("tu es", "you are") and 1/sqrt(n)-normalised
      counts, so in the full text an insult's effect is partly masked by the
      function words around it ("Tu es un connard": blanking "connard"
      leaves "tu es un", which still scores high); the second context
      credits the insult with its own weight.
    * function word: its effect in the full text.  Function-word spans are
      reported only above the absolute bar (``min_span_score``) and when no
      content word explains the label about as well (a text whose score
      comes from "tu es" alone still gets an honest answer).

    The span's ``score`` is sigmoid(logit(0.1) + delta): the score a neutral
    comment (0.1) would reach with that span's contribution added -- a
    smooth, probability-like number that does not saturate when a comment
    holds several insults (delta 1.6 -> 0.35, 3 -> 0.69, 6 -> 0.98).

    Labels: ``labels`` if given; else the labels whose score reaches the
    default policy's hold threshold (``model.hold_threshold``: the label that
    caused the hold explains it); else every label scoring at least
    ``min_label_score``.  Per label, content
    spans are kept when delta >= ``min_span_score``'s delta, or when delta
    is at least ``rel_span_delta`` x the label's strongest content span and
    ``min_span_delta``:
    in a long comment each word moves the normalised score less, yet the
    strongest words are still what a moderator would mark."""
    text = item.get("text") or ""
    spans = spans_of(text)
    if not spans:
        return []
    lang = item.get("lang") or detect_language(text)
    n = len(spans)
    fw = np.array([is_function_word(text[b:e]) for b, e in spans], dtype=bool)
    content = np.flatnonzero(~fw)
    texts = [text] + [_blank(text, [sp]) for sp in spans]
    two = bool(fw.any() and len(content))
    if two:
        fspans = [spans[k] for k in np.flatnonzero(fw)]
        texts.append(_blank(text, fspans))
        texts += [_blank(text, sorted(fspans + [spans[k]])) for k in content]
    Z = model.label_logits(texts, lang)
    heads = list(model.text_heads)
    full_p = {lab: float(model.calibrate_label(lab, Z[:1, heads.index(lab)])[0]) for lab in heads}
    held: list = []
    if labels is None:
        # the labels that hold this comment under the default policy; if none does, every
        # label that scores at least min_label_score
        held = [lab for lab in heads if full_p[lab] >= model.hold_threshold(lab)]
        labels = held or [lab for lab in heads if full_p[lab] >= min_label_score]
        min_label_score = 0.0
    labels = [lab for lab in labels if lab in heads]
    abs_delta = float(np.log(min_span_score / (1.0 - min_span_score)) - BASELINE_LOGIT)
    out = []
    for lab in labels:
        if full_p[lab] < min_label_score:
            continue
        j = heads.index(lab)
        delta = Z[0, j] - Z[1:n + 1, j]
        if two:
            delta = delta.copy()
            delta[content] = 0.5 * (delta[content] + (Z[n + 1, j] - Z[n + 2:, j]))
        pos = delta > 0
        c_cand = np.flatnonzero(pos & ~fw)
        f_cand = np.flatnonzero(pos & fw)
        best_c = float(delta[c_cand].max()) if len(c_cand) else 0.0
        # content words: the strongest ones, even when a long comment dilutes each word's effect
        c_cand = c_cand[delta[c_cand] >= min(abs_delta, max(min_span_delta, rel_span_delta * best_c))]
        # function words: only above the absolute bar, and only when no content word explains
        # the label about as well (the model reacts to "tu es" itself)
        f_cand = f_cand[(delta[f_cand] >= abs_delta) & (rel_span_delta * delta[f_cand] > best_c)]
        cand = np.concatenate([c_cand, f_cand])
        if not len(cand) and lab in held and pos.any():
            # a held comment is always explained: no word clears the bars when the score
            # comes from all of them together ("tu es une"), so the strongest one is shown
            cand = np.array([int(np.argmax(np.where(pos, delta, -np.inf)))])
        for k in cand[np.argsort(-delta[cand], kind="mergesort")][:top_k]:
            b, e = spans[k]
            out.append({"begin": int(b), "end": int(e), "label": lab, "score": round(_span_score(float(delta[k])), 4),
                        "text": text[b:e]})
    out.sort(key=lambda s: (-s["score"], s["begin"], s["label"]))
    return out
