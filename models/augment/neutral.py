"""Neutral comments written for Colombe (training augmentation, never evaluation).

Why: the French training sets are hate-speech tweets and chats. In them, names of
groups, religions, countries, war vocabulary and even plain everyday French appear
mostly in toxic rows, so a model trained on them flags ordinary French blog comments
("Les immigrés italiens sont arrivés à Marseille au XIXe siècle.") and long neutral
political paragraphs.  Dixon et al. (2018, AIES) mitigated the same unintended bias
by adding non-toxic examples that mention identity terms.  This module generates
such examples, in French and English, from templates written for this project:
identity terms in neutral sentences, polite disagreement, everyday topics, news and
geopolitics in a reporting tone, and benign uses of negative words ("je déteste les
lundis").  Every generated text is labeled clean.

The generator is deterministic (seeded), so training stays reproducible.  The texts
are the project's own (MIT, like the code), and the dataset is used for training
only: it never enters a test split or a reported metric, since scoring well on our
own templates would prove nothing.
"""
from __future__ import annotations

import random

__all__ = ["neutral_comments", "DATASET_NAME"]

DATASET_NAME = "colombe_neutral_comments"

# --- French -----------------------------------------------------------------
# (subject form, "de" form) so that "des"/"de la"/"du" contractions read naturally
FR_GROUPS = [
    ("les musulmans", "des musulmans"), ("les juifs", "des juifs"), ("les chrétiens", "des chrétiens"),
    ("les catholiques", "des catholiques"), ("les protestants", "des protestants"),
    ("les bouddhistes", "des bouddhistes"), ("les athées", "des athées"), ("les immigrés", "des immigrés"),
    ("les réfugiés", "des réfugiés"), ("les étrangers", "des étrangers"), ("les Noirs", "des Noirs"),
    ("les Arabes", "des Arabes"), ("les Africains", "des Africains"), ("les Maghrébins", "des Maghrébins"),
    ("les Asiatiques", "des Asiatiques"), ("les Roms", "des Roms"), ("les homosexuels", "des homosexuels"),
    ("les lesbiennes", "des lesbiennes"), ("les personnes trans", "des personnes trans"),
    ("les femmes", "des femmes"), ("les hommes", "des hommes"), ("les personnes handicapées", "des personnes handicapées"),
    ("les personnes âgées", "des personnes âgées"), ("les jeunes", "des jeunes"), ("les Russes", "des Russes"),
    ("les Ukrainiens", "des Ukrainiens"), ("les Américains", "des Américains"), ("les Allemands", "des Allemands"),
    ("les Chinois", "des Chinois"), ("les Italiens", "des Italiens"), ("les Polonais", "des Polonais"),
    ("les Portugais", "des Portugais"), ("les Algériens", "des Algériens"), ("les Marocains", "des Marocains"),
    ("les Sénégalais", "des Sénégalais"), ("les Turcs", "des Turcs"), ("les Kurdes", "des Kurdes"),
    ("les migrants", "des migrants"), ("les musulmanes", "des musulmanes"), ("les Juifs de France", "des Juifs de France"),
    ("les policiers", "des policiers"), ("les enseignants", "des enseignants"), ("les agriculteurs", "des agriculteurs"),
    ("les syndicats", "des syndicats"), ("la gauche", "de la gauche"), ("la droite", "de la droite"),
    ("les écologistes", "des écologistes"), ("les Gitans", "des Gitans"), ("les Antillais", "des Antillais"),
    ("les Israéliens", "des Israéliens"), ("les Palestiniens", "des Palestiniens"), ("les Européens", "des Européens"),
]
FR_GROUP_SENTENCES = [
    "{G} de mon quartier organisent une fête le premier samedi du mois.",
    "Le musée consacre une exposition à l'histoire {D} en France.",
    "J'ai lu un livre passionnant sur la vie {D} au XIXe siècle.",
    "Un documentaire sur {G} passe ce soir sur la chaîne publique.",
    "Selon l'enquête citée, {G} sont de plus en plus nombreux à voter.",
    "Ma voisine fait une thèse sur l'arrivée {D} dans le Nord après la guerre.",
    "Dans ma ville, {G} et les autres habitants partagent le même marché.",
    "L'article oublie de parler du rôle {D} dans la construction du pays.",
    "Il serait intéressant d'avoir le point de vue {D} sur cette réforme.",
    "La mairie a invité des représentants {D} au conseil de quartier.",
    "Les statistiques sur {G} dans l'emploi sont détaillées en annexe.",
    "Mon grand-père racontait souvent comment {G} l'avaient accueilli.",
    "Le débat sur la place {D} à l'école mérite mieux que des slogans.",
    "{G} du village se retrouvent pour le repas de fin d'année.",
    "Une association aide {G} à trouver un logement dans la région.",
    "Le sondage montre que {G} sont partagés sur la question.",
    "J'ai beaucoup d'amis parmi {G} et nous parlons souvent de politique.",
    "Le journaliste a interrogé {G} du quartier sur les transports.",
    "Le film raconte l'histoire d'une famille, avec {G} en toile de fond.",
    "La conférence porte sur les droits {D} en Europe depuis 1945.",
]
FR_PEOPLE = [("Mon voisin", 0), ("Ma collègue", 1), ("Mon beau-frère", 0), ("Notre médecin", 0),
             ("La maîtresse de mon fils", 1), ("Le boulanger du coin", 0), ("Mon meilleur ami", 0),
             ("Ma cousine", 1), ("Le nouveau maire", 0), ("Notre professeure de chant", 1)]
