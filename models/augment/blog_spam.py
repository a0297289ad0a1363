"""Blog-comment spam and ordinary blog comments, French and English, written
for Colombe (training augmentation, never evaluation).

Why: the shared spam sets are YouTube self-promotion and Instagram finance
scams.  A blog receives other spam: generic praise that could sit under any
post with a link or a commercial author URL, pharmacy, loans, crypto and
"investment managers", casinos, SEO and backlink offers, essay writing,
tech-support numbers, French "marabout" and clairvoyant adverts, dating
sites, and "content" spam that reads like advice on an unrelated commercial
topic (printer drivers, e-mail log-in, loans, lawyers), often with no link
-- in both languages.  Each row carries what a blog platform sends with
a comment: the post it answers (title + text), the site's own address and,
for some, the author's URL, so the spam head can learn from the links and
the author URL and not only from the words.

Ordinary comments (the clean half) are written on the same posts: praise
that names the post's subject, questions, disagreement, corrections,
anecdotes, links to the site's own pages or to a reference.  Generic praise
with no link and no URL is clean: many real readers write "Merci, super
article !".  The same words with a commercial author URL or a foreign link
are spam: such rows are marked ``spam_by_fields`` (the text alone is no
evidence, so the text heads do not train on them; the stacking stage, which
sees the fields, does).

Deterministic (seeded); the texts are the project's own (MIT, like the code).
"""
from __future__ import annotations

import random

__all__ = ["blog_spam_rows", "POSTS"]

# (lang, site, title, text, words a relevant comment may use)
POSTS = [
    ("fr", "cuisine-de-lea.fr", "Ma tarte aux pommes à l'ancienne",
     "La recette de ma grand-mère : une pâte brisée maison, des pommes reinettes et un peu de cannelle.",
     ["la pâte", "les pommes", "la cannelle", "la cuisson", "le four"]),
    ("fr", "jardin-partage.fr", "Planter ses tomates en pleine terre",
     "Quand et comment repiquer les plants de tomates, avec le paillage et l'arrosage qui vont bien.",
     ["le paillage", "les plants", "l'arrosage", "les tuteurs", "le potager"]),
    ("fr", "velotaf-lyon.fr", "Un an de vélo pour aller au travail",
     "Bilan d'une année de trajets quotidiens à vélo : pistes cyclables, pluie, entretien et budget.",
     ["les pistes cyclables", "la pluie", "l'entretien", "le trajet", "l'antivol"]),
    ("fr", "carnets-de-route.fr", "Trois jours à Lisbonne en hiver",
     "Quartiers, tramways, pâtisseries et musées : notre itinéraire de trois jours à Lisbonne.",
     ["le tramway", "l'Alfama", "les pastéis", "le musée", "l'itinéraire"]),
    ("fr", "lecturesdumardi.fr", "Pourquoi relire Camus aujourd'hui",
     "La Peste et L'Étranger relus à quarante ans : ce qui a changé dans ma lecture.",
     ["La Peste", "Camus", "le roman", "L'Étranger", "la relecture"]),
    ("fr", "parents-curieux.fr", "Les écrans avant six ans",
     "Ce que disent les études sur les écrans chez les jeunes enfants, et nos règles à la maison.",
     ["les écrans", "les enfants", "les études", "les règles", "le temps d'écran"]),
    ("fr", "monquartier-info.fr", "Le conseil municipal vote le budget",
     "Le budget 2027 prévoit la rénovation de l'école Jules-Ferry et une hausse de la taxe foncière.",
     ["le budget", "l'école", "la taxe foncière", "le conseil municipal", "la rénovation"]),
    ("fr", "codeur-du-dimanche.fr", "Débuter en Python avec un petit jeu",
     "On écrit ensemble un jeu du pendu en Python pour apprendre les boucles et les listes.",
     ["les boucles", "le pendu", "les listes", "Python", "le code"]),
    ("fr", "randos-alpes.fr", "Le tour du lac Blanc en juillet",
     "Itinéraire, dénivelé et refuges pour faire le tour du lac Blanc en deux jours.",
     ["le dénivelé", "le refuge", "le lac", "l'itinéraire", "la météo"]),
    ("fr", "musique-et-vinyles.fr", "Redécouvrir Barbara en vinyle",
     "Une réédition soignée de l'album L'Aigle noir, écoutée sur une platine d'entrée de gamme.",
     ["Barbara", "la réédition", "la platine", "le son", "L'Aigle noir"]),
    ("en", "bakingwithtom.com", "Sourdough for beginners",
     "How I keep a starter alive, my feeding schedule and the loaf I bake every Saturday.",
     ["the starter", "the loaf", "the feeding schedule", "the crust", "the dough"]),
    ("en", "smallgardenlife.org", "Growing herbs on a balcony",
     "Basil, thyme and mint in pots: light, watering and what went wrong in my first year.",
     ["the basil", "the pots", "the watering", "the mint", "the balcony"]),
    ("en", "citycyclist.net", "What a year of commuting by bike taught me",
     "Bike lanes, rain gear, maintenance and what it really cost compared with the bus.",
     ["the bike lanes", "the rain gear", "the commute", "maintenance", "the bus pass"]),
    ("en", "slowtravelnotes.com", "A week in Kyoto on a budget",
     "Temples, guesthouses and cheap noodle bars: a seven-day plan for Kyoto.",
     ["the temples", "the guesthouse", "the noodle bars", "the itinerary", "the train pass"]),
    ("en", "bookishnotes.blog", "Rereading Orwell in 2026",
     "Nineteen Eighty-Four and Animal Farm read again, and what still feels current.",
     ["Orwell", "the novel", "Animal Farm", "the ending", "the rereading"]),
    ("en", "parentingdiary.net", "Screen time rules that worked for us",
     "What the research says about screens for small children and the rules we settled on.",
     ["screen time", "the kids", "the research", "the rules", "bedtime"]),
    ("en", "localnewsdesk.org", "Council approves the new library budget",
     "The council voted to renovate the central library and extend its opening hours on Sundays.",
     ["the library", "the council", "the opening hours", "the budget", "the renovation"]),
    ("en", "sundaycoder.dev", "Writing your first Python game",
     "We build a hangman game in Python to learn loops, lists and string methods.",
     ["the loops", "hangman", "the lists", "Python", "the code"]),
    ("en", "trailsandpeaks.com", "Hiking the Lake District in autumn",
     "Routes, elevation and weather tips for three day hikes around Keswick.",
     ["the route", "the elevation", "Keswick", "the weather", "the trail"]),
    ("en", "vinylcorner.net", "Why I still buy records",
     "A reissue of Blue Train on a budget turntable, and what vinyl does better than streaming.",
     ["the reissue", "the turntable", "Blue Train", "the sound", "streaming"]),
]

