"""The WordPress webhook: POST /integrations/wordpress/<site_id>.

Signed like the generic webhook, with one WordPress REST comment object
(`GET /wp-json/wp/v2/comments/<id>?context=edit`), an array of them, or
{"comments": [...]}. Optional `_embedded.up[0]` (the post, as returned with `?_embed`)
gives the post title, link and text for context. Each object is translated into the
generic webhook's document, validated by `core.intake`, then accepted like any comment.
Decisions go back through `service.integrations.wordpress` (the REST client). Each
object's `status` (approved, hold, spam, trash) is recorded as the comment's known
WordPress status, so that a decision that would not change it is not written back;
forward status changes too (the same object, again) to keep it current.
"""
from __future__ import annotations

from flask import Blueprint

from ..core.html import html_to_text
from ..core.intake import FieldErrors, validate_comment
from ..integrations.wordpress import remember_statuses, rest_status
from ..web import db
from .generic import receive_signed_comments

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
    errors = FieldErrors()
    out = []
    for i, item in enumerate(items):
        p = "" if prefix is None else f"{prefix}{i}."
        if not isinstance(item, dict):
            errors.add(p.rstrip(".") or "body", "must be a WordPress comment object")
            continue
        local = FieldErrors()
        c = validate_comment(to_generic(item), "", local, max_text)
        for name, message in local.items():
            errors.add(p + _FIELD_NAMES.get(name, name), message)
        if c is not None:
            if rest_status(item.get("status")):
                c.extra["wordpress_status"] = rest_status(item["status"])
            out.append(c)
    return (out if not errors else []), dict(errors)


@bp.post("/integrations/wordpress/<site_id>")
def receive(site_id: str):
    def parse_and_remember(body, max_batch: int, max_text: int):
        comments, errors = parse_wordpress(body, max_batch, max_text)
        statuses = {c.external_id: c.extra["wordpress_status"] for c in comments if c.extra.get("wordpress_status")}
        if statuses:  # signature already checked: this is the site's own WordPress speaking
            session = db()
            remember_statuses(session, site_id, statuses)
            session.commit()
        return comments, errors

    return receive_signed_comments(site_id, parse_and_remember, "some WordPress comment fields are invalid")