# (masculine, feminine)
FR_TRAITS = [("est noir", "est noire"), ("est musulman", "est musulmane"), ("est juif", "est juive"),
             ("est homosexuel", "est lesbienne"), ("est arabe", "est arabe"),
             ("est d'origine algérienne", "est d'origine algérienne"), ("est catholique", "est catholique"),
             ("est en fauteuil roulant", "est en fauteuil roulant"), ("est d'origine chinoise", "est d'origine chinoise"),
             ("est ukrainien", "est ukrainienne"), ("est russe", "est russe"), ("est gay", "est bisexuelle"),
             ("est sénégalais", "est sénégalaise"), ("est protestant", "est protestante"),
             ("vient de Pologne", "vient de Pologne")]
FR_ACTS = ["et {il} joue de la guitare le week-end", "et {il} court un marathon chaque année",
           "et {il} cuisine le meilleur couscous de la ville", "et nous faisons du vélo ensemble le dimanche",
           "et {il} m'a prêté sa tondeuse", "et {il} entraîne l'équipe de foot des enfants",
           "et {il} a ouvert une librairie rue principale", "et {il} répare les vélos du quartier",
           "et {il} chante dans la chorale", "et {il} connaît tous les oiseaux de la forêt"]
FR_SELF = ["Je suis musulman", "Je suis musulmane", "Je suis juif", "Je suis juive", "Je suis homosexuel",
           "Je suis lesbienne", "Je suis noir", "Je suis noire", "Je suis arabe", "Je suis catholique",
           "Je suis immigré", "Je suis handicapé", "Je suis trans", "Je suis gay", "Je suis d'origine marocaine",
           "Je suis d'origine vietnamienne", "Je suis protestante", "Je suis athée", "Je suis réfugié"]
FR_SELF_END = [" et je lis ce blog depuis des années.", " et j'ai trouvé cet article très juste.",
               ", et mon avis sur la question est plus nuancé.", " et je travaille dans la restauration.",
               ", j'habite à la campagne et j'adore le jardinage.", " et je partage votre analyse.",
               ", et je me suis reconnu dans ce témoignage.", " et je vote à chaque élection."]