# --- spam ------------------------------------------------------------------------
SPAM_DOMAINS = ["best-cheap-pills-online.com", "quick-loan-approval.net", "crypto-profit-daily.io", "casino-bonus-vip.top",
                "seo-rank-boost.xyz", "essay-writers-pro.com", "replica-watches-sale.shop", "buy-followers-fast.net",
                "pret-rapide-sans-banque.fr", "credit-facile-express.com", "pharmacie-discount-en-ligne.com",
                "voyance-gratuite-immediate.fr", "casino-en-ligne-bonus.fr", "referencement-premier.fr",
                "rencontres-coquines-ici.com", "printer-help-desk.support", "forex-signals-365.club",
                "weightloss-miracle.online", "cheap-jerseys-outlet.shop", "lottery-winner-claim.site"]
FR_PRAISE = ["Super article, merci pour le partage !", "Très bon article, j'ai appris beaucoup de choses.",
             "Merci pour ces informations très utiles.", "Article très intéressant, continuez comme ça.",
             "J'adore votre blog, je reviendrai souvent.", "Contenu de qualité, bravo à l'auteur.",
             "Merci beaucoup, c'est exactement ce que je cherchais.", "Bel article, très bien écrit.",
             "Très instructif, merci de partager vos connaissances.", "Je partage votre avis, excellent travail."]
EN_PRAISE = ["Great article, thanks for sharing!", "Very informative post, I learned a lot.",
             "Thanks for this useful information.", "Nice blog, keep up the good work.",
             "I really like your website, I will come back often.", "Quality content, well done to the author.",
             "Thank you, this is exactly what I was looking for.", "Awesome post, very well written.",
             "Very helpful, thanks for sharing your knowledge.", "I totally agree with you, excellent work."]
