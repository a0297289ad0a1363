"""Login, logout, language switch."""
from __future__ import annotations

from flask import redirect, render_template, request, session, url_for

from ..db.tables import utcnow
from ..web import db
from .auth import (authenticate, clear_failures, client_ip, current_user, login_blocked, login_session,
                   logout_session, record_failure, USERNAME_MAX)
from .blueprint import bp
from .i18n import LANGS, gettext as _


def safe_next(target: str | None, default: str = "/queue") -> str:
    """Only same-site relative paths (no //host, no scheme) are followed after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user() is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("login.html", next=safe_next(request.args.get("next"), ""), error=None)
    session_db = db()
    username = (request.form.get("username") or "").strip()[:USERNAME_MAX]
    password = request.form.get("password") or ""
    next_url = safe_next(request.form.get("next"))
    ip = client_ip()
    if login_blocked(session_db, username, ip):
        return render_template("login.html", next=next_url, error=_("Too many failed attempts. Try again in 15 minutes.")), \
            429, {"Retry-After": "900"}
    user = authenticate(session_db, username, password) if username and password else None
    if user is None:
        record_failure(session_db, username, ip)
        session_db.commit()
        return render_template("login.html", next=next_url, error=_("Wrong username or password.")), 401
    clear_failures(session_db, username, ip)
    user.last_login_at = utcnow()
    session_db.commit()
    login_session(user)
    return redirect(next_url)


@bp.post("/logout")
def logout():
    logout_session()
    return redirect(url_for("moderation.login"))


@bp.post("/lang")
def set_lang():
    lang = request.form.get("lang")
    if lang in LANGS:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), "/queue"))


@bp.get("/")
def home():
    return redirect(url_for("moderation.queue_page") if current_user() else url_for("moderation.login"))