FR_NP = ["un couple homosexuel", "une famille musulmane", "un étudiant juif", "une collègue noire", "un voisin arabe",
         "une femme voilée", "un réfugié syrien", "une enseignante lesbienne", "un médecin d'origine africaine",
         "un couple gay", "une association LGBT", "une famille rom", "un pasteur protestant", "un imam", "un rabbin",
         "une athlète handicapée", "un jeune immigré", "une grand-mère portugaise", "un chef d'origine turque"]
FR_NP_SENTENCES = ["{NP} a ouvert une boulangerie dans ma rue.", "L'article présente {NP} qui vit à la campagne.",
                   "{NP} a gagné le concours de cuisine du village.", "Le reportage suit {NP} pendant une année.",
                   "{NP} s'est installé près de chez nous le mois dernier.", "J'ai rencontré {NP} au marché ce matin.",
                   "{NP} organise une collecte de vêtements pour l'hiver.", "Le prix du meilleur roman revient à {NP}."]
FR_TOPICS = ["la réforme des retraites", "le budget de la commune", "la politique énergétique",
             "les négociations de paix", "la guerre en Ukraine", "l'inflation", "la réforme de l'école",
             "le prix de l'immobilier", "la politique migratoire", "les élections européennes",
             "le nucléaire", "la sécurité routière", "l'agriculture bio", "la santé publique",
             "la dette publique", "l'OTAN", "les sanctions contre la Russie", "le conflit au Proche-Orient",
             "la laïcité", "la réforme du code du travail"]
FR_DISAGREE = [
    "Je ne partage pas votre avis sur {T}, mais l'article est bien documenté.",
    "Votre analyse de {T} me semble un peu rapide, il manque les chiffres de l'an dernier.",
    "Sur {T}, je pense que le gouvernement aurait dû consulter davantage.",
    "Je ne suis pas d'accord avec l'auteur sur {T}, pour plusieurs raisons.",
    "Bon article, même si je vois {T} autrement.",
    "Je trouve que vous êtes trop optimiste sur {T}.",
    "Pourriez-vous citer vos sources sur {T} ? Je n'ai pas trouvé les mêmes chiffres.",
    "Il me semble que {T} est plus compliqué que ce que dit l'article.",
    "Merci pour ce point de vue sur {T}, je n'y avais pas pensé.",
    "Votre conclusion sur {T} ne me convainc pas, mais le débat est utile.",
    "Je crains que {T} ne serve surtout à éviter les vrais sujets.",
    "Les responsables se trompent sur {T}, à mon avis, et ils le reconnaîtront tôt ou tard.",
    "C'est une erreur politique de traiter {T} de cette façon.",
    "Franchement, {T} est un échec, les résultats le montrent.",
    "Sur {T}, la position de l'opposition est incohérente.",
]
FR_COUNTRIES = ["la Russie", "l'Ukraine", "la France", "l'Allemagne", "les États-Unis", "la Chine", "la Pologne",
                "la Turquie", "Israël", "l'Iran", "l'Inde", "le Royaume-Uni", "l'Union européenne", "le Brésil"]