FR_PITCH = [
    "Achetez du {drug} pas cher sans ordonnance, livraison discrète en 48h : {url}",
    "Pharmacie en ligne : {drug} et {drug2} à prix discount, paiement sécurisé sur {url}",
    "Besoin d'un prêt rapide entre particuliers ? Taux de {rate}%, réponse en 24h, contactez {name} par email : {email}",
    "Crédit accordé sans justificatif, jusqu'à {amount} €. Écrivez-moi sur WhatsApp au {phone}.",
    "J'ai gagné {amount} € en une semaine grâce au trading de bitcoin avec {name}, contactez-le au {phone} !",
    "Gagnez {small} € par jour depuis chez vous sans rien faire, cliquez ici : {url}",
    "Investissez dans la crypto et doublez votre capital en 7 jours. Inscription gratuite sur {url}",
    "Meilleur casino en ligne de France : {small} € de bonus de bienvenue et tours gratuits sur {url}",
    "Paris sportifs : nos pronostics gagnants à 100 %, rejoignez notre canal Telegram {handle}",
    "Agence de référencement : première page de Google garantie en 30 jours. Devis gratuit : {url}",
    "Vente de backlinks de qualité pour booster votre site, tarifs imbattables sur {url}",
    "Grand marabout voyant médium, retour de l'être aimé en 3 jours, résultats garantis. Appelez le {phone}",
    "Voyance gratuite par téléphone, réponse immédiate à toutes vos questions : {phone}",
    "Rencontres coquines près de chez vous, inscription gratuite et discrète : {url}",
    "Perdez {kilos} kilos en un mois sans régime avec notre complément naturel : {url}",
    "Montres de luxe à prix cassés, copies parfaites, livraison offerte : {url}",
    "Rédaction de mémoires et de devoirs sur commande, travail rapide et sérieux : {email}",
    "Achetez des abonnés Instagram et des likes à partir de 2 €, résultats immédiats sur {url}",
    "Problème avec votre imprimante ? Assistance technique 24h/24 au {phone}",
    "Félicitations, vous avez été sélectionné pour gagner un iPhone ! Réclamez votre cadeau ici : {url}",
    "Votre imprimante {brand} affiche le code erreur {code} ? Nos techniciens agréés la réparent à distance, "
    "appelez le service client {brand} au {phone}",
    "Réservez vos billets {airline} au meilleur prix : notre numéro de réservation {airline} vous répond 7j/7, "
    "offres exclusives sur les vols et les hôtels.",
    "Impossible de vous connecter à votre boîte mail {mail} ? Le support {mail} règle le problème en quelques "
    "minutes, contactez-nous.",
    "Regardez tous les films et séries en streaming gratuit et sans inscription sur {stream}",
    "Si vous cherchez une agence de {service} à Paris, {service} pas cher et professionnel, pensez à nous.",
    "Article intéressant. D'ailleurs, si quelqu'un a un souci avec son compte {mail}, le service client {mail} "
    "peut aider : {phone}",
]
EN_PITCH = [
    "Buy cheap {drug} online without prescription, discreet shipping worldwide: {url}",
    "Online pharmacy: {drug} and {drug2} at discount prices, secure payment at {url}",
    "Need an urgent loan? Low interest rate of {rate}%, approval in 24 hours, contact {name} at {email}",
    "Loans available with no credit check, up to ${amount}. Message me on WhatsApp {phone}.",
    "I made ${amount} in one week trading bitcoin with {name}, contact him on {phone}!",
    "Earn ${small} a day working from home, no experience needed, click here: {url}",
    "Invest in crypto and double your money in 7 days. Free sign-up at {url}",
    "Best online casino: ${small} welcome bonus and free spins at {url}",
    "Sports betting tips with 100% accuracy, join our Telegram channel {handle}",
    "SEO agency: first page of Google guaranteed in 30 days. Free quote: {url}",
    "High quality backlinks for sale to boost your ranking, unbeatable prices at {url}",
    "Powerful spell caster Dr {surname} brought my ex back in 3 days, email him at {email}",
    "Psychic readings by phone, instant answers to all your questions: {phone}",
    "Hot singles in your area are waiting for you, free registration: {url}",
    "Lose {kilos} pounds in a month without dieting with our natural supplement: {url}",
    "Luxury replica watches at crazy prices, free delivery: {url}",
    "Professional essay writing service, plagiarism free, cheap prices: {email}",
    "Buy real Instagram followers and likes from $2, instant delivery at {url}",
    "Printer not working? Call our 24/7 technical support at {phone}",
    "Congratulations, you have been selected to win an iPhone! Claim your prize here: {url}",
    "Is your {brand} printer showing error code {code}? Our certified technicians fix it remotely, "
    "call {brand} customer service at {phone}",
    "Book {airline} flights at the lowest fares: dial the {airline} reservations number and get the best "
    "deals on holidays and business trips.",
    "Can't sign in to your {mail} account? {mail} customer support solves it in minutes, contact our experts.",
    "Watch all the latest movies and TV shows free in HD without sign-up on {stream}",
    "If you are looking for {service} in Dubai, affordable and professional {service}, visit us today.",
    "Nice tutorial. By the way, if anyone faces an issue with their {mail} account, {mail} support can help: "
    "{phone}",
    "We provide the best {service} services in town at affordable prices, our team is available 24/7.",
]
# Content spam: a paragraph that reads like advice or a product page, on a commercial topic the post
# never mentions, often with no link at all (the link sits in the author URL or comes later).
EN_CONTENT = [
    "If your {brand} printer keeps going offline, restart the spooler, reconnect it to the wifi and reinstall "
    "the driver from the {brand} setup page. Our printer experts fix this problem every day.",
    "Many users face a {mail} login problem after changing their password. Clear the browser cache, reset the "
    "recovery options and sign in again, or simply talk to a {mail} expert.",
    "QuickBooks error {code} shows up when the company file is damaged. Run the file doctor tool, update to the "
    "latest release and contact a certified ProAdvisor if it persists.",
    "Looking for the best {service} company? We offer {service} with experienced staff, transparent pricing and a "
    "free consultation for every client.",
    "Router setup can be tricky: open the admin page, type the default password printed under the box and update "
    "the firmware. Call a router specialist if the orange light stays on.",
    "Activating your antivirus is easy: enter the 25-character product key on the activation page and follow the "
    "steps, or let our support team activate Norton or McAfee for you.",
    "Cash App refund: if a payment failed, open the activity tab and request a refund; if the merchant refuses, our "
    "team guides you through the dispute step by step.",
    "Students often struggle with assignments. Our assignment help experts write plagiarism-free papers in nursing, "
    "law and management before any deadline.",
    "Planning a trip? {airline} has cheap last-minute deals, and changing a booking is easy when you call the "
    "{airline} manage booking desk.",
    "Email not syncing on your iPhone? Check the IMAP settings, the incoming server and the port numbers, or ask one "
    "of our email technicians to fix it remotely.",
    "Play free online word games every day: jumble solver, crossword helper and daily sudoku, no download needed.",
    "Car accident lawyer in Houston: get the compensation you deserve, free case review and no fee unless we win.",
    "Read our honest reviews of the best gaming chairs and budget laptops of the year, with discount codes for "
    "every model.",
    "Our {service} plans help small businesses grow online with guaranteed results and affordable monthly prices.",
    "Stream the latest Hollywood and Bollywood movies in full HD on {stream}, no registration and no ads.",
]
FR_CONTENT = [
    "Si votre imprimante {brand} est hors ligne, redémarrez le spouleur, reconnectez-la au wifi et réinstallez le "
    "pilote depuis la page d'installation {brand}. Nos experts en imprimantes règlent ce problème tous les jours.",
    "Beaucoup d'utilisateurs n'arrivent plus à se connecter à {mail} après un changement de mot de passe : videz le "
    "cache, réinitialisez les options de récupération ou faites appel à un expert {mail}.",
    "Vous cherchez une entreprise de {service} ? Nous proposons {service} avec une équipe expérimentée, des tarifs "
    "transparents et un devis gratuit.",
    "Rachat de crédit : regroupez tous vos prêts en une seule mensualité réduite, simulation gratuite et réponse de "
    "principe immédiate.",
    "Avocat spécialisé en accidents de la route : obtenez l'indemnisation que vous méritez, premier rendez-vous "
    "offert et honoraires au résultat.",
    "Le meilleur site pour regarder les films et séries en VF sans inscription et sans publicité : {stream}",
    "Installer votre box internet est simple : branchez la fibre, ouvrez la page d'administration et saisissez la clé "
    "wifi. Nos techniciens peuvent aussi le faire à distance.",
    "Découvrez notre comparatif des meilleurs aspirateurs robots de l'année, avec des codes promo pour chaque modèle.",
    "Besoin d'un serrurier à Lyon 24h/24 ? Intervention en moins de 30 minutes, devis gratuit et prix imbattables.",
    "Nos rédacteurs font vos devoirs, mémoires et dissertations en droit, gestion et soins infirmiers, sans plagiat "
    "et dans les délais.",
    "Activer votre antivirus est facile : saisissez la clé produit sur la page d'activation, ou laissez notre équipe "
    "d'assistance l'activer pour vous.",
    "Isolation des combles à 1 euro, pompe à chaleur et panneaux solaires : profitez des aides de l'État, étude "
    "gratuite à domicile.",
]
DRUGS = ["Viagra", "Cialis", "Levitra", "tramadol", "Xanax", "Propecia", "modafinil", "Ozempic"]
FR_NAMES = ["M. Bernard Dupuis", "Mme Claire Lemoine", "M. Julien Moreau", "Mme Sophie Garnier"]
EN_NAMES = ["Mr James Walker", "Mrs Linda Carter", "Mr Robert Hayes", "Mrs Emily Brooks"]
SURNAMES = ["Okoro", "Adams", "Bello", "Lawson"]
BRANDS = ["HP", "Canon", "Epson", "Brother"]
AIRLINES = ["Delta Airlines", "American Airlines", "Air France", "Lufthansa", "Emirates"]
MAILS = ["Gmail", "Yahoo Mail", "Outlook", "AOL Mail", "Hotmail"]
STREAMS = ["123movies-free.stream", "showbox-hd.app", "films-streaming-vf.site", "putlocker-new.live"]
SERVICES = ["web design", "SEO", "packers and movers", "digital marketing", "payment gateway",
            "création de site web", "référencement naturel", "déménagement", "rachat de crédit"]

