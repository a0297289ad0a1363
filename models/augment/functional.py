"""Negation, counter-speech and attacks on groups, French and English, written
for Colombe (training augmentation, never evaluation).

Why: in the shared sets a sentence that names a group and a slur or a hateful
claim is nearly always toxic, so a model learns the words and not what the
sentence does with them.  Following the functional categories of Roettger et
al. (2021, HateCheck), this module writes pairs that differ in what matters:

- clean: negated hate ("I don't hate {G}", "Il est faux de dire que {G} sont
  des parasites"), counter-speech and reported speech ("calling {G} vermin is
  hateful"), positive statements about groups;
- toxic: the direct statements (hate, dehumanisation, calls for violence),
  and threats against a person ("deserves to be shot").

Templates and word lists are the project's own; the sentences used by the
tests (``tests/models/test_functional_sentences.py``) are written apart from
these templates and a test checks that none of them is a training row.
Deterministic (seeded); MIT like the code.
"""
from __future__ import annotations

import random

from .neutral import EN_GROUPS, FR_GROUPS

__all__ = ["functional_rows"]

EN_BAD_NOUNS = ["vermin", "parasites", "animals", "rats", "scum", "a disease", "subhuman", "filth", "cockroaches"]
EN_BAD_ADJ = ["disgusting", "worthless", "inferior", "dangerous criminals", "a plague on this country", "stupid"]
FR_BAD_NOUNS = ["des parasites", "des animaux", "des rats", "des sous-hommes", "une vermine", "des cafards",
                "une plaie", "des déchets"]
FR_BAD_ADJ = ["répugnants", "inférieurs", "tous des criminels", "une honte pour ce pays", "tous des voleurs", "débiles"]

# bare forms for "calling {G} {B}" / "traiter {G} de {B}", adjectives that agree with a plural group
EN_BARE = ["vermin", "parasites", "animals", "rats", "scum", "cockroaches", "savages", "filth"]
EN_PURE_ADJ = ["disgusting", "worthless", "inferior", "dangerous", "stupid", "lazy", "violent", "dirty"]
FR_BARE = ["parasites", "vermine", "rats", "sous-hommes", "cafards", "animaux", "déchets", "sauvages"]
FR_PURE_ADJ = ["répugnants", "inférieurs", "dangereux", "stupides", "paresseux", "violents", "sales", "bêtes"]

EN_HATE = ["I hate {G}.", "{G} are {N}.", "All {G} are {A}.", "{G} should be thrown out of this country.",
           "I can't stand {G}, they are {N}.", "We need to get rid of {G} once and for all.",
           "{G} are {A} and always will be.", "Honestly, {G} make me sick."]
EN_NEGATED = ["I don't hate {G}.", "{G} are not {N}.", "It is simply false that {G} are {A}.",
              "I would never say that {G} are {N}.", "Nobody should claim that {G} are {A}.",
              "No, {G} are not {A}, and the statistics show it.", "I have never hated {G} and never will.",
              "There is no reason at all to think {G} are {A}."]
EN_COUNTER = ["Calling {G} {N} is hateful and wrong.", "Saying that {G} are {A} is pure bigotry.",
              "The comment above says {G} are {N}; that is disgusting and I reported it.",
              "People who write that {G} are {N} should be ashamed of themselves.",
              "\"{G} are {N}\" is exactly the kind of hate speech this blog should not publish.",
              "I'm tired of reading that {G} are {A}. It is not true.",
              "My grandfather heard people call {G} {N} in the 1930s; we know where that led.",
              "If you think {G} are {A}, please read some history first.",
              "Anyone who calls {G} {N} is spreading propaganda, not an opinion.",
              "Please remove the comment that calls {G} {N}.",
              "Comparing {G} to {N} is dehumanising, moderators should act.",
              "The article shows how old pamphlets described {G} as {N}.",
              "At work my friend was told that {G} are {N}, and nobody reacted. Shameful.",
              "Stop repeating that {G} are {A}; it hurts real people."]
