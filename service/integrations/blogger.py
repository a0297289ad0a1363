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
Tokens: an access token lasts about an hour. With a refresh token and the OAuth client id
      and secret stored, a new one is fetched before expiry and on a 401
      (`google_oauth`); a refresh Google refuses is an `AuthError`: the connection shows
      it (UI, metrics) instead of failing polls silently.
Write-back: POST {api_base}/blogs/{blogId}/posts/{postId}/comments/{commentId}/
      approve (approved) | spam (markAsSpam: every rejection by default; hidden, text kept,
      restorable from Blogger's Spam tab) | removecontent (removeContent: only when the site
      chose `--blogger-reject-action remove`; it erases the text for good). Blogger cannot
      put a comment back into moderation: a comment Colombe holds stays as it is.
"""
from __future__ import annotations

import urllib.parse
from sqlalchemy import select

from ..config import Settings
from ..core.html import html_to_text
from ..db.session import session_scope
from ..db.tables import Post, Site
from ..core.intake import CommentIn, PostIn, parse_timestamp
from . import google_oauth
from .common import (AuthError, HttpResult, PollBatch, PollError, get_config, http_request, read_secrets, set_auth,
                     write_secrets)

DEFAULT_API_BASE = "https://blogger.googleapis.com/v3"
PAGE_SIZE = 100


def _base(config: dict) -> str:
    return (config.get("api_base") or DEFAULT_API_BASE).rstrip("/")


def _headers(secrets_: dict) -> dict:
    token = secrets_.get("access_token")
    return {"Authorization": f"Bearer {token}"} if token else {}


REJECT_ACTIONS = ("spam", "remove", "none")


def _call(settings: Settings, method: str, url: str, secrets_: dict, config: dict, body: bytes | None = None,
          headers: dict | None = None) -> HttpResult:
    """One API call with a valid access token; on 401, one refresh and one more try."""
    google_oauth.valid_token(settings, secrets_, config)
    result = http_request(method, url, body=body, timeout=settings.notify_timeout_s,
                          allowed_hosts=settings.outbound_allowed_hosts,
                          headers={**_headers(secrets_), **(headers or {})})
    if result.status == 401 and google_oauth.can_refresh(secrets_, config):
        google_oauth.valid_token(settings, secrets_, config, force=True)
        result = http_request(method, url, body=body, timeout=settings.notify_timeout_s,
                          allowed_hosts=settings.outbound_allowed_hosts,
                              headers={**_headers(secrets_), **(headers or {})})
    return result


def _get(settings: Settings, url: str, secrets_: dict, config: dict | None = None) -> dict:
    if secrets_.get("api_key"):
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"key": secrets_["api_key"]})
    result = _call(settings, "GET", url, secrets_, config or {})
    if result.status == 401:
        raise AuthError(f"Blogger refused the access token ({result.summary()[:200]}); store a refresh token "
                        "(colombe integrations set SITE --blogger-refresh-token-stdin) or a new access token")
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
                               f"{urllib.parse.quote(post_id)}", secrets_, config)
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
    data = _get(settings, url, secrets_, config)
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


def operation(payload: dict, config: dict) -> str | None:
    """The Blogger verb for a recorded decision (None: nothing to send)."""
    op = payload.get("op")
    if op == "spam" and payload.get("reason") != "spam":  # a rejection for another reason
        action = config.get("reject_action") or "spam"
        return {"spam": "spam", "remove": "removecontent", "none": None}.get(action, "spam")
    return op


def write_back(settings: Settings, session, site: Site, delivery) -> HttpResult:
    row = get_config(session, site.id, "blogger")
    if row is None or not row.enabled or not (row.config or {}).get("blog_id"):
        return HttpResult(410, b"", {}, "Blogger is no longer configured for this site")
    config = dict(row.config or {})
    secrets_ = read_secrets(settings, row)
    if not secrets_.get("access_token") and not google_oauth.can_refresh(secrets_, config):
        return HttpResult(401, b"", {}, "no Blogger OAuth token stored (colombe integrations set)")
    payload = delivery.payload
    if not payload.get("post_external_id"):
        return HttpResult(422, b"", {}, "the comment has no Blogger post id")
    verb = operation(payload, config)
    if verb is None:  # the site keeps rejected comments as they are on Blogger
        return HttpResult(200, b"", {}, None)
    q = urllib.parse.quote
    url = (f"{_base(config)}/blogs/{q(config['blog_id'])}/posts/{q(payload['post_external_id'])}"
           f"/comments/{q(str(payload['comment_external_id']))}/{verb}")
    try:
        result = _call(settings, "POST", url, secrets_, config, body=b"", headers={"Content-Type": "application/json"})
    except AuthError as exc:
        result = HttpResult(401, b"", {}, str(exc))
    except PollError as exc:  # the token endpoint is unreachable: try again later
        result = HttpResult(0, b"", {}, str(exc))
    if secrets_.pop("_changed", False):
        write_secrets(settings, row, secrets_)
    if result.status == 401:
        set_auth(row, False, result.error or result.summary())
        from .. import metrics

        metrics.integration_auth_failure("blogger")
    elif result.ok:
        set_auth(row, True)
    return result