# --- ordinary comments ---------------------------------------------------------------
FR_HAM = [
    "Merci pour cet article, j'ai testé {w} hier et ça a très bien marché.",
    "Je ne suis pas d'accord sur {w} : chez nous, c'était tout l'inverse.",
    "Petite question : pour {w}, vous conseillez quoi quand on débute ?",
    "Très clair, surtout le passage sur {w}. J'aurais aimé plus de détails.",
    "Il me semble qu'il y a une erreur à propos de {w}, vous pouvez vérifier ?",
    "Ça me rappelle mon expérience avec {w}, il y a quelques années.",
    "Bravo pour la partie sur {w}, c'est rare de lire quelque chose d'aussi précis.",
    "J'ai partagé l'article avec ma sœur, elle cherchait justement des conseils sur {w}.",
    "Je complète : sur {w}, la page de votre article précédent est utile aussi : https://{site}/archives",
    "Pour ceux que ça intéresse, Wikipédia explique bien {w} : https://fr.wikipedia.org/wiki/Accueil",
    "Merci, super article !", "Très intéressant, merci.", "Bien vu, je n'y avais pas pensé.",
    "Je reviens sur {w} : après essai, je confirme tout ce que vous dites.",
]
EN_HAM = [
    "Thanks for this post, I tried {w} yesterday and it worked really well.",
    "I don't agree about {w}: in my case it was the exact opposite.",
    "Quick question: for {w}, what would you recommend to a beginner?",
    "Very clear, especially the part about {w}. I'd have liked more detail.",
    "I think there's a mistake about {w}, could you double-check?",
    "This reminds me of my own experience with {w} a few years ago.",
    "Well done on the section about {w}, it's rare to read something this precise.",
    "I shared this with my sister, she was looking for advice on {w}.",
    "To add to this: on {w}, your earlier post is useful too: https://{site}/archive",
    "For anyone interested, Wikipedia explains {w} well: https://en.wikipedia.org/wiki/Main_Page",
    "Great article, thanks!", "Very interesting, thank you.", "Good point, I hadn't thought of that.",
    "Coming back to {w}: I tried it and can confirm everything you say.",
]
PERSONAL_SITES = ["{first}-ecrit.blogspot.com", "{first}.wordpress.com", "www.{first}-photos.net", "{first}.substack.com"]
FIRST = ["camille", "julien", "nora", "malik", "sarah", "tom", "lucie", "david", "amina", "pierre"]


