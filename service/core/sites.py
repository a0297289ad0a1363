"""Sites: creation, credentials, lookups."""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.tables import Site
from .security import decrypt_secret, encrypt_secret, hash_token, new_api_token, new_webhook_secret


@dataclass
class NewSite:
    site: Site
    webhook_secret: str
    api_token: str

    def as_json(self) -> dict:
        return {"id": self.site.id, "name": self.site.name, "webhook_secret": self.webhook_secret, "api_token": self.api_token}


def new_site_id() -> str:
    return "s_" + secrets.token_hex(6)


def create_site(session: Session, name: str, secret_key: str) -> NewSite:
    name = name.strip()
    if not name:
        raise ValueError("site name must not be empty")
    webhook_secret = new_webhook_secret()
    api_token = new_api_token()
    site = Site(
        id=new_site_id(),
        name=name[:200],
        webhook_secret_enc=encrypt_secret(secret_key, webhook_secret),
        api_token_hash=hash_token(api_token),
        hash_salt=secrets.token_hex(16),
        policy={},
    )
    session.add(site)
    session.flush()
    return NewSite(site, webhook_secret, api_token)


def webhook_secrets(site: Site, secret_key: str) -> list[str]:
    """Every secret that currently verifies this site's webhooks (new first)."""
    out = [decrypt_secret(secret_key, site.webhook_secret_enc)]
    if site.webhook_secret_old_enc:
        out.append(decrypt_secret(secret_key, site.webhook_secret_old_enc))
    return out


def rotate_webhook_secret(session: Session, site: Site, secret_key: str) -> str:
    """New secret; the old one stays valid until `revoke_old_webhook_secret`."""
    secret = new_webhook_secret()
    site.webhook_secret_old_enc = site.webhook_secret_enc
    site.webhook_secret_enc = encrypt_secret(secret_key, secret)
    session.flush()
    forget_site(site.id)
    return secret


def revoke_old_webhook_secret(session: Session, site: Site) -> None:
    site.webhook_secret_old_enc = None
    session.flush()
    forget_site(site.id)


def reset_api_token(session: Session, site: Site) -> str:
    token = new_api_token()
    site.api_token_hash = hash_token(token)
    session.flush()
    return token


def site_for_token(session: Session, token: str | None) -> Site | None:
    if not token:
        return None
    digest = hash_token(token)
    site = session.scalar(select(Site).where(Site.api_token_hash == digest))
    # The index lookup finds the row; compare the full digest in constant time anyway.
    if site is not None and hmac.compare_digest(site.api_token_hash, digest):
        return site
    return None


@dataclass(frozen=True)
class SiteAuth:
    """What the webhook needs to know about a site: id, hashing salt, valid secrets."""

    id: str
    hash_salt: str
    secrets: tuple[str, ...]


_auth_lock = threading.Lock()
_auth_cache: dict[str, tuple[float, SiteAuth]] = {}
AUTH_TTL_S = 5.0


def cached_site_auth(site_id: str, ttl: float = AUTH_TTL_S) -> SiteAuth | None:
    """The cached entry while it is fresh, without touching the database."""
    hit = _auth_cache.get(site_id)
    if hit and time.monotonic() - hit[0] < ttl:
        return hit[1]
    return None


def site_auth(session: Session, site_id: str, secret_key: str, ttl: float = AUTH_TTL_S) -> SiteAuth | None:
    """Cached per process for a few seconds: a rotation reaches every process within `ttl`."""
    now = time.monotonic()
    hit = _auth_cache.get(site_id)
    if hit and now - hit[0] < ttl:
        return hit[1]
    site = session.get(Site, site_id)
    if site is None:
        return None
    auth = SiteAuth(site.id, site.hash_salt, tuple(webhook_secrets(site, secret_key)))
    with _auth_lock:
        if len(_auth_cache) > 10_000:
            _auth_cache.clear()
        _auth_cache[site_id] = (now, auth)
    return auth


def forget_site(site_id: str) -> None:
    with _auth_lock:
        _auth_cache.pop(site_id, None)
