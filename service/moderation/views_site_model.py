"""The site settings page's "Site model" section (template `_site_model.html`, included by
`admin_site.html`): decisions used, live vs candidate figures, the version history with
who promoted what and when, promote / roll back / train now, and the site's learning
settings. Every action is a POST with the session's CSRF token, audited in
`site_model_events`."""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from sqlalchemy import select

from ..core.site_learning_state import shadow_report
from ..core.site_models import SiteModelActionError, event, learning_row, promote, rollback
from ..db.site_model_tables import PROMOTE_MODES, SiteModelEvent, SiteModelVersion
from ..db.tables import Site
from ..web import db, settings, site_jobs
from . import i18n
from .auth import actor_name, admin_required, current_user
from .blueprint import bp

FLASHES = {
    "promoted": "The version is live; the pending queue is being rescored.",
    "rolled_back": "Rolled back; the pending queue is being rescored.",
    "saved": "Saved.",
    "queued": "A training run is queued; reload in a minute.",
}

i18n.FR.update({
    "Site model": "Modèle du site",
    "This site's own model learns from its moderators' decisions; the global model is never changed.":
        "Le modèle propre à ce site apprend des décisions de ses modérateurs ; le modèle global n'est jamais modifié.",
    "Live": "En service",
    "Candidate": "Candidat",
    "global model only": "modèle global seul",
    "none": "aucun",
    "Decisions used by the last run": "Décisions utilisées par le dernier entraînement",
    "Last run": "Dernier entraînement",
    "never": "jamais",
    "Held-out newest decisions": "Décisions les plus récentes mises de côté",
    "ROC AUC, live model": "ROC AUC, modèle en service",
    "ROC AUC, candidate": "ROC AUC, candidat",
    "Difference (90 % interval)": "Écart (intervalle à 90 %)",
    "Positives / negatives": "Positifs / négatifs",
    "Decisions right at the site's thresholds (right / wrong / held)":
        "Décisions justes aux seuils du site (justes / fausses / retenues)",
    "In shadow since it was trained": "En observation depuis son entraînement",
    "comments scored, decisions since": "commentaires notés, décisions depuis",
    "Versions": "Versions",
    "Version": "Version",
    "Created": "Créée",
    "Trained on": "Entraînée sur",
    "Promoted": "Mise en service",
    "Action": "Action",
    "Promote": "Mettre en service",
    "Roll back": "Revenir à la version précédente",
    "Train now": "Entraîner maintenant",
    "Promotion": "Mise en service",
    "automatic when the candidate is clearly better": "automatique quand le candidat est nettement meilleur",
    "by hand": "à la main",
    "Train after this many new decisions (blank = default)":
        "Entraîner après ce nombre de nouvelles décisions (vide = par défaut)",
    "History": "Historique",
    "retired": "retirée",
    "live": "en service",
    "candidate": "candidat",
    "sits on another global model: not used until it retrains":
        "repose sur un autre modèle global : inutilisée jusqu'au prochain entraînement",
    "decisions": "décisions",
    "No site model yet: it trains once the site has enough decisions.":
        "Pas encore de modèle du site : il s'entraîne dès que le site a assez de décisions.",
    "The version is live; the pending queue is being rescored.":
        "La version est en service ; la file d'attente est en cours de réévaluation.",
    "Rolled back; the pending queue is being rescored.":
        "Retour effectué ; la file d'attente est en cours de réévaluation.",
    "A training run is queued; reload in a minute.":
        "Un entraînement est en file ; rechargez dans une minute.",
    "Result": "Résultat",
    "train": "entraînement",
    "promote": "mise en service",
    "rollback": "retour arrière",
    "keep": "conservé",
    "settings": "réglages",
    "by": "par",
})


@bp.app_template_global("site_model_panel")
def site_model_panel(site_id: str) -> dict:
    """Everything the section shows, for the template."""
    from .explain import model_info

    session = db()
    state = learning_row(session, site_id)
    session.commit()  # the row exists from now on
    rows = session.scalars(select(SiteModelVersion).where(SiteModelVersion.site_id == site_id)
                           .order_by(SiteModelVersion.seq.desc()).limit(100)).all()
    events = session.scalars(select(SiteModelEvent).where(SiteModelEvent.site_id == site_id)
                             .order_by(SiteModelEvent.id.desc()).limit(20)).all()
    newest = rows[0] if rows else None
    global_version = model_info().get("version")
    return {
        "state": state, "versions": rows, "events": events, "newest": newest, "global_version": global_version,
        "shadow": shadow_report(session, site_id, state.candidate_version),
        "every_default": settings().site_learn_every, "modes": PROMOTE_MODES,
        "flash": FLASHES.get(request.args.get("model_flash", "")), "error": request.args.get("model_error"),
    }


def _back(site_id: str, **args):
    return redirect(url_for("moderation.admin_site", site_id=site_id, **args) + "#site-model", code=303)


@bp.post("/admin/sites/<site_id>/model")
@admin_required
def site_model_action(site_id: str):
    session = db()
    if session.get(Site, site_id) is None:
        abort(404)
    what = request.form.get("what")
    actor = actor_name(current_user())
    try:
        if what == "promote":
            version = (request.form.get("version") or "").strip()
            promote(session, site_id, version, actor, reason="promoted from the settings page")
            session.commit()
            site_jobs().rescore(site_id)
            return _back(site_id, model_flash="promoted")
        if what == "rollback":
            rollback(session, site_id, actor, reason="rolled back from the settings page")
            session.commit()
            site_jobs().rescore(site_id)
            return _back(site_id, model_flash="rolled_back")
        if what == "train":
            event(session, site_id, "train_requested", actor, reason="requested from the settings page")
            session.commit()
            site_jobs().learn(site_id)
            return _back(site_id, model_flash="queued")
        if what == "settings":
            mode = request.form.get("promote_mode")
            raw = (request.form.get("every_n") or "").strip()
            if mode not in PROMOTE_MODES:
                return _back(site_id, model_error="promote_mode")
            if raw and not (raw.isdigit() and 1 <= int(raw) <= 100_000):
                return _back(site_id, model_error="every_n")
            state = learning_row(session, site_id, lock="update")
            state.promote_mode, state.every_n = mode, (int(raw) if raw else None)
            event(session, site_id, "settings", actor, details={"promote_mode": mode, "every_n": state.every_n})
            session.commit()
            return _back(site_id, model_flash="saved")
    except SiteModelActionError as exc:
        session.rollback()
        return _back(site_id, model_error=str(exc)[:200])
    abort(400)