def _fill(rng: random.Random, template: str, lang: str) -> str:
    dom = rng.choice(SPAM_DOMAINS)
    url = rng.choice([f"https://{dom}", f"http://www.{dom}/offre", f"https://{dom}/?ref={rng.randint(100, 999)}"])
    phone = (f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
             if lang == "fr" else f"+1 ({rng.randint(200, 989)}) {rng.randint(200, 989)}-{rng.randint(1000, 9999)}")
    return template.format(
        drug=rng.choice(DRUGS), drug2=rng.choice(DRUGS), url=url, rate=rng.choice([1, 2, 3]),
        name=rng.choice(FR_NAMES if lang == "fr" else EN_NAMES), surname=rng.choice(SURNAMES),
        email=f"{rng.choice(['contact', 'info', 'help', 'service'])}{rng.randint(1, 99)}@{rng.choice(['gmail.com', 'outlook.com', 'yahoo.fr'])}",
        phone=phone, amount=rng.choice([3000, 5000, 12000, 25000]), small=rng.choice([200, 350, 500]),
        handle="@" + rng.choice(["gains_rapides", "winning_tips", "pronos_surs", "crypto_kings"]),
        kilos=rng.choice([5, 8, 10, 15]), brand=rng.choice(BRANDS), code=rng.choice(["B200", "E-04", "0x97", "5100"]),
        airline=rng.choice(AIRLINES), mail=rng.choice(MAILS), stream=rng.choice(STREAMS),
        service=rng.choice(SERVICES))


