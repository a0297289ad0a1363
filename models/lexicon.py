"""Colombe's own lexicon of abusive words, French and English.

The n-gram heads learn words from the training sets, with the weights those
sets' style gives them.  A word list is the same on every blog: these counts
give the stacker (``stacking.py``) a prior that does not depend on which
dataset a comment resembles.  Three cues, each a count capped at 2:

- ``lex:insult``: words and phrases that insult a person ("idiot",
  "connard", "ta gueule", slurs against a group);
- ``lex:obscene``: swearing and sexual vulgarity ("fuck", "putain", ...);
- ``lex:targeted``: an insult aimed at someone: a second-person phrase, a
  pointer ("ce", "these") or "espèce de", "bande de", "sale" at most three
  words before an insult word ("you are such an idiot", "t'es qu'un con").

Words that name a group neutrally (Jewish, musulman, gay, ...) are never in
these lists: naming a group is not abuse.  Words with a common harmless sense
("rat", "tâche", "nul", "ordures ménagères", "bite" in
English) and words that the normalization would merge with a harmless one
("Niger", "tu as", "tant pis") are left out.  How much each cue
weighs is learned by the stacker on dataset-held-out rows, like every input.

Entries are matched as whole words on the normalized text (``text.normalize``:
lower case, no accents, evasions undone, repeated letters squeezed), each
entry normalized the same way once.  The lists are Colombe's own.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

__all__ = ["LEX_NAMES", "lexicon_signals"]

LEX_NAMES = ("insult", "obscene", "targeted")

_INSULT_WORDS = """
idiot idiots idiotic moron morons moronic imbecile imbeciles cretin cretins dumbass dumbasses dumb stupid
stupidest retard retards retarded loser losers jerk jerks asshole assholes arsehole arseholes bastard bastards
bitch bitches dickhead dickheads douchebag douchebags scumbag scumbags scum creep creeps pervert perverts
clown clowns buffoon buffoons fool fools halfwit nitwit dimwit numbskull twit twat twats wanker wankers prick
pricks cunt cunts slut sluts whore whores skank hoes swine vermin cockroaches parasite parasites degenerate
degenerates lowlife lowlifes hypocrite hypocrites liar liars coward cowards pathetic worthless brainless
clueless shithead shitheads dipshit dipshits airhead bonehead blockhead knucklehead meathead pinhead nigga
niggas kike kikes faggot faggots fag fags dyke dykes tranny trannies spic spics chink chinks wetback wetbacks
raghead ragheads towelhead towelheads sandnigger paki pakis gook gooks idiote idiotes imbécile imbéciles
crétin crétine crétins crétines débile débiles abruti abrutie abrutis abruties connard connards connasse
connasses conasse conasses salaud salauds salope salopes salopard salopards enfoiré enfoirée enfoirés
enfoirées ordure pourriture pourritures raclure raclures bâtard bâtarde bâtards minable minables naze nazes
tocard tocards blaireau blaireaux bouffon bouffons guignol guignols andouille andouilles couillon couillons
gogol gogols triso trisomique attardé attardée attardés cinglé cinglés pute putes catin grognasse pouffiasse
pouffiasses pétasse pétasses vermine menteur menteuse menteurs menteuses ignare ignares inculte incultes
merdeux merdeuse pignouf plouc ploucs beauf beaufs bouseux crevard crevards nègre nègres bougnoule bougnoules
bicot bicots youpin youpins youtre pédé pédés tapette tapettes tarlouze tarlouzes gouine gouines enculé
enculés fiotte fiottes
"""
_INSULT_PHRASES = (
    "piece of shit", "piece of crap", "son of a bitch", "waste of space", "waste of oxygen", "shut up",
    "shut the fuck up", "go to hell", "go die", "kill yourself", "drop dead", "fils de pute",
    "fils de chienne", "sous merde", "tas de merde", "ferme ta gueule", "ta gueule", "va te faire foutre",
    "va crever", "va mourir", "casse toi", "nique ta mère", "ntm",
)

_OBSCENE_WORDS = """
fuck fucks fucked fucker fuckers fucking fuckin motherfucker motherfuckers motherfucking fck fuk wtf stfu shit
shits shitty bullshit crap crappy damn goddamn dick dicks cock cocks pussy pussies tits arse arses wank
wanking jerkoff blowjob porn porno horny bollocks bugger pissed merde merdes merdique putain putains bordel
chier chiant chiante chiants foutre foutu foutue nique niquer niquez niker couille couilles teub zob chatte
enculer branler branleur branleurs branlette fdp ptn
"""

# what an insult is aimed with: "you are an idiot", "t'es qu'un con", "espèce de ..."
_TARGETS = (
    "you", "you are", "you re", "youre", "your", "ur", "u", "u r", "ya", "he is", "he s", "she is", "she s",
    "they are", "they re", "what a", "what an", "such a", "such an", "bunch of", "this", "that", "these",
    "those", "dirty", "stupid", "little", "fucking", "t es", "tu es", "tes", "vous etes", "vous êtes",
    "espèce de", "espece d", "bande de", "sale", "sales", "gros", "grosse", "pauvre", "quel", "quelle",
    "quels", "quelles", "ce", "cette", "ces", "il est", "elle est", "ils sont", "elles sont", "qu un",
    "qu une", "que des", "c est un", "c est une",
)

# "con" is an insult only when aimed at someone ("quel con", "t'es con"): elsewhere it is a word of other languages
_AIMED_ONLY = "con cons conne connes"


_CON = frozenset({"con", "cons", "cone", "cones"})     # normalized: "conne" squeezes to "cone"


def _tokens(s: str) -> list[str]:
    return re.findall(r"\w+", s)


def _entries(phrases) -> set[tuple[str, ...]]:
    """Each word or phrase as its normalized tokens."""
    from .text import normalize
    return {t for t in (tuple(_tokens(normalize(p))) for p in phrases) if t}


@lru_cache(maxsize=1)
def _tables():
    insult = _entries(_INSULT_WORDS.split() + list(_INSULT_PHRASES))
    obscene = _entries(_OBSCENE_WORDS.split())
    targets = _entries(_TARGETS)
    aimed = insult | _entries(_AIMED_ONLY.split())
    tables = (insult, obscene, targets, aimed)
    return tables, tuple(frozenset(e[-1] for e in t) for t in tables), frozenset(e[0] for e in aimed)


def _matches(toks: list[str], table: set[tuple[str, ...]], last: frozenset) -> list[int]:
    """End positions of the entries of ``table`` (1 to 4 tokens) in ``toks``;
    ``last``: the entries' last tokens (most words are in no entry)."""
    ends = []
    for i, tok in enumerate(toks):
        if tok not in last:
            continue
        for n in (1, 2, 3, 4):
            if i + 1 - n < 0:
                break
            if tuple(toks[i + 1 - n: i + 1]) in table:
                ends.append(i)
                break
    return ends