EN_NEGATED_2 = ["I have nothing against {G}.", "{G} are not the problem here, bad policies are.",
                "I refuse to believe that {G} are {A}.", "I don't despise {G}; what I despise is cruelty.",
                "There is nothing {J} about {G}.", "No one in this thread thinks {G} are {N}.",
                "{G} don't deserve any of the hatred they get.", "I do not see {G} as {B} in any way.",
                "Not for one moment have I thought that {G} were {J}.", "{G} are no more {J} than anyone else.",
                "You won't hear me say {G} are {B}, ever.", "My family has never looked down on {G}."]
EN_COUNTER_2 = ["Whoever wrote that {G} are {N} has clearly never met any of them.",
                "Comments claiming {G} are {B} are why I stopped reading that forum.",
                "The old claim that {G} are {J} has been debunked again and again.",
                "Labelling {G} as {B} is how persecution starts.",
                "Slurs against {G} are never acceptable, not even as a joke.",
                "The hatred aimed at {G} online keeps growing, and it frightens me.",
                "He was fined for calling {G} {B} in public, and rightly so.",
                "The documentary shows how a newspaper portrayed {G} as {B} to win votes.",
                "Teachers should explain why saying {G} are {J} is bigotry.",
                "The graffiti saying {G} are {B} was painted over this morning, good riddance.",
                "Hearing a politician call {G} {B} on the radio made me angry.",
                "Quoting someone who says {G} are {J} does not make it any less false."]
EN_HATE_2 = ["Why are {G} always so {J}?", "In my opinion {G} are {B} and nothing will change that.",
             "Honestly, the world would be better off without {G}.", "{G} are a cancer on this society.",
             "Never trust {G}, they are {J} by nature.", "Typical of {G}, {J} as always."]
# short statements about a group, warm or plain: the kind of comment a keyword model holds for naming a group
EN_PLAIN = ["I really like {G}.", "{G} are welcome on this blog.", "Several {G} work in my office.",
            "{G} live in every part of this country.", "Are there many {G} in your town?", "Respect to {G}.",
            "I grew up around {G}.", "{G} deserve to be treated with dignity.", "Some of my best teachers were {G}.",
            "{G} are part of our history too."]
EN_POSITIVE = ["{G} are human beings like everyone else.", "I love my {G} neighbours.",
               "{G} have the same rights as everyone in this country.", "Many {G} read this blog and we welcome them.",
               "I'm proud to stand with {G}.", "{G} have contributed a lot to this city."]
EN_THREATS = ["{P} deserves to be shot for this.", "Someone should hang {P} from a lamppost.",
              "I hope {P} gets beaten up on the way home.", "{P} should be put against a wall and executed.",
              "I know where {P} lives and I'm coming.", "People like {P} deserve a bullet.",
              "I will personally make {P} pay, with my fists.", "{P} should be burned alive."]
# wishes: "I hope" also opens threats ("I hope {P} gets beaten up"), so the heads
# must see it open kind ones too, about people, groups and ordinary things
EN_HOPE_OPEN = ["I hope", "I really hope", "Let's hope", "I sincerely hope", "We can only hope", "Here's hoping",
                "I truly hope", "Fingers crossed,"]
EN_HOPE_END = ["the new library opens before the summer holidays.", "{G} in our town feel at home here.",
               "the bakery on the corner reopens soon.", "this blog keeps publishing such careful articles.",
               "my grandmother's surgery goes well tomorrow.", "the council listens to {G} before deciding.",
               "the next article covers the cycling lanes too.", "the students pass their exams this year.",
               "{G} get the same chances as everyone else at work.", "the rain stops before the match on Sunday.",
               "you find the time to answer my question.", "the festival comes back next year with more concerts.",
               "the author writes a follow-up, this was fascinating.", "everyone stays safe during the storm."]