def blog_spam_rows(seed: int = 2026, per_post: int = 30) -> list[dict]:
    """Rows: ``text, lang, label (spam|clean), post_id, post_title, post_text,
    site_url, author_url`` and ``spam_by_fields`` for spam whose text alone is
    ordinary."""
    rng = random.Random(seed)
    out: list[dict] = []
    for k, (lang, site, title, text, words) in enumerate(POSTS):
        base = {"lang": lang, "post_id": f"blogspam:{k}", "post_title": title, "post_text": text,
                "site_url": f"https://{site}"}
        praise = FR_PRAISE if lang == "fr" else EN_PRAISE
        pitch = FR_PITCH if lang == "fr" else EN_PITCH
        ham = FR_HAM if lang == "fr" else EN_HAM
        for i in range(per_post):
            kind = i % 5
            if kind in (0, 1):          # a pitch, alone or after generic praise
                body = _fill(rng, rng.choice(pitch), lang)
                t = f"{rng.choice(praise)} {body}" if kind == 1 else body
                out.append({**base, "text": t, "label": "spam", "author_url": rng.choice(["", f"https://{rng.choice(SPAM_DOMAINS)}"])})
            elif kind == 2:             # generic praise + a foreign commercial link in the text
                dom = rng.choice(SPAM_DOMAINS)
                link = rng.choice([f"https://{dom}", f"<a href=\"https://{dom}\">{dom.split('.')[0].replace('-', ' ')}</a>"])
                out.append({**base, "text": f"{rng.choice(praise)} {link}", "label": "spam", "author_url": ""})
            elif kind == 4:             # content spam: advice-like text on an unrelated commercial topic
                body = _fill(rng, rng.choice(EN_CONTENT if lang == "en" else FR_CONTENT), lang)
                out.append({**base, "text": body, "label": "spam",
                            "author_url": rng.choice(["", "", f"https://{rng.choice(SPAM_DOMAINS)}"])})
            elif kind == 3:             # generic praise, the commercial URL only in the author field ...
                p = rng.choice(praise)
                out.append({**base, "text": p, "label": "spam",
                            "author_url": f"https://{rng.choice(SPAM_DOMAINS)}", "spam_by_fields": True})
                # ... and the same praise from a reader (no URL, or a personal one): clean
                au = rng.choice(["", f"https://{rng.choice(PERSONAL_SITES).format(first=rng.choice(FIRST))}"])
                out.append({**base, "text": p, "label": "clean", "author_url": au, "spam_by_fields": True})
            for _ in range(2):          # two ordinary comments for each spam one on average
                t = rng.choice(ham).format(w=rng.choice(words), site=site)
                au = rng.choice(["", "", f"https://{rng.choice(PERSONAL_SITES).format(first=rng.choice(FIRST))}"])
                out.append({**base, "text": t, "label": "clean", "author_url": au})
    # deduplicate exact repeats (the split would drop them anyway)
    seen: set = set()
    rows = []
    for r in out:
        key = (r["text"], r["post_id"], r["label"], r.get("author_url", ""))
        if key not in seen:
            seen.add(key)
            rows.append(r)
    return rows
