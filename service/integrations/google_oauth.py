"""Google OAuth 2.0 access tokens from a stored refresh token (Blogger).

Google access tokens last about an hour. With a refresh token and the OAuth client's id
and secret (all stored encrypted with the connection), Colombe asks the token endpoint
for a new access token before the current one expires (`REFRESH_MARGIN_S` ahead) and
whenever the API answers 401. The request is the standard refresh-token grant (RFC 6749
§6, what google-auth's `Credentials.refresh` sends): `grant_type=refresh_token`,
`refresh_token`, `client_id`, `client_secret`, `scope` (the blogger scope), form-encoded, to
`https://oauth2.googleapis.com/token` (or the connection's `token_uri`).
"""
from __future__ import annotations

import time
import urllib.parse

from ..config import Settings
from .common import AuthError, http_request

TOKEN_URI = "https://oauth2.googleapis.com/token"
BLOGGER_SCOPE = "https://www.googleapis.com/auth/blogger"
REFRESH_MARGIN_S = 300  # refresh five minutes before expiry


def can_refresh(secrets_: dict, config: dict) -> bool:
    return bool(secrets_.get("refresh_token") and config.get("client_id") and secrets_.get("client_secret"))


def needs_refresh(secrets_: dict, now: float | None = None) -> bool:
    if not secrets_.get("access_token"):
        return True
    expires_at = secrets_.get("expires_at")
    if not isinstance(expires_at, (int, float)):
        return False  # a token given by hand, without its lifetime: used until refused (401)
    return (now or time.time()) >= expires_at - REFRESH_MARGIN_S


def refresh(settings: Settings, secrets_: dict, config: dict) -> None:
    """Get a new access token into `secrets_` (`access_token`, `expires_at`, `_changed`);
    AuthError when Google refuses (revoked or expired refresh token, wrong client)."""
    body = urllib.parse.urlencode({
        "grant_type": "refresh_token", "refresh_token": secrets_["refresh_token"],
        "client_id": config["client_id"], "client_secret": secrets_["client_secret"],
        "scope": config.get("scope") or BLOGGER_SCOPE,
    }).encode()
    result = http_request("POST", config.get("token_uri") or TOKEN_URI, body=body, timeout=settings.notify_timeout_s,
                          allowed_hosts=settings.outbound_allowed_hosts, headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        doc = result.json()
    except ValueError:
        doc = {}
    doc = doc if isinstance(doc, dict) else {}
    if not result.ok or not isinstance(doc.get("access_token"), str):
        if result.status == 0 or result.status >= 500:  # Google unreachable: not a credentials problem
            from .common import PollError

            raise PollError(f"Google token endpoint: {result.summary()}")
        reason = doc.get("error_description") or doc.get("error") or result.summary()
        raise AuthError(f"Google refused to refresh the Blogger access token ({str(reason)[:200]}); reconnect: "
                        "colombe integrations set SITE --blogger-refresh-token-stdin")
    expires_in = doc.get("expires_in")
    secrets_["access_token"] = doc["access_token"]
    secrets_["expires_at"] = time.time() + (float(expires_in) if isinstance(expires_in, (int, float)) else 3600.0)
    if isinstance(doc.get("refresh_token"), str):  # rotated by the server
        secrets_["refresh_token"] = doc["refresh_token"]
    secrets_["_changed"] = True


def valid_token(settings: Settings, secrets_: dict, config: dict, force: bool = False) -> str | None:
    """The access token to send, refreshed first when it is about to expire (or `force`)."""
    if can_refresh(secrets_, config) and (force or needs_refresh(secrets_)):
        refresh(settings, secrets_, config)
    return secrets_.get("access_token")
