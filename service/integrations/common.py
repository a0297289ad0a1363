"""Shared pieces of the platform clients: per-site connections, secrets, HTTP, poll pages.

No Flask here (nor anywhere in `service.integrations`): Celery workers import these
modules. The HTTP endpoints of the platforms live in `service.webhooks` (WordPress,
Coral) and `service.api` (Perspective, Akismet, deliveries)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings
from ..core.security import decrypt_secret, encrypt_secret
from ..db.integration_tables import IntegrationConfig
from ..db.tables import utcnow

PLATFORMS = ("outbound", "wordpress", "blogger", "disqus", "coral", "perspective")
USER_AGENT = "Colombe/0.1 (+self-hosted comment moderation)"
MAX_RESPONSE_BYTES = 5 * 1024 * 1024

# ---- connections --------------------------------------------------------------------

def get_config(session: Session, site_id: str, platform: str) -> IntegrationConfig | None:
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

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Network errors, timeouts, 5xx, 408, 425 and 429 are worth another try; other 4xx are not."""
        return self.status == 0 or self.status >= 500 or self.status in (408, 425, 429)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def summary(self) -> str:
        text = self.error or self.body[:300].decode("utf-8", "replace")
        return f"HTTP {self.status}: {text}" if self.status else text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http_request(method: str, url: str, *, headers: dict | None = None, body: bytes | None = None,
                 timeout: float = 10.0) -> HttpResult:
    if not url.startswith(("http://", "https://")):
        return HttpResult(0, b"", {}, f"refusing non-HTTP URL {url[:80]!r}")
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    all_headers.update(headers or {})
    req = urllib.request.Request(url, data=body, headers=all_headers, method=method)
    try:
        with _opener.open(req, timeout=timeout) as resp:
            data = resp.read(MAX_RESPONSE_BYTES + 1)
            return HttpResult(resp.status, data[:MAX_RESPONSE_BYTES], dict(resp.headers.items()))
    except urllib.error.HTTPError as exc:
        try:
            data = exc.read(64 * 1024)
        except Exception:  # pragma: no cover - broken connection while reading the error
            data = b""
        return HttpResult(exc.code, data, dict(exc.headers.items()) if exc.headers else {})
    except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, DNS, timeout, bad URL
        reason = getattr(exc, "reason", exc)
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
