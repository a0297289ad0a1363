"""Moderator accounts: password hashing, sessions, CSRF, login rate limit, site access."""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import timedelta, timezone
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import abort, g, jsonify, redirect, request, session, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..db.auth_tables import ROLE_ADMIN, ROLES, LoginAttempt, User, UserSession, UserSite
from ..db.tables import Site, utcnow
from ..web import db

_hasher = PasswordHasher()  # argon2id with the library's current defaults
# A hash to verify against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("colombe-dummy-password")

LOGIN_MAX_FAILURES = 5  # per username + IP, within the window: that address waits for the window
IP_MAX_FAILURES = 30  # per IP, any usernames (password spraying from one address), within the window
USER_BACKOFF_AFTER = 10  # failures for one username from any addresses before the per-user back-off
USER_BACKOFF_MAX_S = 60  # the longest wait the per-user back-off imposes (never a lock)
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


# ---- login rate limits ---------------------------------------------------------------
# Three limits, none of which a stranger can turn into a lock of somebody else's account:
# - per username + address: 5 failures, then that address waits for the window;
# - per address: 30 failures for any usernames, then that address waits (spraying);
# - per username from every address: after 10 failures, each further try for the
#   username waits 1, 2, 4 … up to 60 s after the last failure. One address can make at
#   most 5 of those failures (the first limit), so it cannot start this back-off alone;
#   many addresses can only slow the account's logins down, never lock them out.
# Behind a reverse proxy the address is the client's only when COLOMBE_TRUSTED_PROXIES
# says how many proxies set X-Forwarded-For (ProxyFix, in create_app).

def client_ip() -> str:
    return (request.remote_addr or "unknown")[:64]


def _since():
    return utcnow() - LOGIN_WINDOW


def recent_failures(session: Session, username: str, ip: str) -> int:
    return session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username.lower()[:USERNAME_MAX], LoginAttempt.ip == ip,
        LoginAttempt.created_at >= _since())) or 0


def login_wait_s(session: Session, username: str, ip: str) -> int:
    """Seconds this address must wait before trying this username again (0: go ahead)."""
    since = _since()
    window = int(LOGIN_WINDOW.total_seconds())
    if recent_failures(session, username, ip) >= LOGIN_MAX_FAILURES:
        return window
    from_ip = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.created_at >= since)) or 0
    if from_ip >= IP_MAX_FAILURES:
        return window
    name = username.lower()[:USERNAME_MAX]
    count, last = session.execute(select(func.count(), func.max(LoginAttempt.created_at)).where(
        LoginAttempt.username == name, LoginAttempt.created_at >= since)).one()
    if not count or count < USER_BACKOFF_AFTER or last is None:
        return 0
    if last.tzinfo is None:  # SQLite hands back naive datetimes from an aggregate
        last = last.replace(tzinfo=timezone.utc)
    delay = min(USER_BACKOFF_MAX_S, 2 ** (count - USER_BACKOFF_AFTER))
    wait = (last + timedelta(seconds=delay) - utcnow()).total_seconds()
    return max(0, math.ceil(wait))


def login_blocked(session: Session, username: str, ip: str) -> bool:
    return login_wait_s(session, username, ip) > 0


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
# The cookie (signed with the secret key) carries the user id, their session version and a
# random session token; the server keeps the token's hash with an absolute expiry
# (`user_sessions`). A session is valid while its row exists and has not expired, and the
# user is active with the same session version: logging out deletes the row; a password
# change, a role change or a deactivation deletes all the user's rows (`end_all_sessions`).

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def login_session(user: User, lifetime_s: int) -> None:
    """Start a server-side session for `user` (committed) and put its token in the cookie."""
    session_db = db()
    now = utcnow()
    token = secrets.token_urlsafe(32)
    session_db.execute(delete(UserSession).where(UserSession.expires_at < now))  # forget expired ones
    session_db.add(UserSession(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                               expires_at=now + timedelta(seconds=lifetime_s)))
    session_db.commit()
    session.clear()  # a fresh session on login (no fixation)
    session.permanent = True
    session["uid"] = user.id
    session["sv"] = user.session_version
    session["sid"] = token
    session["csrf"] = secrets.token_urlsafe(32)


def logout_session() -> None:
    """End this browser's session on the server too: a copy of the cookie stops working."""
    token = session.get("sid")
    if isinstance(token, str):
        session_db = db()
        session_db.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
        session_db.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def end_all_sessions(session_db: Session, user: User) -> None:
    """Log `user` out everywhere (in the caller's transaction)."""
    user.session_version = (user.session_version or 0) + 1
    session_db.execute(delete(UserSession).where(UserSession.user_id == user.id))


def current_user() -> User | None:
    if "user" in g:
        return g.user
    user = None
    uid, token = session.get("uid"), session.get("sid")
    if isinstance(uid, int) and isinstance(token, str):
        session_db = db()
        candidate = session_db.get(User, uid) if 0 < uid < 2**31 else None
        if candidate is not None and candidate.active and candidate.session_version == session.get("sv"):
            live = session_db.scalar(select(UserSession.id).where(
                UserSession.token_hash == _token_hash(token), UserSession.user_id == uid,
                UserSession.expires_at > utcnow()))
            if live is not None:
                user = candidate
    if user is None and uid is not None:
        session.pop("uid", None)
        session.pop("sid", None)
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
    # bytes: compare_digest raises TypeError on non-ASCII strings
    return bool(expected) and hmac.compare_digest(str(expected).encode("utf-8", "surrogatepass"),
                                                  str(sent).encode("utf-8", "surrogatepass"))