FR_HOPE_OPEN = ["J'espère que", "J'espère vraiment que", "Espérons que", "J'espère sincèrement que",
                "On peut seulement espérer que", "J'ose espérer que", "Tout le monde espère que"]
FR_HOPE_END = ["la nouvelle médiathèque ouvrira avant l'été.", "{G} du quartier se sentiront chez eux ici.",
               "la boulangerie du coin rouvrira bientôt.", "ce blog continuera à publier des articles aussi soignés.",
               "l'opération de ma grand-mère se passera bien demain.", "la mairie écoutera {G} avant de décider.",
               "le prochain article parlera aussi des pistes cyclables.", "les élèves réussiront leurs examens cette année.",
               "{G} auront les mêmes chances que tout le monde au travail.", "la pluie s'arrêtera avant le match dimanche.",
               "vous trouverez le temps de répondre à ma question.", "le festival reviendra l'an prochain avec plus de concerts.",
               "l'auteur écrira une suite, c'était passionnant.", "tout le monde restera à l'abri pendant la tempête."]
EN_PEOPLE = ["the author", "this minister", "the mayor", "that journalist", "this senator", "the editor", "this guy"]

FR_HATE = ["Je déteste {G}.", "{G} sont {N}.", "{G} sont {A}.", "Il faut virer {G} de ce pays.",
           "Je ne supporte pas {G}, ce sont {N}.", "Il faut se débarrasser de {G} une bonne fois pour toutes.",
           "{G} sont {A} et le resteront.", "{G} me dégoûtent."]
FR_NEGATED = ["Je ne déteste pas {G}.", "{G} ne sont pas {N}.", "C'est faux de dire que {G} sont {A}.",
              "Je ne dirai jamais que {G} sont {N}.", "Personne ne devrait prétendre que {G} sont {A}.",
              "Non, {G} ne sont pas {A}, les chiffres le montrent.", "Je n'ai jamais détesté {G}.",
              "Rien ne permet de penser que {G} sont {A}."]
FR_COUNTER = ["Traiter {G} de parasites, c'est de la haine pure.", "Dire que {G} sont {A}, c'est du racisme.",
              "Le commentaire du dessus dit que {G} sont {N} : c'est honteux, je l'ai signalé.",
              "Ceux qui écrivent que {G} sont {N} devraient avoir honte.",
              "« {G} sont {N} » : voilà exactement le genre de phrase qui n'a rien à faire ici.",
              "J'en ai assez de lire que {G} sont {A}. C'est faux.",
              "Mon grand-père entendait déjà dire que {G} étaient {N} ; on sait où ça a mené.",
              "Si vous pensez que {G} sont {A}, lisez un livre d'histoire.",
              "Ceux qui affirment que {G} sont {N} font de la propagande, pas un débat.",
              "Merci de supprimer le commentaire qui dit que {G} sont {N}.",
              "Comparer {G} à {N}, c'est déshumaniser des êtres humains.",
              "L'article montre comment les tracts d'époque décrivaient {G} comme {N}.",
              "Au travail, on a dit à mon amie que {G} sont {N}, et personne n'a réagi. C'est grave.",
              "Arrêtez de répéter que {G} sont {A}, ça blesse des gens bien réels."]
FR_NEGATED_2 = ["Je n'ai rien contre {G}.", "{G} ne sont pas le problème, ce sont les mauvaises politiques.",
                "Je refuse de croire que {G} sont {A}.", "Je ne méprise pas {G}, ce que je méprise, c'est la cruauté.",
                "Il n'y a rien de honteux à faire partie {D}.", "Personne dans ce fil ne pense que {G} sont {N}.",
                "{G} ne méritent pas toute cette haine.", "Je ne vois pas du tout {G} comme {N}.",
                "Pas une seconde je n'ai pensé que {G} étaient {J}.", "{G} ne sont pas plus {J} que les autres.",
                "Vous ne m'entendrez jamais dire que {G} sont des {B}.", "Dans ma famille, on n'a jamais méprisé {G}."]