FR_NEWS = [
    "{C} a annoncé hier de nouvelles mesures, reste à voir si {C2} les acceptera.",
    "Les négociations entre {C} et {C2} avancent lentement selon les diplomates.",
    "Le ministre des affaires étrangères a rencontré son homologue pour parler de {T}.",
    "D'après la presse, l'armée aurait repris plusieurs villages près de la frontière.",
    "Les frappes de la nuit dernière ont fait des victimes civiles, selon les autorités locales.",
    "Le cessez-le-feu proposé par {C} n'a pas été accepté par {C2}.",
    "Les sanctions économiques n'ont pas eu l'effet attendu sur {C}.",
    "Le sommet de Bruxelles doit aborder {T} et l'aide militaire.",
    "{C} dépense désormais une part plus importante de son budget pour la défense.",
    "Les troupes se sont retirées de la ville après trois semaines de combats.",
    "La guerre a déjà duré plus longtemps que ce que prévoyaient les experts.",
    "Les analystes pensent que {C} cherche surtout à gagner du temps avant l'hiver.",
    "Le président a déclaré que {C} ne céderait aucun territoire.",
    "Le rapport de l'ONU sur {T} sera publié la semaine prochaine.",
    "Les pourparlers reprendront à Genève, sans grand espoir de résultat.",
    "La propagande des deux camps rend difficile de savoir ce qui se passe vraiment.",
    "Les médias occidentaux et ceux de {C} ne racontent pas du tout la même histoire.",
]
FR_DAILY = [
    "Merci pour la recette, j'ai remplacé le beurre par de l'huile d'olive et c'était très bon.",
    "Votre clafoutis aux {F} a eu beaucoup de succès à la maison.",
    "Quelqu'un sait à quelle heure ouvre la médiathèque le samedi ?",
    "J'ai planté des {F} cette année, la récolte a été correcte malgré la sécheresse.",
    "Très bon article, j'ai appris beaucoup de choses sur {T}.",
    "Les photos du marché de Noël sont superbes, merci pour le partage.",
    "Nous sommes allés à {P} cet été, je recommande la randonnée au bord du lac.",
    "Le match d'hier soir était serré, l'arbitre a fait son travail.",
    "Je cherche un bon livre sur l'histoire de {P}, vous avez des idées ?",
    "Le concert de la chorale aura lieu à l'église {P} le 12 décembre.",
    "Ma fille commence le violon, des conseils pour bien démarrer ?",
    "Le train pour {P} avait encore quarante minutes de retard ce matin.",
    "Ce blog est toujours aussi intéressant, continuez comme ça.",
    "La soupe aux {F} de ma grand-mère reste imbattable en hiver.",
    "Les travaux de la rue devraient se terminer avant la rentrée.",
    "J'ai réparé mon vélo en suivant votre tutoriel, merci beaucoup.",
    "Bonne année à tous les lecteurs de ce blog !",
    "Je découvre ce site, les articles sont clairs et bien écrits.",
    "Petite coquille dans le troisième paragraphe : il manque un mot.",
    "Le lien vers la deuxième partie ne fonctionne plus, pouvez-vous le corriger ?",
]
FR_FOODS = ["pommes", "poires", "courgettes", "tomates", "fraises", "poireaux", "carottes", "prunes", "noix", "lentilles"]
FR_PLACES = ["Lyon", "Marseille", "Bordeaux", "Lille", "Toulouse", "Nantes", "Strasbourg", "Montpellier", "Rennes",
             "Nice", "Grenoble", "Brest", "Dijon", "Annecy", "Bruxelles", "Genève", "Québec"]
FR_NEGATIVE_BENIGN = [
    "Je déteste le mois de novembre, il fait nuit à cinq heures.",
    "Je déteste faire les courses le samedi, il y a trop de monde.",
    "J'ai horreur des embouteillages du vendredi soir.",
    "Quelle galère, la box internet a encore planté.",
    "Ce temps pourri me tue, vivement le printemps.",
    "Mon ordinateur est complètement mort, impossible de le rallumer.",
    "Les moustiques m'ont massacré cette nuit.",
    "Je hais faire la queue à la préfecture.",
    "Cette série est nulle à partir de la troisième saison, dommage.",
    "Ce film m'a fait mourir de rire.",
    "On a tué le temps en jouant aux cartes pendant la panne.",
    "Ce gâteau au chocolat est une tuerie.",
    "Le prix de l'essence est une honte pour les gens qui roulent beaucoup.",
    "Je suis furieux contre ma banque qui a encore augmenté ses frais.",
    "La défaite de l'équipe est un désastre, les joueurs étaient fatigués.",
    "Ce chantier est un cauchemar pour les riverains depuis des mois.",
    "J'en ai marre de cette pluie, ça fait deux semaines qu'il pleut.",
    "L'abolition de l'esclavage en 1848 est au programme d'histoire.",
    "Le génocide des Tutsi au Rwanda est enseigné au lycée.",
    "La Shoah a fait six millions de victimes juives.",
    "Le racisme reste un problème dans le sport, selon l'enquête.",
    "Le harcèlement scolaire touche un élève sur dix.",
    "La colonisation de l'Algérie est un sujet encore sensible en France.",
]
FR_OPENERS = ["", "", "", "Bonjour, ", "Merci pour l'article. ", "Intéressant. ", "Petite remarque : ",
              "À mon avis, ", "Pour info, ", "Bonsoir à tous. ", "Je me permets d'ajouter que "]
