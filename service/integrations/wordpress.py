"""WordPress: ingest REST comment objects, write decisions back through the REST API.

In:  POST /integrations/wordpress/<site_id>, signed like the generic webhook, with one
     WordPress REST comment object (`GET /wp-json/wp/v2/comments/<id>?context=edit`),
     an array of them, or {"comments": [...]}. Optional `_embedded.up[0]` (the post, as
     returned with `?_embed`) gives the post title, link and text for context.
Out: POST <wordpress_url>/wp-json/wp/v2/comments/<id> {"status": approve|hold|spam|trash}
     with HTTP Basic auth (user + application password, stored encrypted).
"""
from __future__ import annotations

import base64
import json

from flask import Blueprint

from ..config import Settings
from ..db.tables import Site
from ..webhooks.generic import receive_signed_comments
from ..webhooks.schemas import validate_comment, _Errors
from .common import HttpResult, get_config, http_request, read_secrets, tunable

bp = Blueprint("integrations_wordpress", __name__)

# generic field name → WordPress field name, for error messages
_FIELD_NAMES = {
    "id": "id", "text": "content.raw", "format": "content", "post.id": "post", "post.title": "_embedded.up.0.title",
    "post.text": "_embedded.up.0.content", "post.url": "_embedded.up.0.link", "parent_id": "parent",
    "author.name": "author_name", "author.email": "author_email", "author.url": "author_url",
    "author.ip": "author_ip", "created_at": "date_gmt", "lang": "lang",
}


def _rendered(value):
    if isinstance(value, dict):
        return value.get("raw") if value.get("raw") is not None else value.get("rendered")
    return value


def to_generic(obj: dict) -> dict:
    """A WordPress REST comment object as the generic webhook's comment document."""
    content = obj.get("content")
    text = _rendered(content)
    out: dict = {"id": obj.get("id"), "text": text, "format": "html"}
    post_id = obj.get("post")
    if post_id not in (None, 0, "0"):
        post: dict = {"id": post_id}
        embedded = obj.get("_embedded") if isinstance(obj.get("_embedded"), dict) else {}
        up = embedded.get("up") if isinstance(embedded.get("up"), list) else []
        if up and isinstance(up[0], dict):
            p = up[0]
            title = _rendered(p.get("title"))
            if isinstance(title, str):
                post["title"] = title
            body = _rendered(p.get("content"))
            if isinstance(body, str):
                from ..core.html import html_to_text

                post["text"] = html_to_text(body)
            if isinstance(p.get("link"), str):
                post["url"] = p["link"]
        out["post"] = post
    parent = obj.get("parent")
    if parent not in (None, 0, "0"):
        out["parent_id"] = parent
    author = {}
    for wp_key, key in (("author_name", "name"), ("author_email", "email"), ("author_url", "url"),
                        ("author_ip", "ip")):
        if obj.get(wp_key) not in (None, ""):
            author[key] = obj[wp_key]
    if author:
        out["author"] = author
    date = obj.get("date_gmt")
    if isinstance(date, str) and date:
        out["created_at"] = date if date.endswith(("Z", "z")) or "+" in date[10:] else date + "Z"
    elif date is not None:
        out["created_at"] = date
    if obj.get("lang") is not None:
        out["lang"] = obj["lang"]
    return out


def parse_wordpress(body, max_batch: int, max_text: int):
    """(comments, field errors) from one object, an array, or {"comments": [...]}."""
    if isinstance(body, dict) and isinstance(body.get("comments"), list) and "content" not in body:
        items, prefix = body["comments"], "comments."
    elif isinstance(body, list):
        items, prefix = body, ""
    elif isinstance(body, dict):
        items, prefix = [body], None
    else:
        return [], {"body": "must be a WordPress comment object or an array of them"}
    if not items:
        return [], {"body": "no comments"}
    if len(items) > max_batch:
        return [], {"body": f"at most {max_batch} comments per request"}
    errors = _Errors()
    out = []
    for i, item in enumerate(items):
        p = "" if prefix is None else f"{prefix}{i}."
        if not isinstance(item, dict):
            errors.add(p.rstrip(".") or "body", "must be a WordPress comment object")
            continue
        local = _Errors()
        c = validate_comment(to_generic(item), "", local, max_text)
        for name, message in local.items():
            errors.add(p + _FIELD_NAMES.get(name, name), message)
        if c is not None:
            if isinstance(item.get("status"), str):
                c.extra["wordpress_status"] = item["status"][:16]
            out.append(c)
    return (out if not errors else []), dict(errors)


@bp.post("/integrations/wordpress/<site_id>")
def receive(site_id: str):
    return receive_signed_comments(site_id, parse_wordpress, "some WordPress comment fields are invalid")


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
    return http_request("POST", url, body=body, timeout=tunable(settings_, "notify_timeout_s"), headers={
        "Authorization": f"Basic {token}", "Content-Type": "application/json",
        "Idempotency-Key": delivery.idempotency_key,
    })
