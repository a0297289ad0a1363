"""French and English interface: a small dict-based catalog.

Message ids are the English texts; `FR` maps them to French. The language comes
from the switch (stored in the session) or else from the browser's Accept-Language.
"""
from __future__ import annotations

from flask import g, has_request_context, request, session

LANGS = ("en", "fr")
DEFAULT_LANG = "en"

FR: dict[str, str] = {
    # navigation, common
    "Queue": "File d'attente",
    "Audit log": "Journal d'audit",
    "Dashboard": "Tableau de bord",
    "Sites": "Sites",
    "Users": "Utilisateurs",
    "Log out": "Se déconnecter",
    "Log in": "Se connecter",
    "Username": "Nom d'utilisateur",
    "Password": "Mot de passe",
    "Language": "Langue",
    "Moderation": "Modération",
    "Wrong username or password.": "Nom d'utilisateur ou mot de passe incorrect.",
    "Too many failed attempts. Try again in 15 minutes.": "Trop d'échecs. Réessayez dans 15 minutes.",
    "Too many failed attempts. Try again in a minute.": "Trop d'échecs. Réessayez dans une minute.",
    "Signed in as": "Connecté en tant que",
    "Skip to content": "Aller au contenu",
    # queue filters
    "Filters": "Filtres",
    "Site": "Site",
    "All sites": "Tous les sites",
    "Post": "Article",
    "Label": "Catégorie",
    "Any": "Toutes",
    "Status": "Statut",
    "Sort": "Tri",
    "Priority (highest score first)": "Priorité (score le plus haut d'abord)",
    "Oldest first": "Plus anciens d'abord",
    "Newest first": "Plus récents d'abord",
    "From": "Du",
    "To": "Au",
    "Search text or author": "Rechercher dans le texte ou l'auteur",
    "Search": "Rechercher",
    "Apply": "Appliquer",
    "Reset": "Réinitialiser",
    "pending": "en attente",
    "approved": "approuvé",
    "rejected": "rejeté",
    "received": "reçu",
    "all": "tous",

    "Nothing to moderate here.": "Rien à modérer ici.",
    "Next page": "Page suivante",
    "First page": "Première page",
    "Author": "Auteur",
    "Author's comments": "Commentaires de l'auteur",
    # item
    "Approve": "Approuver",
    "Reject": "Rejeter",
    "Undo": "Défaire",
    "Select": "Sélectionner",
    "Thread": "Fil",
    "Why held": "Pourquoi retenu",
    "Why rejected": "Pourquoi rejeté",
    "Why approved": "Pourquoi approuvé",
    "Reasons": "Raisons",
    # status tabs, empty queue, density, confirmation, per-author rules
    "Pending": "En attente",
    "Approved": "Approuvés",
    "Rejected": "Rejetés",
    "Spam": "Spam",
    "All": "Tous",
    "One author": "Un auteur",
    "The queue is empty. Nice work! New comments that need you will appear here.":
        "La file est vide. Beau travail ! Les nouveaux commentaires qui ont besoin de vous apparaîtront ici.",
    "No comment here for this filter.": "Aucun commentaire ici pour ce filtre.",
    "Compact view": "Vue compacte",
    "Comfortable view": "Vue aérée",
    "Yes, do it": "Oui, allez-y",
    "Trust this author": "Faire confiance à cet auteur",
    "Always hold this author": "Toujours retenir cet auteur",
    "Remove the author rule": "Retirer la règle sur l'auteur",
    "All their comments": "Tous ses commentaires",
    "always held": "toujours retenu",
    "no rule": "aucune règle",
    "Author rules": "Règles sur les auteurs",
    "moderator rule": "règle d'un modérateur",
    "author always held": "auteur toujours retenu",
    "Saved: it applies to the next comments of this author.":
        "Enregistré : la règle s'applique aux prochains commentaires de cet auteur.",
    "Rule removed: their next comments are scored as anyone else’s.":
        "Règle retirée : ses prochains commentaires seront évalués comme ceux de tout le monde.",
    "author_rule_action": "règle sur l'auteur",
    "Scores": "Scores",
    "In reply to": "En réponse à",
    "Reply context": "Contexte (Répondre)",
    "approved_count": "approuvés",
    "rejected_count": "rejetés",
    "Open post": "Ouvrir l'article",
    "no reason recorded": "aucune raison enregistrée",
    "hold threshold": "seuil de rétention",
    "reject threshold": "seuil de rejet",
    "banned word": "mot interdit",
    "suspect word": "mot suspect",
    "trusted author": "auteur de confiance",
    "Language detected": "Langue",
    "Received": "Reçu",
    "anonymous": "anonyme",
    # bulk / reasons

    "Select all on this page": "Tout sélectionner sur cette page",
    "All matching the filter ({n})": "Tous ceux du filtre ({n})",
    "Approve selected": "Approuver la sélection",
    "Reject selected": "Rejeter la sélection",
    "Clear selection": "Vider la sélection",
    "Reason": "Raison",
    "toxic": "toxique",
    "spam": "spam",
    "off_topic": "hors sujet",
    "other": "autre",
    "Reject with which reason?": "Rejeter pour quelle raison ?",
    "Cancel": "Annuler",
    "Done": "Fait",
    "Undone": "Défait",
    "Nothing to undo": "Rien à défaire",
    "Action failed": "L'action a échoué",
    # shortcuts
    "Keyboard shortcuts": "Raccourcis clavier",
    "next item": "élément suivant",
    "previous item": "élément précédent",
    "approve": "approuver",
    "reject (then 1-4 or Enter for the reason)": "rejeter (puis 1-4 ou Entrée pour la raison)",
    "select / unselect": "sélectionner / désélectionner",
    "undo the last action": "défaire la dernière action",
    "show this help": "afficher cette aide",
    "close": "fermer",
    "Close": "Fermer",
    # thread
    "Thread view": "Vue du fil",
    "No post known for this comment.": "Aucun article connu pour ce commentaire.",
    "Back to the queue": "Retour à la file",
    # audit
    "When": "Quand",
    "Who": "Qui",
    "Action": "Action",
    "Comment": "Commentaire",
    "Before": "Avant",
    "After": "Après",
    "Model version": "Version du modèle",
    "Moderator": "Modérateur",
    "No entries.": "Aucune entrée.",
    "Older entries": "Entrées plus anciennes",
    "approve_action": "approbation",
    "reject_action": "rejet",
    "hold_action": "mise en attente",
    "undo_action": "retour en arrière",
    # dashboard
    "Queue size per site": "Taille de la file par site",
    "What happened each day (last {n} days)": "Ce qui s'est passé chaque jour ({n} derniers jours)",
    "Day": "Jour",
    "Comments in": "Commentaires reçus",
    "Approved automatically": "Approuvés automatiquement",
    "Rejected automatically": "Rejetés automatiquement",
    "Held for a person": "Retenus pour un humain",
    "Decided by people": "Décidés par des humains",
    "Days without any comment or decision are left out.": "Les jours sans commentaire ni décision sont omis.",
    "No comment and no decision in this period.": "Aucun commentaire ni décision sur cette période.",
    "How long a held comment waits": "Combien de temps un commentaire retenu attend",
    "How often people overturn the automatic decisions (last {d} days)":
        "À quelle fréquence les humains contredisent les décisions automatiques ({d} derniers jours)",
    "Held": "Retenus",
    "Held, then approved by a person": "Retenus, puis approuvés par un humain",
    "Rejected, then approved by a person": "Rejetés, puis approuvés par un humain",
    "then rejected by a person": "puis rejetés par un humain",
    "A percentage is the share of the comments a person reviewed (the second number in brackets) that they decided the other way (the first number). A high share for a label means its threshold is too strict for this site.":
        "Un pourcentage est la part des commentaires examinés par un humain (le second nombre entre parenthèses) "
        "qu'il a tranchés dans l'autre sens (le premier nombre). Une part élevée pour une catégorie signifie que "
        "son seuil est trop strict pour ce site.",
    "No automatic decision in this period.": "Aucune décision automatique sur cette période.",
    "Why comments are held (last {d} days)": "Pourquoi les commentaires sont retenus ({d} derniers jours)",
    "Holds": "Rétentions",
    "Share": "Part",
    "Share of all the label reasons behind holds; a comment held for two labels counts for both.":
        "Part de toutes les catégories à l'origine des rétentions ; un commentaire retenu pour deux catégories compte pour les deux.",
    "No comment was held in this period.": "Aucun commentaire retenu sur cette période.",
    "Every queue is empty.": "Toutes les files sont vides.",
    "No decision by a moderator in this period.": "Aucune décision de modérateur sur cette période.",
    "Decisions per day (last 14 days)": "Décisions par jour (14 derniers jours)",
    "Held or rejected by label (last 30 days)": "Retenus ou rejetés par catégorie (30 derniers jours)",
    "Moderator throughput (last 7 days)": "Débit des modérateurs (7 derniers jours)",
    "Model": "Modèle",
    "decisions": "décisions",
    "held": "retenus",
    "Current model version": "Version actuelle du modèle",
    "Comments scored per model version (last 30 days)": "Commentaires évalués par version du modèle (30 derniers jours)",
    "Updated": "Mis à jour",
    "Word lists and trusted authors": "Listes de mots et auteurs de confiance",
    "refresh": "actualiser",
    "unknown": "inconnue",
    "automatic": "automatique",
    "by moderators": "par les modérateurs",
    # admin
    "Create a site": "Créer un site",
    "Name": "Nom",
    "Create": "Créer",
    "Settings": "Réglages",
    "Site settings": "Réglages du site",
    "Thresholds": "Seuils",
    "Approve below": "Approuver en dessous de",
    "Reject above": "Rejeter au-dessus de",
    "Model card suggests": "Suggestion de la fiche du modèle",
    "blank = off": "vide = désactivé",
    "blank = model default": "vide = valeur du modèle",
    "Banned words (auto-reject), one per line": "Mots interdits (rejet automatique), un par ligne",
    "Suspect words (hold for review), one per line": "Mots suspects (mise en attente), un par ligne",
    "Matched as whole words, ignoring case and accents.": "Recherchés en mots entiers, sans tenir compte de la casse ni des accents.",
    "Trusted authors: auto-approve after this many approved comments (blank = off)":
        "Auteurs de confiance : approbation automatique après ce nombre de commentaires approuvés (vide = désactivé)",
    "Save": "Enregistrer",
    "Saved.": "Enregistré.",
    "Credentials": "Identifiants",
    "Rotate the webhook secret": "Renouveler le secret du webhook",
    "Revoke the old webhook secret": "Révoquer l'ancien secret du webhook",
    "Reset the API token": "Réinitialiser le jeton d'API",
    "An old webhook secret is still valid.": "Un ancien secret de webhook est encore valide.",
    "Only the current webhook secret is valid.": "Seul le secret actuel du webhook est valide.",
    "New webhook secret (shown once; the old one stays valid until revoked):":
        "Nouveau secret du webhook (affiché une seule fois ; l'ancien reste valide jusqu'à sa révocation) :",
    "New API token (shown once; the previous token no longer works):":
        "Nouveau jeton d'API (affiché une seule fois ; l'ancien ne fonctionne plus) :",
    "New site created. Keep these values, they are not shown again:":
        "Site créé. Conservez ces valeurs, elles ne seront plus affichées :",
    "The old webhook secret was revoked.": "L'ancien secret du webhook a été révoqué.",
    "Webhook secret": "Secret du webhook",
    "API token": "Jeton d'API",
    "Create a user": "Créer un utilisateur",
    "Role": "Rôle",
    "admin": "administrateur",
    "moderator": "modérateur",
    "Active": "Actif",
    "Assigned sites": "Sites attribués",
    "Update": "Mettre à jour",
    "New password (optional)": "Nouveau mot de passe (facultatif)",
    "Some values are invalid:": "Certaines valeurs sont invalides :",
    # deliveries
    "Connections that need you": "Connexions à réparer",
    "{platform} ({site}): its credentials were refused or could not be renewed. Store new ones with `colombe integrations set`; polls and write-backs resume on their own.":
        "{platform} ({site}) : ses identifiants ont été refusés ou n'ont pas pu être renouvelés. Enregistrez-en de "
        "nouveaux avec `colombe integrations set` ; relevés et renvois reprennent d'eux-mêmes.",
    "Since {at}:": "Depuis {at} :",
    "Deliveries": "Envois",
    "Dead letters": "Envois abandonnés",
    "dead letters": "envois abandonnés",
    "Decisions sent to each site's outbound webhook or blog platform. A delivery that keeps failing is dead-lettered: fix the cause, then retry it.":
        "Décisions envoyées au webhook sortant ou à la plateforme de blog de chaque site. Un envoi qui échoue trop "
        "souvent est abandonné : corrigez la cause, puis relancez-le.",
    "Created": "Créé",
    "Target": "Destination",
    "Decision": "Décision",
    "Attempts": "Tentatives",
    "Last error": "Dernière erreur",
    "Next attempt": "Prochaine tentative",
    "Retry": "Relancer",
    "Newest": "Plus récents",
    "No deliveries.": "Aucun envoi.",
    "delivered": "envoyé",
    "dead": "abandonné",
    "superseded": "remplacé",
    "Outbound webhook": "Webhook sortant",
    "WordPress": "WordPress",
    "Blogger": "Blogger",
    "Disqus": "Disqus",
    "Delivery #{id} is queued again.": "L'envoi n° {id} est de nouveau en file.",
    "Delivery #{id} is not dead-lettered; nothing was changed.":
        "L'envoi n° {id} n'est pas abandonné ; rien n'a été modifié.",
    # model labels and rule kinds
    "toxicity": "toxicité",
    "severe_toxicity": "toxicité grave",
    "insult": "insulte",
    "threat": "menace",
    "identity_attack": "attaque identitaire",
    "obscene": "obscénité",
    "banned_word": "mot interdit",
    "suspect_word": "mot suspect",
    "trusted_author": "auteur de confiance",
    "author_rule": "règle sur l'auteur",
    "toxic_reason": "toxique",
}