FR_CLOSERS = ["", "", "", " Merci.", " Bonne journée.", " Qu'en pensez-vous ?", " À suivre.",
              " Cordialement.", " Bonne continuation !"]

# --- English ----------------------------------------------------------------
EN_GROUPS = ["Muslims", "Jews", "Christians", "Catholics", "Hindus", "Buddhists", "atheists", "immigrants",
             "refugees", "Black people", "Arabs", "Africans", "Asians", "Latinos", "Mexicans", "gay people",
             "lesbians", "trans people", "women", "men", "disabled people", "older people", "teenagers",
             "Russians", "Ukrainians", "Americans", "Germans", "Chinese people", "Italians", "Poles",
             "Native Americans", "Palestinians", "Israelis", "Europeans", "police officers", "teachers",
             "farmers", "unions", "Democrats", "Republicans"]
EN_GROUP_SENTENCES = [
    "The museum has a new exhibit on the history of {G} in this city.",
    "I read a fascinating book about {G} in the nineteenth century.",
    "A documentary about {G} is on public television tonight.",
    "According to the survey, {G} are increasingly likely to vote.",
    "My neighbor is writing a thesis on {G} who settled here after the war.",
    "The article does not mention the role of {G} in building the town.",
    "It would be interesting to hear what {G} think of this reform.",
    "The council invited representatives of {G} to the planning meeting.",
    "{G} in my neighborhood organize a street party every summer.",
    "The conference covers the rights of {G} in Europe since 1945.",
    "The poll shows {G} are divided on the question.",
    "The reporter interviewed {G} about the new bus lines.",
]
EN_DAILY = [
    "Made this soup last night with leftover vegetables, it worked well.",
    "Does anyone know when the library opens on Saturdays?",
    "Great article, I learned a lot about {T}.",
    "I respectfully disagree with the author on {T}, but the piece is well sourced.",
    "Could you share your sources on {T}? I found different numbers.",
    "I think the government got {T} wrong, and the figures show it.",
    "I hate waking up early on Sundays.",
    "This traffic is killing me, every single morning.",
    "The ceasefire talks stalled again, according to the diplomats.",
    "Overnight strikes caused civilian casualties, local officials said.",
    "The army pulled out of the town after three weeks of fighting.",
    "Our class visited a museum about the transatlantic slave trade.",
    "My great-uncle emigrated from {P} in the fifties.",
    "The link to part two is broken, could you fix it?",
    "That chocolate cake was to die for.",
    "The team's defeat was a disaster, the players looked exhausted.",
]
EN_ADJS = ["gay", "lesbian", "transgender", "Muslim", "Jewish", "Christian", "Catholic", "Hindu", "Black", "white",
           "Asian", "Latino", "Mexican", "African", "Arab", "immigrant", "deaf", "blind", "disabled", "elderly",
           "queer", "bisexual", "Native American", "Chinese", "Indian", "Russian", "Ukrainian", "refugee", "Sikh"]
EN_NOUNS = ["couple", "family", "student", "teacher", "neighbor", "doctor", "writer", "farmer", "author",
            "engineer", "nurse", "athlete", "musician", "chef", "pastor", "veteran"]
