"""Shared pieces of the platform clients: per-site connections, secrets, HTTP, poll pages.

No Flask here (nor anywhere in `service.integrations`): Celery workers import these
modules. The HTTP endpoints of the platforms live in `service.webhooks` (WordPress,
Coral) and `service.api` (Perspective, Akismet, deliveries)."""
from __future__ import annotations

import http.client
import json
import urllib.error
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings
from ..core.security import decrypt_secret, encrypt_secret
from ..db.integration_tables import IntegrationConfig
from ..db.tables import utcnow
from . import net

PLATFORMS = ("outbound", "wordpress", "blogger", "disqus", "coral", "perspective")
USER_AGENT = "Colombe/0.1 (+self-hosted comment moderation)"
MAX_RESPONSE_BYTES = 5 * 1024 * 1024

# ---- connections --------------------------------------------------------------------

def get_config(session: Session, site_id: str, platform: str) -> IntegrationConfig | None:
    preloaded = getattr(session, "preloaded_configs", None)  # a delivery batch (outbox_sender.SenderContext)
    if preloaded is not None:
        return preloaded.get((site_id, platform))
    return session.scalar(
        select(IntegrationConfig).where(IntegrationConfig.site_id == site_id, IntegrationConfig.platform == platform)
    )


def get_or_create_config(session: Session, site_id: str, platform: str) -> IntegrationConfig:
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    row = get_config(session, site_id, platform)
    if row is None:
        row = IntegrationConfig(site_id=site_id, platform=platform, enabled=True, config={}, state={})
        session.add(row)
        session.flush()
    return row


def coral_connected(settings: Settings) -> bool:
    """Whether any site has an enabled Coral connection."""
    from ..db.session import session_scope

    with session_scope(settings.database_url) as session:
        return session.scalar(select(IntegrationConfig.id).where(IntegrationConfig.platform == "coral",
                                                                 IntegrationConfig.enabled.is_(True)).limit(1)) is not None


def read_secrets(settings: Settings, row: IntegrationConfig | None) -> dict:
    if row is None or not row.secrets_enc:
        return {}
    return json.loads(decrypt_secret(settings.secret_key, row.secrets_enc))


def write_secrets(settings: Settings, row: IntegrationConfig, values: dict) -> None:
    clean = {k: v for k, v in values.items() if v not in (None, "", [])}
    row.secrets_enc = encrypt_secret(settings.secret_key, json.dumps(clean)) if clean else None
    row.updated_at = utcnow()


def set_config_values(row: IntegrationConfig, **values) -> None:
    """Update plain settings; None leaves a key alone, "" removes it."""
    config = dict(row.config or {})
    for key, value in values.items():
        if value is None:
            continue
        if value == "":
            config.pop(key, None)
        else:
            config[key] = value
    row.config = config
    row.updated_at = utcnow()


def describe(settings: Settings, row: IntegrationConfig) -> dict:
    """What an operator may see: plain settings and which secrets are set (never their values)."""
    secrets_ = read_secrets(settings, row)
    shown = {}
    for key, value in secrets_.items():
        shown[key] = f"{len(value)} set" if isinstance(value, list) else "set"
    return {
        "platform": row.platform, "enabled": row.enabled, "config": dict(row.config or {}), "secrets": shown,
        "state": dict(row.state or {}), "last_polled_at": row.last_polled_at.isoformat() if row.last_polled_at else None,
        "last_error": row.last_error,
    }


# ---- HTTP (stdlib only: no redirects followed, bounded responses) ---------------------

