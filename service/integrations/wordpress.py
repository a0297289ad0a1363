"""WordPress client: write decisions back through the REST API.

Out: POST <wordpress_url>/wp-json/wp/v2/comments/<id> {"status": approve|hold|spam|trash}
     with HTTP Basic auth (user + application password, stored encrypted).
In (the WordPress webhook, POST /integrations/wordpress/<site_id>): `service.webhooks.wordpress`.

What a real WordPress does with that request (checked against WordPress 6.1, Debian's
package, and the REST comments controller of wordpress-develop trunk):

- `update_item` always prepares `comment_author_IP` (and `comment_agent`) from the
  *requester* when the body does not carry `author_ip` / `author_user_agent`: a bare
  status change overwrites the visitor's IP address and browser with Colombe's. So we
  read the comment first (`?context=edit`) and send its own `author_ip` and
  `author_user_agent` back with the status: nothing but the status changes.
- A status that would not change is refused (`rest_comment_failed_edit`, 500) when the status
  is the only thing to update (a site whose `rest_preprocess_comment` filter drops every
  prepared field): `handle_status_param` returns false, for spam and trash by its own
  comparison, for hold and approve because `wp_set_comment_status`'s UPDATE changes no row.
  Elsewhere it is a silent no-op (200). Either way it is a wasted
  request: the comment's last known WordPress status is kept (`platform_statuses`: what
  the webhook said, then what we wrote) and a write-back to that status is not sent; the
  read-before-write catches the rest; and on `rest_comment_failed_edit` we read the
  comment back and count the delivery done when it already has the target status.
"""
from __future__ import annotations

import base64
import json
import logging

from sqlalchemy import select

from ..config import Settings
from ..db.bulk import dialect_insert
from ..db.integration_tables import PlatformStatus
from ..db.tables import Site, utcnow
from .common import HttpResult, get_config, http_request, read_secrets

log = logging.getLogger("colombe.wordpress")
PLATFORM = "wordpress"
# The write-back verb → the status WordPress's REST API reports afterwards.
STATUS_AFTER = {"approve": "approved", "hold": "hold", "spam": "spam", "trash": "trash"}
REST_STATUSES = ("approved", "hold", "spam", "trash")
_REST_ALIASES = {"approve": "approved", "1": "approved", "0": "hold", "unapproved": "hold"}


def rest_status(value) -> str | None:
    """A WordPress comment status as the REST API names it (approved, hold, spam, trash)."""
    if not isinstance(value, str):
        return None
    value = _REST_ALIASES.get(value.strip().lower(), value.strip().lower())
    return value if value in REST_STATUSES else None


def api_root(config: dict) -> str:
    return config.get("api_root") or (config["url"].rstrip("/") + "/wp-json")


def known_statuses(session, site_id: str, external_ids) -> dict[str, str]:
    ids = [str(x) for x in external_ids]
    if not ids:
        return {}
    rows = session.execute(select(PlatformStatus.external_id, PlatformStatus.status).where(
        PlatformStatus.site_id == site_id, PlatformStatus.platform == PLATFORM, PlatformStatus.external_id.in_(ids)))
    return dict(rows.all())


def remember_statuses(session, site_id: str, statuses: dict[str, str]) -> None:
    """Record comments' current WordPress status (the caller commits)."""
    rows = [{"site_id": site_id, "platform": PLATFORM, "external_id": str(k)[:255], "status": v, "updated_at": utcnow()}
            for k, v in statuses.items() if rest_status(v)]
    if not rows:
        return
    stmt = dialect_insert(session, PlatformStatus.__table__)
    session.execute(stmt.on_conflict_do_update(index_elements=["site_id", "platform", "external_id"],
                                               set_={"status": stmt.excluded.status,
                                                     "updated_at": stmt.excluded.updated_at}), rows)


def _failed_edit(result: HttpResult) -> bool:
    if result.status != 500:
        return False
    try:
        doc = result.json()
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("code") == "rest_comment_failed_edit"


def write_back(settings_: Settings, session, site: Site, delivery) -> HttpResult:
    row = get_config(session, site.id, PLATFORM)
    if row is None or not row.enabled or not (row.config or {}).get("url"):
        return HttpResult(410, b"", {}, "WordPress is no longer configured for this site")
    secrets_ = read_secrets(settings_, row)
    user, password = (row.config or {}).get("user"), secrets_.get("app_password")
    if not user or not password:
        return HttpResult(401, b"", {}, "WordPress user or application password missing (colombe integrations set)")
    external_id = str(delivery.payload["comment_external_id"])
    if not external_id.isdigit():
        return HttpResult(422, b"", {}, f"comment id {external_id[:40]!r} is not a WordPress comment id")
    op = delivery.payload["op"]
    target = STATUS_AFTER.get(op)
    if target is not None and known_statuses(session, site.id, [external_id]).get(external_id) == target:
        log.info("write-back skipped: WordPress already has this status",
                 extra={"delivery_id": delivery.id, "status": target})
        return HttpResult(200, b"", {}, None)
    url = f"{api_root(row.config)}/wp/v2/comments/{external_id}"
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    auth = {"Authorization": f"Basic {token}"}
    current = _read(settings_, url, auth)
    if not isinstance(current, dict):
        return current  # the read failed: same outcome as a failed write (retry, or dead on 4xx)
    if target is not None and rest_status(current.get("status")) == target:
        remember_statuses(session, site.id, {external_id: target})
        return HttpResult(200, b"", {}, None)
    body: dict = {"status": op}
    for key in ("author_ip", "author_user_agent"):  # keep the visitor's, not ours
        if isinstance(current.get(key), str) and current[key]:
            body[key] = current[key]
    result = http_request("POST", url, body=json.dumps(body).encode(), timeout=settings_.notify_timeout_s,
                          allowed_hosts=settings_.outbound_allowed_hosts, headers={**auth, "Content-Type": "application/json",
                                   "Idempotency-Key": delivery.idempotency_key})
    if _failed_edit(result) and target is not None:
        again = _read(settings_, url, auth)
        if isinstance(again, dict) and rest_status(again.get("status")) == target:
            log.info("write-back: WordPress refused a no-op status change; it already has the status",
                     extra={"delivery_id": delivery.id, "status": target})
            result = HttpResult(200, result.body, result.headers, None)
    if result.ok and target is not None:
        remember_statuses(session, site.id, {external_id: target})
    return result


def _read(settings_: Settings, url: str, auth: dict) -> dict | HttpResult:
    """The comment's status, author IP and user agent (`context=edit`), or the failed answer."""
    got = http_request("GET", url + "?context=edit&_fields=id,status,author_ip,author_user_agent", headers=auth,
                       timeout=settings_.notify_timeout_s, allowed_hosts=settings_.outbound_allowed_hosts)
    if not got.ok:
        return got
    try:
        doc = got.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        return HttpResult(502, got.body, got.headers, "WordPress answered with something that is not a comment")
    return doc
