"""The moderator UI: log in, see why a comment was held, decide fast, audit everything.

`init_app(app)` is called by `service.app.create_app`.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from . import i18n
from . import views_admin, views_auth, views_deliveries, views_queue, views_reports  # noqa: F401  (routes)
from . import views_site_model  # noqa: F401  (the site settings page's site model section)
from . import views_authors  # noqa: F401  (per-author rules from the card)
from .score_view import score_rows, why_heading
from .auth import allowed_site_ids, csrf_token, current_user
from .blueprint import bp
from .formatting import register_filters


def init_app(app: Flask) -> None:
    # Flask sets a default (31 days): set ours, from the settings. The cookie ends then;
    # the server-side session row ends at the same time (see auth.login_session).
    settings = app.extensions["colombe"]["settings"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=settings.session_lifetime_s)
    app.config["SESSION_COOKIE_NAME"] = "colombe_session"
    app.register_blueprint(bp)
    app.jinja_env.autoescape = True
    app.jinja_env.globals.update(
        _=i18n.gettext, ngettext=i18n.ngettext, colon=i18n.colon, ui_lang=i18n.current_lang,
        score_rows=score_rows, why_heading=why_heading, csrf_token=csrf_token, current_user=current_user,
        allowed_site_ids=allowed_site_ids, UI_LANGS=i18n.LANGS,
        dead_delivery_count=views_deliveries.dead_delivery_count,
    )
    register_filters(app)
    app.extensions.setdefault("colombe_moderation", {})