# English names of model labels and reasons (ids are snake_case; people read words)
EN: dict[str, str] = {
    "toxicity": "toxicity", "severe_toxicity": "severe toxicity", "identity_attack": "identity attack",
    "off_topic": "off-topic", "banned_word": "banned word", "suspect_word": "suspect word",
    "trusted_author": "trusted author", "author_rule": "author rule",
}

# (singular, plural) English -> (singular, plural) French; French uses the singular for 0 and 1
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("{n} comment matches", "{n} comments match"): ("{n} commentaire correspond", "{n} commentaires correspondent"),
    ("{n} selected", "{n} selected"): ("{n} sélectionné", "{n} sélectionnés"),
    ("Approve {n} comment?", "Approve {n} comments?"): ("Approuver {n} commentaire ?", "Approuver {n} commentaires ?"),
    ("Reject {n} comment?", "Reject {n} comments?"): ("Rejeter {n} commentaire ?", "Rejeter {n} commentaires ?"),
    ("{n} comment", "{n} comments"): ("{n} commentaire", "{n} commentaires"),
    ("{n} decision", "{n} decisions"): ("{n} décision", "{n} décisions"),
    ("{n} low score", "{n} low scores"): ("{n} score bas", "{n} scores bas"),
    ("Median time from a comment's arrival to a person's decision, over the {n} decision of the last {d} days.",
     "Median time from a comment's arrival to a person's decision, over the {n} decisions of the last {d} days."):
        ("Durée médiane entre l'arrivée d'un commentaire et la décision d'un humain, sur {n} décision des {d} "
         "derniers jours.",
         "Durée médiane entre l'arrivée d'un commentaire et la décision d'un humain, sur les {n} décisions des {d} "
         "derniers jours."),
}