FR_COUNTER_2 = ["Celui qui a écrit que {G} sont {N} n'en a visiblement jamais rencontré.",
                "Les commentaires qui traitent {G} de {B}, c'est pour ça que j'ai quitté ce forum.",
                "La vieille rengaine selon laquelle {G} seraient {J} a été démentie cent fois.",
                "Qualifier {G} de {B}, c'est comme ça que commencent les persécutions.",
                "Les insultes visant {G} ne sont jamais acceptables, même pour rire.",
                "La haine envers {G} sur les réseaux ne cesse de grandir, et ça me fait peur.",
                "Il a été condamné pour avoir traité {G} de {B} en public, et c'est tant mieux.",
                "Le documentaire montre comment un journal présentait {G} comme {N} pour gagner des voix.",
                "Les enseignants devraient expliquer pourquoi dire que {G} sont {J} relève de l'intolérance.",
                "Le tag disant que {G} sont des {B} a été effacé ce matin, bon débarras.",
                "Entendre un élu traiter {G} de {B} à la radio m'a mis en colère.",
                "Citer quelqu'un qui dit que {G} sont {J} ne rend pas la phrase moins fausse."]
FR_HATE_2 = ["Pourquoi faut-il que {G} soient toujours aussi {J} ?", "À mon avis, {G} sont des {B} et rien n'y changera.",
             "Franchement, le monde se porterait mieux sans {G}.", "{G} sont un cancer pour cette société.",
             "Il ne faut jamais faire confiance à ces gens-là, {G} sont {J} par nature.",
             "Toujours pareil avec {G}, {J} comme d'habitude."]
FR_PLAIN = ["J'aime beaucoup {G}.", "{G} sont les bienvenus sur ce blog.", "Il y a plusieurs {B2} dans mon bureau.",
            "{G} vivent partout dans ce pays.", "Est-ce qu'il y a {D} dans votre ville ?", "Respect aux {B2}.",
            "J'ai grandi avec {G}.", "{G} méritent d'être traités avec dignité.",
            "Parmi mes meilleurs profs, il y avait {D}.", "{G} font aussi partie de notre histoire."]
FR_POSITIVE = ["{G} sont des êtres humains comme les autres.", "J'aime beaucoup mes voisins, {G} compris.",
               "{G} ont les mêmes droits que tout le monde.", "Beaucoup {D} lisent ce blog et ils sont les bienvenus.",
               "Je suis fier de soutenir {G}.", "{G} ont beaucoup apporté à notre ville."]
FR_THREATS = ["{P} mérite d'être fusillé.", "Il faudrait pendre {P} sur la place publique.",
              "J'espère que {P} va se faire tabasser en rentrant chez lui.", "{P}, on devrait le coller au mur.",
              "Je sais où habite {P}, il va le regretter.", "Une balle dans la tête, voilà ce que mérite {P}.",
              "Je vais lui casser la gueule, à {P}.", "{P} mérite d'être brûlé vif."]
FR_PEOPLE = ["l'auteur", "ce ministre", "le maire", "ce journaliste", "ce député", "le rédacteur", "ce type"]