@dataclass
class HttpResult:
    status: int  # 0 when no HTTP answer was received
    body: bytes
    headers: dict
    error: str | None = None
    refused: bool = False  # the destination is not allowed (a permanent refusal: no retry)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Network errors, timeouts, 5xx, 408, 425 and 429 are worth another try; other 4xx are not."""
        if self.refused:
            return False
        return self.status == 0 or self.status >= 500 or self.status in (408, 425, 429)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def error_code(self) -> str | None:
        """A platform's machine error code from a JSON reply (WordPress `code`, Disqus `code`,
        Google `error.status`), when it is a short identifier; never free text."""
        try:
            doc = json.loads(self.body[:64 * 1024].decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(doc, dict):
            return None
        code = doc.get("code")
        if isinstance(doc.get("error"), dict):
            code = doc["error"].get("status") or doc["error"].get("code")
        if isinstance(code, bool) or not isinstance(code, (int, str)):
            return None
        code = str(code)
        return code if len(code) <= 64 and all(ch.isascii() and (ch.isalnum() or ch in "_.-") for ch in code) else None

    def summary(self) -> str:
        """What is stored and shown about the outcome: the status, a platform's error code
        and our own words, never the reply's text (it may come from anywhere, and
        `last_error` is readable with the site's API token)."""
        if not self.status:
            return self.error or "no answer"
        code = self.error_code()
        text = f"HTTP {self.status}" + (f" ({code})" if code else "")
        return f"{text}: {self.error}" if self.error else text


def http_request(method: str, url: str, *, headers: dict | None = None, body: bytes | None = None,
                 timeout: float = 10.0, allowed_hosts=()) -> HttpResult:
    """One request; no redirect followed, a bounded response, and only to a public address
    unless the host is in `allowed_hosts` (`COLOMBE_OUTBOUND_ALLOWED_HOSTS`; see `net`)."""
    if not url.startswith(("http://", "https://")):
        return HttpResult(0, b"", {}, f"refusing non-HTTP URL {url[:80]!r}")
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    all_headers.update(headers or {})
    try:
        status, data, reply_headers = net.request(method, url, all_headers, body, timeout, allowed_hosts,
                                                  MAX_RESPONSE_BYTES)
        return HttpResult(status, data, reply_headers)
    except net.DestinationRefused as exc:
        return HttpResult(0, b"", {}, f"destination refused: {exc}", refused=True)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:  # refused, DNS, timeout
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, net.DestinationRefused):
            return HttpResult(0, b"", {}, f"destination refused: {reason}", refused=True)
        return HttpResult(0, b"", {}, f"{type(exc).__name__}: {reason}")


def redact(text: str | None, *secrets_) -> str | None:
    """Remove credentials from a message before it is stored or logged."""
    if text is None:
        return None
    for s in secrets_:
        if s:
            text = text.replace(s, "***")
    return text[:1000]


# ---- polling (platforms without webhooks) ---------------------------------------------

class PollError(Exception):
    """A poll failed (platform error, bad answer, missing configuration)."""


class AuthError(PollError):
    """The platform refused our credentials (expired or revoked token, failed refresh):
    shown as the connection's auth status (UI, `colombe integrations show`, the
    `colombe_integration_auth_ok` gauge) until a poll or a write-back succeeds again."""


def integration_auth_health(session: Session) -> dict[tuple[str, str], bool]:
    """(site, platform) → whether its credentials last worked, for enabled connections that
    have been used (the `colombe_integration_auth_ok` gauge)."""
    rows = session.execute(select(IntegrationConfig.site_id, IntegrationConfig.platform, IntegrationConfig.state)
                           .where(IntegrationConfig.enabled.is_(True)))
    return {(site, platform): (state or {})["auth"].get("status") == "ok"
            for site, platform, state in rows if isinstance((state or {}).get("auth"), dict)}


def auth_problems(session: Session, site_ids) -> list[dict]:
    """Enabled connections whose credentials failed, for the moderator UI."""
    rows = session.scalars(select(IntegrationConfig).where(IntegrationConfig.enabled.is_(True),
                                                           IntegrationConfig.site_id.in_(list(site_ids) or ["\x00"])))
    out = []
    for row in rows:
        auth = (row.state or {}).get("auth")
        if isinstance(auth, dict) and auth.get("status") == "failed":
            out.append({"site_id": row.site_id, "platform": row.platform, "error": auth.get("error"),
                        "at": auth.get("at")})
    return sorted(out, key=lambda p: (p["site_id"], p["platform"]))


def set_auth(row: IntegrationConfig, ok: bool, message: str | None = None) -> None:
    """Record a connection's credential health in `state["auth"]` (the caller commits)."""
    state = dict(row.state or {})
    previous = state.get("auth") or {}
    if ok and previous.get("status") == "ok":
        return
    at = utcnow().isoformat()
    state["auth"] = {"status": "ok", "at": at} if ok else {"status": "failed", "error": (message or "")[:300], "at": at}
    row.state = state


@dataclass
class PollBatch:
    """One page of a poll: comments in the intake's shape, the cursor after the page."""

    comments: list = field(default_factory=list)
    state: dict = field(default_factory=dict)
    more: bool = False
