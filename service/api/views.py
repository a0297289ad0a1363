"""JSON API (Authorization: Bearer <site api token>)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from ..core.pagination import SORTS, cursor_after, decode_cursor, ordered_page
from ..core.serialize import comment_json, load_history, post_json
from ..core.sites import site_for_token
from ..core.status_changes import REASONS, moderate
from ..core.threads import build_tree, thread_members
from ..db.ids import valid_id
from ..db.tables import STATUSES, Comment, Post
from ..web import MODEL_LABELS as LABELS
from ..web import db, json_error, log_comment_ids
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_LIMIT = 200


@bp.before_request
def authenticate():
    if request.endpoint in ("api.openapi", "webhooks.receive"):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return json_error(401, "unauthorized", "send Authorization: Bearer <api token>",
                          headers={"WWW-Authenticate": 'Bearer realm="colombe"'})
    site = site_for_token(db(), token.strip())
    if site is None:
        return json_error(401, "unauthorized", "unknown API token",
                          headers={"WWW-Authenticate": 'Bearer realm="colombe", error="invalid_token"'})
    g.site = site
    return None


def _own_comment(comment_id: int) -> Comment | None:
    """Only the token's site's comments exist for it: others are 404."""
    if not valid_id(comment_id):  # larger ids cannot exist (and would make the driver raise)
        return None
    return db().scalar(select(Comment).where(Comment.id == comment_id, Comment.site_id == g.site.id))


def _not_found(comment_id):
    return json_error(404, "not_found", f"no comment {comment_id}")


@bp.get("/comments/<int:comment_id>")
def get_comment(comment_id: int):
    session = db()
    c = _own_comment(comment_id)
    if c is None:
        return _not_found(comment_id)
    log_comment_ids([c.id])
    post = session.get(Post, c.post_id) if c.post_id else None
    return jsonify(comment_json(c, post, load_history(session, c.id)))


@bp.post("/comments/<int:comment_id>/decision")
def decide_comment(comment_id: int):
    session = db()
    c = _own_comment(comment_id)
    if c is None:
        return _not_found(comment_id)
    log_comment_ids([c.id])
    if not request.is_json:
        return json_error(415, "unsupported_media_type", "send Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        return json_error(400, "malformed_json", "body is not valid JSON")
    if not isinstance(body, dict):
        return json_error(422, "invalid_fields", "body must be an object", fields={"body": "must be an object"})
    fields = {}
    action = body.get("action")
    if action not in ("approve", "reject"):
        fields["action"] = "must be 'approve' or 'reject'"
    reason = body.get("reason")
    if reason is not None and reason not in REASONS:
        fields["reason"] = f"must be one of {', '.join(REASONS)}"
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 2000 or "\x00" in note):
        fields["note"] = "must be a string of at most 2000 characters"
    if fields:
        return json_error(422, "invalid_fields", "some fields are invalid", fields=fields)
    moderate(session, c, action, actor="api", reason=reason, note=note)
    session.commit()
    post = session.get(Post, c.post_id) if c.post_id else None
    return jsonify(comment_json(c, post, load_history(session, c.id)))


def queue_query(site_id: str, *, status: str, sort: str, label: str | None, lang: str | None,
                cursor: list | None, limit: int, post_id: int | None = None):
    """Keyset-paginated queue: uses the (site, status, priority, id) and (site, status, id) indexes."""
    q = select(Comment).where(Comment.site_id == site_id)
    if status != "all":
        q = q.where(Comment.status == status)
    if label:
        q = q.where(Comment.flag_labels.like(f"%,{label},%"))
    if lang:
        q = q.where(Comment.lang == lang)
    if post_id is not None:
        q = q.where(Comment.post_id == post_id)
    return ordered_page(q, sort, cursor, limit)


def next_cursor(rows: list[Comment], limit: int, sort: str) -> str | None:
    if len(rows) <= limit:
        return None
    return cursor_after(rows[limit - 1], sort)


@bp.get("/sites/<site_id>/queue")
def queue(site_id: str):
    if site_id != g.site.id:
        return json_error(404, "unknown_site", f"no site with id {site_id!r}")
    args = request.args
    fields = {}
    status = args.get("status", "pending")
    if status not in STATUSES + ("all",):
        fields["status"] = f"must be one of {', '.join(STATUSES + ('all',))}"
    sort = args.get("sort", "priority")
    if sort not in SORTS:
        fields["sort"] = f"must be one of {', '.join(SORTS)}"
    label = args.get("label") or None
    if label and label not in LABELS:
        fields["label"] = f"must be one of {', '.join(LABELS)}"
    lang = args.get("lang") or None
    if lang and (len(lang) > 16 or not lang.replace("-", "").isalnum()):
        fields["lang"] = "must be a language code such as fr or en"
    try:
        limit = int(args.get("limit", 50))
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError
    except ValueError:
        fields["limit"] = f"must be an integer from 1 to {MAX_LIMIT}"
        limit = 50
    cursor = None
    if args.get("cursor"):
        try:
            cursor = decode_cursor(args["cursor"])
            if sort == "priority" and not isinstance(cursor[0], (int, float)):
                raise ValueError("cursor does not belong to this sort order")
        except ValueError as exc:
            fields["cursor"] = str(exc)
    if fields:
        return json_error(422, "invalid_fields", "some query parameters are invalid", fields=fields)
    session = db()
    rows = list(session.scalars(queue_query(g.site.id, status=status, sort=sort, label=label, lang=lang,
                                            cursor=cursor, limit=limit)))
    post_ids = {c.post_id for c in rows[:limit] if c.post_id}
    posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
    return jsonify({
        "comments": [comment_json(c, posts.get(c.post_id), brief=True) for c in rows[:limit]],
        "next_cursor": next_cursor(rows, limit, sort),
    })


@bp.get("/comments/<int:comment_id>/thread")
def thread(comment_id: int):
    session = db()
    c = _own_comment(comment_id)
    if c is None:
        return _not_found(comment_id)
    post = session.get(Post, c.post_id) if c.post_id else None
    members = thread_members(session, c, post)
    return jsonify({"post": post_json(post), "focus": c.id, "comments": build_tree(members)})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