CATALOGS = {"fr": FR, "en": EN}


def current_lang() -> str:
    if not has_request_context():
        return DEFAULT_LANG
    if "ui_lang" not in g:
        chosen = session.get("lang")
        if chosen not in LANGS:
            chosen = request.accept_languages.best_match(LANGS) or DEFAULT_LANG
        g.ui_lang = chosen
    return g.ui_lang


def label_name(label: str | None) -> str:
    """A model label or rule kind as shown to people ("off_topic" → "off topic" / "hors sujet")."""
    if not label:
        return ""
    text = gettext(label)
    return text.replace("_", " ") if text == label else text


def _typography(text: str) -> str:
    """French: a no-break space before : ; ! ? (narrow before ; ! ?), so they never start a line."""
    return (text.replace(" :", "\u00a0:").replace(" ?", "\u202f?").replace(" !", "\u202f!")
            .replace(" ;", "\u202f;"))


def gettext(message: str, **values) -> str:
    lang = (g.get("ui_lang") or current_lang()) if has_request_context() else DEFAULT_LANG
    catalog = CATALOGS.get(lang)
    text = catalog.get(message, message) if catalog else message
    if text == message and message.endswith(("_count", "_action")):
        text = message.rsplit("_", 1)[0]  # English rendering of suffixed ids
    if lang == "fr":
        text = _typography(text)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, count: int, **values) -> str:
    """The form for `count` ("{n}" in the text is `count` unless `n=` is given, e.g. "1000+")."""
    lang = current_lang()
    if lang == "fr" and (singular, plural) in PLURALS:
        one, other = PLURALS[(singular, plural)]
        text = _typography(one if abs(count) <= 1 else other)
    else:
        text = singular if count == 1 else plural
    values.setdefault("n", count)
    return text.format(**values)


def colon() -> str:
    """The colon after a label: "Author:" / "Auteur :" (no-break space in French)."""
    return "\u00a0:" if current_lang() == "fr" else ":"
