"""Login, logout, language switch."""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for

from ..db.tables import utcnow
from ..web import db, settings
from .auth import (authenticate, clear_failures, client_ip, current_user, login_session, login_wait_s,
                   logout_session, record_failure, USERNAME_MAX)
from .blueprint import bp
from .i18n import LANGS, gettext as _


def safe_next(target: str | None, default: str = "/queue") -> str:
    """Only a same-site path is followed after login: it starts with one "/" (not "//" nor
    "/\\"), holds no backslash, no control character and no whitespace (browsers drop tabs
    and newlines, so "/<TAB>/evil.example" would become "//evil.example"), and parses with no
    scheme and no host."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target) or "\\" in target:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
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
    wait = login_wait_s(session_db, username, ip)
    if wait:
        message = _("Too many failed attempts. Try again in 15 minutes.") if wait > 60 else \
            _("Too many failed attempts. Try again in a minute.")
        return render_template("login.html", next=next_url, error=message), 429, {"Retry-After": str(wait)}
    user = authenticate(session_db, username, password) if username and password else None
    if user is None:
        record_failure(session_db, username, ip)
        session_db.commit()
        return render_template("login.html", next=next_url, error=_("Wrong username or password.")), 401
    clear_failures(session_db, username, ip)
    user.last_login_at = utcnow()
    session_db.commit()
    login_session(user, settings().session_lifetime_s)
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
