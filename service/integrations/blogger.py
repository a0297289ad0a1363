"""Blogger (API v3): poll `comments.listByBlog`, write decisions back.

Poll: GET {api_base}/blogs/{blogId}/comments?status=LIVE&status=PENDING&fetchBodies=true
      &maxResults=N[&startDate=<cursor>][&pageToken=...]  (OAuth bearer token; api_base
      defaults to https://blogger.googleapis.com/v3, the discovery document's root)
      → {"items": [{"id", "post": {"id"}, "inReplyTo": {"id"}, "published", "content",
         "author": {"displayName", "url"}, "status"}], "nextPageToken"}
      Posts seen for the first time are fetched once (GET .../posts/{postId}) for their
      title, URL and text (context for the model).
Cursor: `startDate` = the newest `published` of the last complete pass; while a pass spans
      several polls, its `pageToken` and newest date are kept in `state.resume`.
Write-back: POST {api_base}/blogs/{blogId}/posts/{postId}/comments/{commentId}/
      approve | spam (markAsSpam) | removecontent (removeContent).
"""
from __future__ import annotations

import urllib.parse
from sqlalchemy import select

from ..config import Settings
from ..core.html import html_to_text
from ..db.session import session_scope
from ..db.tables import Post, Site
from ..core.intake import CommentIn, PostIn, parse_timestamp
from .common import HttpResult, PollBatch, PollError, get_config, http_request, read_secrets

DEFAULT_API_BASE = "https://blogger.googleapis.com/v3"
PAGE_SIZE = 100


def _base(config: dict) -> str:
    return (config.get("api_base") or DEFAULT_API_BASE).rstrip("/")


def _headers(secrets_: dict) -> dict:
    token = secrets_.get("access_token")
    return {"Authorization": f"Bearer {token}"} if token else {}


def _get(settings: Settings, url: str, secrets_: dict) -> dict:
    if secrets_.get("api_key"):
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"key": secrets_["api_key"]})
    result = http_request("GET", url, headers=_headers(secrets_), timeout=settings.notify_timeout_s,
                          allowed_hosts=settings.outbound_allowed_hosts)
    if not result.ok:
        raise PollError(f"Blogger answered {result.summary()}")
    try:
        data = result.json()
    except ValueError:
        raise PollError("Blogger answered with something that is not JSON") from None
    if not isinstance(data, dict):
        raise PollError("Blogger answered with an unexpected document")
    return data


def map_comment(item: dict) -> CommentIn | None:
    if not isinstance(item, dict) or not item.get("id") or not isinstance(item.get("content"), str):
        return None
    post_id = (item.get("post") or {}).get("id")
    parent = (item.get("inReplyTo") or {}).get("id")
    author = item.get("author") or {}
    created = None
    if isinstance(item.get("published"), str):
        try:
            created = parse_timestamp(item["published"])
        except ValueError:
            created = None
    return CommentIn(
        external_id=str(item["id"])[:255],
        text=item["content"],
        format="html",
        post=PostIn(str(post_id)[:255]) if post_id else None,
        parent_external_id=str(parent)[:255] if parent else None,
        author_name=(author.get("displayName") or None) and str(author["displayName"])[:255],
        author_url=(author.get("url") or None) and str(author["url"])[:2048],
        created_at=created,
        extra={"blogger_status": item.get("status")},
    )


def _with_posts(settings: Settings, config: dict, secrets_: dict, site_id: str, comments: list[CommentIn]) -> None:
    """Fill title/url/text of posts Colombe has not seen yet (one GET per new post)."""
    ids = {c.post.external_id for c in comments if c.post}
    if not ids or config.get("fetch_posts") is False:
        return
    with session_scope(settings.database_url) as session:
        known = set(session.scalars(select(Post.external_id).where(Post.site_id == site_id,
                                                                   Post.external_id.in_(ids))))
    fetched = {}
    for post_id in sorted(ids - known)[:20]:
        try:
            p = _get(settings, f"{_base(config)}/blogs/{urllib.parse.quote(config['blog_id'])}/posts/"
                               f"{urllib.parse.quote(post_id)}", secrets_)
        except PollError:
            continue
        title = p.get("title") if isinstance(p.get("title"), str) else None
        url = p.get("url") if isinstance(p.get("url"), str) else None
        text = html_to_text(p["content"])[:200_000] if isinstance(p.get("content"), str) else None
        present = frozenset(k for k, v in (("title", title), ("url", url), ("text", text)) if v is not None)
        fetched[post_id] = PostIn(post_id, title=title, text=text, url=url, present=present)
    for c in comments:
        if c.post and c.post.external_id in fetched:
            c.post = fetched[c.post.external_id]


def fetch(settings: Settings, site_id: str, config: dict, secrets_: dict, state: dict) -> PollBatch:
    blog_id = config.get("blog_id")
    if not blog_id:
        raise PollError("no Blogger blog id configured (colombe integrations set SITE --blogger-blog-id ...)")
    resume = state.get("resume") or {}
    params = [("status", s.upper()) for s in config.get("statuses") or ("LIVE", "PENDING")]
    params += [("fetchBodies", "true"), ("maxResults", str(PAGE_SIZE))]
    if state.get("start_date"):
        params.append(("startDate", state["start_date"]))
    if resume.get("page_token"):
        params.append(("pageToken", resume["page_token"]))
    url = f"{_base(config)}/blogs/{urllib.parse.quote(blog_id)}/comments?{urllib.parse.urlencode(params)}"
    data = _get(settings, url, secrets_)
    items = data.get("items") or []
    if not isinstance(items, list):
        raise PollError("Blogger answered with an unexpected `items`")
    comments = [c for c in (map_comment(i) for i in items) if c is not None]
    newest = resume.get("newest") or state.get("start_date")
    for i in items:
        published = i.get("published") if isinstance(i, dict) else None
        if isinstance(published, str) and (newest is None or _after(published, newest)):
            newest = published
    if comments:
        _with_posts(settings, config, secrets_, site_id, comments)
    token = data.get("nextPageToken")
    new_state = dict(state)
    if token:
        new_state["resume"] = {"page_token": token, "newest": newest}
    else:
        new_state.pop("resume", None)
        if newest:
            new_state["start_date"] = newest
    return PollBatch(comments=comments, state=new_state, more=bool(token))


def _after(a: str, b: str) -> bool:
    try:
        return parse_timestamp(a) > parse_timestamp(b)
    except ValueError:
        return False


def write_back(settings: Settings, session, site: Site, delivery) -> HttpResult:
    row = get_config(session, site.id, "blogger")
    if row is None or not row.enabled or not (row.config or {}).get("blog_id"):
        return HttpResult(410, b"", {}, "Blogger is no longer configured for this site")
    secrets_ = read_secrets(settings, row)
    if not secrets_.get("access_token"):
        return HttpResult(401, b"", {}, "no Blogger OAuth access token stored (colombe integrations set)")
    payload = delivery.payload
    if not payload.get("post_external_id"):
        return HttpResult(422, b"", {}, "the comment has no Blogger post id")
    q = urllib.parse.quote
    url = (f"{_base(row.config)}/blogs/{q(row.config['blog_id'])}/posts/{q(payload['post_external_id'])}"
           f"/comments/{q(str(payload['comment_external_id']))}/{payload['op']}")
    return http_request("POST", url, body=b"", timeout=settings.notify_timeout_s,
                        allowed_hosts=settings.outbound_allowed_hosts, headers={**_headers(secrets_), "Content-Type": "application/json"})