def _starts(toks: list[str], table: set[tuple[str, ...]], first: frozenset) -> list[int]:
    starts = []
    for i, tok in enumerate(toks):
        if tok not in first:
            continue
        for n in (1, 2, 3, 4):
            if tuple(toks[i: i + n]) in table:
                starts.append(i)
                break
    return starts


def lexicon_signals(norms: list[str]) -> np.ndarray:
    """(n, len(LEX_NAMES)) float64 from normalized texts: counts capped at 2."""
    (insult, obscene, targets, aimed), (l_ins, l_obs, l_tg, _), f_aimed = _tables()
    out = np.zeros((len(norms), len(LEX_NAMES)), dtype=np.float64)
    for i, t in enumerate(norms):
        toks = _tokens((t or "")[:3000])
        if not toks:
            continue
        out[i, 0] = min(2, len(_matches(toks, insult, l_ins)))
        out[i, 1] = min(2, len(_matches(toks, obscene, l_obs)))
        aimed_at = _starts(toks, aimed, f_aimed)
        if aimed_at:
            target_ends = set(_matches(toks, targets, l_tg))
            hits = [j for j in aimed_at if any((j - k - 1) <= 3 and k < j for k in target_ends)]
            out[i, 2] = min(2, len(hits))
            # an aimed "con" is an insult too
            out[i, 0] = min(2, out[i, 0] + sum(1 for j in hits if toks[j] in _CON))
    return out
