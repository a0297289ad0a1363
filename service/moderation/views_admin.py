"""Admin pages: sites (create, thresholds, word lists, trusted authors, credentials) and users."""
from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import func, select

from ..core.policy import REJECT_POINT, default_policy, effective_policy, hold_point, validate_overrides
from ..core.sites import create_site, reset_api_token, revoke_old_webhook_secret, rotate_webhook_secret
from ..db.auth_tables import ROLES, SiteRules, User, UserSite
from ..db.tables import PENDING, Comment, Site, utcnow
from ..web import db, settings
from .auth import admin_required, create_user, end_all_sessions, hash_password, set_user_sites
from .blueprint import bp
from .explain import model_info
from ..core.site_rules import clean_word_list
from ..db.ids import maybe_id, valid_id


@bp.route("/admin/sites", methods=["GET", "POST"])
@admin_required
def admin_sites():
    session = db()
    created = None
    error = None
    if request.method == "POST":
        try:
            new = create_site(session, request.form.get("name") or "", settings().secret_key)
            session.commit()
            created = new.as_json()
        except ValueError as exc:
            error = str(exc)
    sites = session.scalars(select(Site).order_by(Site.name)).all()
    pending = dict(session.execute(select(Comment.site_id, func.count()).where(Comment.status == PENDING)
                                   .group_by(Comment.site_id)).all())
    return render_template("admin_sites.html", sites=sites, pending=pending, created=created, error=error)


def _site_or_404(site_id: str) -> Site:
    site = db().get(Site, site_id)
    if site is None:
        abort(404)
    return site


def _parse_policy_form(form, labels) -> dict:
    data = {"approve_below": {}, "reject_above": {}}
    for label in labels:
        for key in ("approve_below", "reject_above"):
            raw = (form.get(f"{key}.{label}") or "").strip().replace(",", ".")
            if raw == "":
                if key == "reject_above":
                    data[key][label] = None
                continue
            try:
                data[key][label] = float(raw)
            except ValueError:
                data[key][label] = raw  # validate_overrides reports it
    return data


@bp.route("/admin/sites/<site_id>", methods=["GET", "POST"])
@admin_required
def admin_site(site_id: str):
    session = db()
    site = _site_or_404(site_id)
    rules = session.get(SiteRules, site.id)
    info = model_info()
    labels = list(info["labels"])
    errors: dict = {}
    flash = None
    secret = None
    token = None
    if request.method == "POST":
        what = request.form.get("what")
        if what == "policy":
            clean, errors = validate_overrides(labels, _parse_policy_form(request.form, labels))
            if not errors:
                site.policy = clean
                flash = "Saved."
        elif what == "rules":
            trusted_raw = (request.form.get("trusted_after") or "").strip()
            trusted = None
            if trusted_raw:
                if 1 <= (maybe_id(trusted_raw) or 0) <= 10_000:
                    trusted = maybe_id(trusted_raw)
                else:
                    errors["trusted_after"] = "must be a whole number from 1 to 10000"
            if not errors:
                if rules is None:
                    rules = SiteRules(site_id=site.id)
                    session.add(rules)
                rules.banned_words = clean_word_list(request.form.get("banned_words") or "")
                rules.suspect_words = clean_word_list(request.form.get("suspect_words") or "")
                rules.trusted_after = trusted
                rules.updated_at = utcnow()
                flash = "Saved."
        elif what == "rotate":
            secret = rotate_webhook_secret(session, site, settings().secret_key)
        elif what == "revoke":
            revoke_old_webhook_secret(session, site)
            flash = "The old webhook secret was revoked."
        elif what == "reset_token":
            token = reset_api_token(session, site)
        else:
            abort(400)
        if errors:
            session.rollback()
            site = _site_or_404(site_id)
            rules = session.get(SiteRules, site.id)
        else:
            session.commit()
    policy = effective_policy(labels, info["thresholds"], site.policy) if labels else None
    # the placeholders are the defaults a blank field gets, and the same values as the
    # "model card suggests" column beside them (one function decides both)
    defaults = default_policy(labels, info["thresholds"]) if labels else None
    overrides = site.policy or {}
    return render_template("admin_site.html", site=site, rules=rules, labels=labels, policy=policy,
                           defaults=defaults, hold_point=hold_point, reject_point=REJECT_POINT,
                           overrides=overrides, thresholds=info["thresholds"], model_version=info["version"],
                           errors=errors, flash=flash, secret=secret, token=token, form=request.form)


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def admin_users():
    session = db()
    error = None
    flash = None
    if request.method == "POST":
        what = request.form.get("what")
        try:
            if what == "create":
                create_user(session, request.form.get("username") or "", request.form.get("password") or "",
                            request.form.get("role") or "moderator", request.form.getlist("sites"))
                flash = "Saved."
            elif what == "update":
                user_id = maybe_id(request.form.get("user_id"))
                user = session.get(User, user_id) if valid_id(user_id) else None
                if user is None:
                    abort(404)
                role = request.form.get("role")
                if role not in ROLES:
                    raise ValueError("unknown role")
                known = set(session.scalars(select(Site.id)))
                set_user_sites(session, user, [s for s in request.form.getlist("sites") if s in known])
                active = request.form.get("active") == "1"
                password = request.form.get("password") or ""
                if password:
                    if len(password) < 8:
                        raise ValueError("password must have at least 8 characters")
                    user.password_hash = hash_password(password)
                if password or active != user.active or role != user.role:
                    end_all_sessions(session, user)  # log the user out everywhere
                user.role, user.active = role, active
                flash = "Saved."
            else:
                abort(400)
            session.commit()
        except ValueError as exc:
            session.rollback()
            error = str(exc)
    users = session.scalars(select(User).order_by(User.username)).all()
    sites = session.execute(select(Site.id, Site.name).order_by(Site.name)).all()
    assigned: dict[int, set] = {}
    for uid, sid in session.execute(select(UserSite.user_id, UserSite.site_id)).all():
        assigned.setdefault(uid, set()).add(sid)
    return render_template("admin_users.html", users=users, sites=sites, assigned=assigned, roles=ROLES,
                           error=error, flash=flash)
