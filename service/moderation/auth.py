"""Moderator accounts: password hashing, sessions, CSRF, login rate limit, site access."""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import abort, g, jsonify, redirect, request, session, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..db.auth_tables import ROLE_ADMIN, ROLES, LoginAttempt, User, UserSite
from ..db.tables import Site, utcnow
from ..web import db

_hasher = PasswordHasher()  # argon2id with the library's current defaults
# A hash to verify against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("colombe-dummy-password")

LOGIN_MAX_FAILURES = 5  # per username and IP, within the window
ACCOUNT_LOCK_FAILURES = 20  # per username from any IPs: the account locks for the window
LOGIN_WINDOW = timedelta(minutes=15)
USERNAME_MAX = 64
PASSWORD_MIN = 8
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


# ---- passwords ---------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def valid_username(name: str) -> bool:
    return bool(name) and len(name) <= USERNAME_MAX and all(ch.isalnum() or ch in "._-@" for ch in name)


def create_user(session: Session, username: str, password: str, role: str, site_ids=()) -> User:
    username = username.strip()
    if not valid_username(username):
        raise ValueError("username: 1-64 letters, digits or . _ - @")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < PASSWORD_MIN:
        raise ValueError(f"password must have at least {PASSWORD_MIN} characters")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise ValueError(f"user {username!r} already exists")
    site_ids = list(dict.fromkeys(site_ids))
    if site_ids:
        known = set(session.scalars(select(Site.id).where(Site.id.in_(site_ids))))
        missing = [s for s in site_ids if s not in known]
        if missing:
            raise ValueError(f"unknown site(s): {', '.join(missing)}")
    user = User(username=username, password_hash=hash_password(password), role=role, active=True,
                session_version=1, created_at=utcnow())
    session.add(user)
    session.flush()
    for sid in site_ids:
        session.add(UserSite(user_id=user.id, site_id=sid))
    session.flush()
    return user


def set_user_sites(session: Session, user: User, site_ids) -> None:
    session.execute(delete(UserSite).where(UserSite.user_id == user.id))
    for sid in dict.fromkeys(site_ids):
        session.add(UserSite(user_id=user.id, site_id=sid))
    session.flush()


# ---- login rate limit ----------------------------------------------------------------

def client_ip() -> str:
    # Behind a proxy, configure ProxyFix in the deployment; we trust only remote_addr here.
    return (request.remote_addr or "unknown")[:64]


def recent_failures(session: Session, username: str, ip: str) -> int:
    since = utcnow() - LOGIN_WINDOW
    return session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username.lower()[:USERNAME_MAX], LoginAttempt.ip == ip,
        LoginAttempt.created_at >= since)) or 0


def login_blocked(session: Session, username: str, ip: str) -> bool:
    """Rate limit (5 failures per username + IP) and account lockout (20 failures for the
    username from any addresses, so rotating IPs does not help a guesser), per window."""
    if recent_failures(session, username, ip) >= LOGIN_MAX_FAILURES:
        return True
    since = utcnow() - LOGIN_WINDOW
    account = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username.lower()[:USERNAME_MAX], LoginAttempt.created_at >= since)) or 0
    return account >= ACCOUNT_LOCK_FAILURES


def record_failure(session: Session, username: str, ip: str) -> None:
    session.add(LoginAttempt(username=username.lower()[:USERNAME_MAX], ip=ip, created_at=utcnow()))
    # Keep the table small: forget attempts older than the window.
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - LOGIN_WINDOW * 4))


def clear_failures(session: Session, username: str, ip: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username.lower()[:USERNAME_MAX],
                                               LoginAttempt.ip == ip))


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# ---- sessions --------------------------------------------------------------------------

def login_session(user: User) -> None:
    session.clear()  # a fresh session on login (no fixation)
    session.permanent = True
    session["uid"] = user.id
    session["sv"] = user.session_version
    session["csrf"] = secrets.token_urlsafe(32)


def logout_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_user() -> User | None:
    if "user" in g:
        return g.user
    user = None
    uid = session.get("uid")
    if uid is not None:
        candidate = db().get(User, uid)
        if candidate is not None and candidate.active and candidate.session_version == session.get("sv"):
            user = candidate
        else:
            session.pop("uid", None)
    g.user = user
    return user


def allowed_site_ids(user: User | None = None) -> list[str]:
    """Sites this user may see: all for admins, the assigned ones for moderators."""
    user = user or current_user()
    if user is None:
        return []
    if "allowed_sites" not in g:
        if user.role == ROLE_ADMIN:
            g.allowed_sites = list(db().scalars(select(Site.id).order_by(Site.name, Site.id)))
        else:
            g.allowed_sites = list(db().scalars(
                select(UserSite.site_id).join(Site, Site.id == UserSite.site_id)
                .where(UserSite.user_id == user.id).order_by(Site.name, Site.id)))
    return g.allowed_sites


def can_see_site(site_id: str | None) -> bool:
    return bool(site_id) and site_id in allowed_site_ids()


def actor_name(user: User) -> str:
    return f"user:{user.username}"


def _wants_json() -> bool:
    return request.is_json or request.path.startswith("/ui/") or \
        request.accept_mimetypes.best == "application/json"


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            if _wants_json():
                response = jsonify({"error": "unauthorized", "message": "log in first"})
                response.status_code = 401
                return response
            return redirect(url_for("moderation.login", next=request.full_path if request.query_string else request.path))
        return view(*args, **kwargs)
    return wrapper


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user().is_admin:
            abort(404)  # hide admin pages from moderators
        return view(*args, **kwargs)
    return wrapper


# ---- CSRF ------------------------------------------------------------------------------

def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> bool:
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    return bool(expected) and hmac.compare_digest(str(expected), str(sent))
