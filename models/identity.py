"""Does a comment name an identity group?

Hate-speech sets label many comments that name a group, and few clean ones
that do (in Fox News comments, 56 % of the comments naming a group are toxic
against 24 % of the others).  A head fitted on them learns that naming a group
is toxic, and the default policy then holds "Refugees are welcome here."
The remedy measured in ``heads.head_rows`` (``identity_reweight``) is
instance weighting (Zhang et al., 2020, "Demographics should not be the
reason of toxicity"): inside each dataset, the rows that name a group are
reweighted so that they are toxic as often as the dataset's other rows.

This module only answers the question, on the normalized text
(``text.normalize``), with Colombe's own list of French and English words
for religions, origins, sexual orientations, gender identities, sex and
disability.  Words with a common other sense are left out ("black", "noir",
"white", "blanc", "homme", "men").
"""
from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["GROUP_WORDS", "names_group"]

GROUP_WORDS = """
muslim muslims islam islamic jew jews jewish judaism christian christians catholic catholics protestant
protestants hindu hindus buddhist buddhists atheist atheists sikh sikhs immigrant immigrants migrant migrants
refugee refugees foreigner foreigners asylum arab arabs african africans asian asians latino latinos latina
latinas mexican mexicans hispanic hispanics chinese indian indians pakistani pakistanis palestinian palestinians
israeli israelis roma gypsy gypsies gay gays lesbian lesbians homosexual homosexuals homosexuality bisexual
bisexuals transgender transgenders trans queer queers lgbt lgbtq women woman female females feminist feminists
disabled handicapped disability wheelchair
musulman musulmane musulmans musulmanes islamiste islamistes juif juive juifs juives judaïsme chrétien
chrétienne chrétiens chrétiennes catholique catholiques protestant protestante protestants protestantes hindou
hindous bouddhiste bouddhistes athée athées immigré immigrée immigrés immigrées immigration migrant migrante
migrants migrantes réfugié réfugiée réfugiés réfugiées étranger étrangère étrangers étrangères arabe arabes
africain africaine africains africaines asiatique asiatiques maghrébin maghrébine maghrébins maghrébines
chinois chinoise chinoises algérien algérienne algériens algériennes marocain marocaine marocains marocaines
palestinien palestinienne palestiniens palestiniennes israélien israélienne israéliens israéliennes rom roms
tsigane tsiganes gitan gitane gitans gitanes homosexuel homosexuelle homosexuels homosexuelles homosexualité
lesbienne lesbiennes bisexuel bisexuelle bisexuels bisexuelles transgenre transgenres femme femmes féministe
féministes handicapé handicapée handicapés handicapées handicap
"""


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    from .text import normalize
    words = sorted({normalize(w) for w in GROUP_WORDS.split()} - {""}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


def names_group(norm: str) -> bool:
    """True when the normalized text names an identity group."""
    return bool(_pattern().search(norm))