EN_ADJ_SENTENCES = [
    "The {A} {N} next door lent us a ladder.", "The {A} {N} I met at the conference gave a great talk.",
    "A {A} {N} opened a bakery on Main Street.", "Our {A} {N} volunteers at the food bank on weekends.",
    "The article profiles a {A} {N} from Ohio.", "I am a {A} {N} and I enjoyed this post.",
    "As a {A} {N}, I found the second part very useful.", "A {A} {N} won the local baking contest.",
    "The documentary follows a {A} {N} for a whole year.", "Our town elected a {A} {N} to the school board.",
]
EN_TOPICS = ["the pension reform", "the city budget", "energy policy", "the peace talks", "the war in Ukraine",
             "inflation", "school reform", "housing prices", "immigration policy", "the European elections",
             "nuclear power", "road safety", "public health", "the national debt", "NATO", "sanctions"]
EN_PLACES = ["Poland", "Italy", "Ireland", "Mexico", "Vietnam", "Nigeria", "Lebanon", "Portugal", "Greece", "India"]


def _fr(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.08:
        s = rng.choice(FR_SELF) + rng.choice(FR_SELF_END)
    elif kind < 0.16:
        s = rng.choice(FR_NP_SENTENCES).format(NP=rng.choice(FR_NP))
        s = s[0].upper() + s[1:]
    elif kind < 0.3:
        g, d = rng.choice(FR_GROUPS)
        s = rng.choice(FR_GROUP_SENTENCES).format(G=g, D=d)
        s = s[0].upper() + s[1:]
    elif kind < 0.4:
        who, fem = rng.choice(FR_PEOPLE)
        act = rng.choice(FR_ACTS).format(il="elle" if fem else "il")
        s = f"{who} {rng.choice(FR_TRAITS)[fem]} {act}."
    elif kind < 0.55:
        s = rng.choice(FR_DISAGREE).format(T=rng.choice(FR_TOPICS))
    elif kind < 0.72:
        c, c2 = rng.sample(FR_COUNTRIES, 2)
        s = rng.choice(FR_NEWS).format(C=c, C2=c2, T=rng.choice(FR_TOPICS))
        s = s[0].upper() + s[1:]
    elif kind < 0.88:
        s = rng.choice(FR_DAILY).format(F=rng.choice(FR_FOODS), P=rng.choice(FR_PLACES), T=rng.choice(FR_TOPICS))
    else:
        s = rng.choice(FR_NEGATIVE_BENIGN)
    opener = rng.choice(FR_OPENERS)
    if opener.endswith((", ", ": ", "que ")):
        s = s[0].lower() + s[1:]
    text = opener + s + rng.choice(FR_CLOSERS)
    if rng.random() < 0.25:   # longer comments: a second sentence
        text += " " + rng.choice(FR_DISAGREE + FR_DAILY + FR_NEWS).format(
            T=rng.choice(FR_TOPICS), F=rng.choice(FR_FOODS), P=rng.choice(FR_PLACES),
            C=rng.choice(FR_COUNTRIES), C2=rng.choice(FR_COUNTRIES))
    return text


def _en(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        s = rng.choice(EN_ADJ_SENTENCES).format(A=rng.choice(EN_ADJS), N=rng.choice(EN_NOUNS))
    elif kind < 0.7:
        s = rng.choice(EN_GROUP_SENTENCES).format(G=rng.choice(EN_GROUPS))
        s = s[0].upper() + s[1:]
    else:
        s = rng.choice(EN_DAILY).format(T=rng.choice(EN_TOPICS), P=rng.choice(EN_PLACES))
    return s


def neutral_comments(n_fr: int = 3500, n_en: int = 2000, seed: int = 13) -> list[tuple[str, str]]:
    """Distinct (text, lang) pairs, all non-toxic, deterministic for a seed."""
    rng = random.Random(f"colombe-neutral:{seed}")
    out: dict[str, str] = {}
    for lang, n, make in (("fr", n_fr, _fr), ("en", n_en, _en)):
        tries = 0
        got = 0
        while got < n and tries < n * 20:
            tries += 1
            t = make(rng)
            if t not in out:
                out[t] = lang
                got += 1
    return list(out.items())