# sentences quoted in issue #16 that the templates could write: they measure the
# model, so they never train it
HELD_OUT = {"Je ne déteste pas les juifs.", "Les musulmans sont des êtres humains comme les autres."}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def functional_rows(seed: int = 7, per_template: int = 10) -> list[dict]:
    """Rows: ``text, lang, label (toxic|clean)`` plus ``fine_label`` (the
    category) and ``threat`` for the threats."""
    rng = random.Random(seed)
    rows: list[dict] = []

    def add(lang, label, cat, templates, groups, nouns, adjs, extra=None):
        bare, pure = (FR_BARE, FR_PURE_ADJ) if lang == "fr" else (EN_BARE, EN_PURE_ADJ)
        for t in templates:
            for _ in range(per_template):
                g = rng.choice(groups)
                gs, gd = (g if isinstance(g, tuple) else (g, g))
                bare_group = gd[4:] if gd.startswith("des ") else gd      # "plusieurs Roms", "aux Roms"
                # B and J are drawn only where a template uses them: the first wave's rows stay what they were
                text = t.format(G=gs, D=gd, B2=bare_group, N=rng.choice(nouns), A=rng.choice(adjs),
                                B=rng.choice(bare) if "{B}" in t else "", J=rng.choice(pure) if "{J}" in t else "",
                                P=rng.choice(FR_PEOPLE if lang == "fr" else EN_PEOPLE))
                rows.append({"text": _cap(text), "lang": lang, "label": label, "fine_label": cat, **(extra or {})})

    add("en", "toxic", "hate", EN_HATE, EN_GROUPS, EN_BAD_NOUNS, EN_BAD_ADJ, {"identity_hate": "1"})
    add("en", "clean", "negated", EN_NEGATED, EN_GROUPS, EN_BAD_NOUNS, EN_BAD_ADJ)
    add("en", "clean", "counter_speech", EN_COUNTER, EN_GROUPS, EN_BAD_NOUNS, EN_BAD_ADJ)
    add("en", "clean", "positive", EN_POSITIVE, EN_GROUPS, EN_BAD_NOUNS, EN_BAD_ADJ)
    add("en", "toxic", "threat", EN_THREATS, EN_GROUPS, EN_BAD_NOUNS, EN_BAD_ADJ, {"threat": "1"})
    add("fr", "toxic", "hate", FR_HATE, FR_GROUPS, FR_BAD_NOUNS, FR_BAD_ADJ, {"identity_hate": "1"})
    add("fr", "clean", "negated", FR_NEGATED, FR_GROUPS, FR_BAD_NOUNS, FR_BAD_ADJ)
    add("fr", "clean", "counter_speech", FR_COUNTER, FR_GROUPS, FR_BAD_NOUNS, FR_BAD_ADJ)
    add("fr", "clean", "positive", FR_POSITIVE, FR_GROUPS, FR_BAD_NOUNS, FR_BAD_ADJ)
    add("fr", "toxic", "threat", FR_THREATS, FR_GROUPS, FR_BAD_NOUNS, FR_BAD_ADJ, {"threat": "1"})
    for lang, opens, ends, groups in (("en", EN_HOPE_OPEN, EN_HOPE_END, EN_GROUPS),
                                      ("fr", FR_HOPE_OPEN, FR_HOPE_END, FR_GROUPS)):
        for _ in range(per_template * len(ends)):
            g = rng.choice(groups)
            text = f"{rng.choice(opens)} {rng.choice(ends).format(G=g[0] if isinstance(g, tuple) else g)}"
            rows.append({"text": _cap(text), "lang": lang, "label": "clean", "fine_label": "hopeful"})
    # the second and third waves, drawn after the first so the first's rows stay what they were
    for lang, groups, nouns, adjs, hate, negated, counter, plain in (
            ("en", EN_GROUPS, EN_BAD_NOUNS, EN_BAD_ADJ, EN_HATE_2, EN_NEGATED_2, EN_COUNTER_2, EN_PLAIN),
            ("fr", FR_GROUPS, FR_BAD_NOUNS, FR_BAD_ADJ, FR_HATE_2, FR_NEGATED_2, FR_COUNTER_2, FR_PLAIN)):
        add(lang, "toxic", "hate", hate, groups, nouns, adjs, {"identity_hate": "1"})
        add(lang, "clean", "negated", negated, groups, nouns, adjs)
        add(lang, "clean", "counter_speech", counter, groups, nouns, adjs)
        add(lang, "clean", "positive", plain, groups, nouns, adjs)
    seen: set = set()
    out = []
    for r in rows:
        if r["text"] not in seen and r["text"] not in HELD_OUT:
            seen.add(r["text"])
            out.append(r)
    return out
