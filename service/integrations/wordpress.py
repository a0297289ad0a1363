"""WordPress client: write decisions back through the REST API.

Out: POST <wordpress_url>/wp-json/wp/v2/comments/<id> {"status": approve|hold|spam|trash}
     with HTTP Basic auth (user + application password, stored encrypted).
In (the WordPress webhook, POST /integrations/wordpress/<site_id>): `service.webhooks.wordpress`.
"""
from __future__ import annotations

import base64
import json

from ..config import Settings
from ..db.tables import Site
from .common import HttpResult, get_config, http_request, read_secrets

def api_root(config: dict) -> str:
    return config.get("api_root") or (config["url"].rstrip("/") + "/wp-json")


def write_back(settings_: Settings, session, site: Site, delivery) -> HttpResult:
    row = get_config(session, site.id, "wordpress")
    if row is None or not row.enabled or not (row.config or {}).get("url"):
        return HttpResult(410, b"", {}, "WordPress is no longer configured for this site")
    secrets_ = read_secrets(settings_, row)
    user, password = (row.config or {}).get("user"), secrets_.get("app_password")
    if not user or not password:
        return HttpResult(401, b"", {}, "WordPress user or application password missing (colombe integrations set)")
    external_id = str(delivery.payload["comment_external_id"])
    if not external_id.isdigit():
        return HttpResult(422, b"", {}, f"comment id {external_id[:40]!r} is not a WordPress comment id")
    url = f"{api_root(row.config)}/wp/v2/comments/{external_id}"
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    body = json.dumps({"status": delivery.payload["op"]}).encode()
    return http_request("POST", url, body=body, timeout=settings_.notify_timeout_s,
                        allowed_hosts=settings_.outbound_allowed_hosts, headers={
        "Authorization": f"Basic {token}", "Content-Type": "application/json",
        "Idempotency-Key": delivery.idempotency_key,
    })
