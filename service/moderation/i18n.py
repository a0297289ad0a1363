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
    "comments match": "commentaires correspondent",
    "Nothing to moderate here.": "Rien à modérer ici.",
    "Next page": "Page suivante",
    "First page": "Première page",
    "Author": "Auteur",
    "Author's comments": "Commentaires de l'auteur",
    # item
    "Approve": "Approuver",
    "Reject": "Rejeter",
    "Undo": "Annuler",
    "Select": "Sélectionner",
    "Thread": "Fil",
    "Why held": "Pourquoi retenu",
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
    "selected": "sélectionné(s)",
    "Select all on this page": "Tout sélectionner sur cette page",
    "All matching the filter": "Tous ceux qui correspondent au filtre",
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
    "Undone": "Annulé",
    "Nothing to undo": "Rien à annuler",
    "Action failed": "L'action a échoué",
    # shortcuts
    "Keyboard shortcuts": "Raccourcis clavier",
    "next item": "élément suivant",
    "previous item": "élément précédent",
    "approve": "approuver",
    "reject (then 1-4 or Enter for the reason)": "rejeter (puis 1-4 ou Entrée pour la raison)",
    "select / unselect": "sélectionner / désélectionner",
    "undo the last action": "annuler la dernière action",
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
    "undo_action": "annulation",
    # dashboard
    "Queue size per site": "Taille de la file par site",
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
    "Pending": "En attente",
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
}

CATALOGS = {"fr": FR}


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


def gettext(message: str, **values) -> str:
    catalog = CATALOGS.get(g.get("ui_lang") or current_lang()) if has_request_context() else None
    text = catalog.get(message, message) if catalog else message
    if text == message and message.endswith(("_count", "_action")):
        text = message.rsplit("_", 1)[0]  # English rendering of suffixed ids
    return text.format(**values) if values else text
