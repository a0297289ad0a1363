"""Disqus (API 3.0): poll `forums/listPosts`, write decisions back.

Poll: GET {api_base}/forums/listPosts.json?forum=<shortname>&order=asc&limit=100
      &include=unapproved&include=approved&related=thread[&since=<cursor>][&cursor=<next>]
      &api_key=...&access_token=...
      → {"code": 0, "cursor": {"hasNext", "next"}, "response": [{"id", "thread"
         (id, or object with related=thread), "parent", "raw_message", "message",
         "createdAt", "author": {"name", "username", "url", "email"}, "ipAddress"}]}
Cursor: `since` = the newest `createdAt` of the last complete pass; during a pass spanning
      several pages the pass's own `since`, the Disqus `cursor` and the newest date seen are
      kept, and `since` moves forward when the pass ends.
Write-back: POST {api_base}/posts/approve.json | posts/spam.json | posts/remove.json
      with post=<id> and the moderator's access_token (+ api_key / api_secret).
Credentials: Disqus access tokens expire (`expires_in` of Disqus's OAuth answer). An answer
      that refuses our credentials (HTTP 401/403, or Disqus error codes about keys, tokens
      or privileges) is an `AuthError`: the connection shows "credentials refused" in the
      UI and `colombe_integration_auth_ok` drops to 0, instead of polls failing quietly.
"""
from __future__ import annotations

import urllib.parse

from ..config import Settings
from ..db.tables import Site
from ..core.intake import CommentIn, PostIn, parse_timestamp
from .common import AuthError, HttpResult, PollBatch, PollError, get_config, http_request, read_secrets, set_auth

DEFAULT_API_BASE = "https://disqus.com/api/3.0"
# Disqus API error codes, in our words (what is stored and shown: never the reply's text).
DISQUS_ERRORS = {1: "endpoint not valid (code 1)", 2: "missing or invalid argument (code 2)",
                 4: "not authenticated: the access token is missing or expired (code 4)",
                 5: "invalid API key (code 5)", 8: "object not found (code 8)",
                 11: "API key not valid on this domain (code 11)",
                 12: "the application lacks the privileges (code 12)", 13: "rate limit exceeded (code 13)",
                 14: "account rate limit exceeded (code 14)", 15: "Disqus internal error (code 15)",
                 18: "the user may not moderate this forum (code 18)"}
PAGE_SIZE = 100


def _base(config: dict) -> str:
    return (config.get("api_base") or DEFAULT_API_BASE).rstrip("/")


# Disqus API error codes that mean "your key, token or privileges are not good enough":
# 4 authentication required, 5 invalid API key, 9 wrong kind of key, 11 key not valid on
# this domain, 12 not enough privileges, 17 the user cannot use this feature, 18 invalid
# or expired access token.
AUTH_CODES = {4, 5, 9, 11, 12, 17, 18}
RECONNECT = "colombe integrations set SITE --disqus-access-token-stdin"


def auth_refused(status: int, data) -> bool:
    code = data.get("code") if isinstance(data, dict) else None
    return status in (401, 403) or code in AUTH_CODES


def _auth_params(secrets_: dict) -> list[tuple[str, str]]:
    out = []
    for key in ("api_key", "api_secret", "access_token"):
        if secrets_.get(key):
            out.append((key, secrets_[key]))
    return out


def map_post(item: dict) -> CommentIn | None:
    if not isinstance(item, dict) or item.get("id") in (None, ""):
        return None
    text = item.get("raw_message")
    fmt = "text"
    if not isinstance(text, str) or not text:
        text, fmt = item.get("message"), "html"
    if not isinstance(text, str) or not text.strip():
        return None
    thread = item.get("thread")
    post = None
    if isinstance(thread, dict) and thread.get("id") is not None:
        title = thread.get("title") if isinstance(thread.get("title"), str) else None
        link = thread.get("link") if isinstance(thread.get("link"), str) else None
        present = frozenset(k for k, v in (("title", title), ("url", link)) if v is not None)
        post = PostIn(str(thread["id"])[:255], title=title, url=link, present=present)
    elif thread not in (None, ""):
        post = PostIn(str(thread)[:255])
    author = item.get("author") if isinstance(item.get("author"), dict) else {}
    created = None
    if isinstance(item.get("createdAt"), str):
        try:
            created = parse_timestamp(item["createdAt"])  # Disqus times are UTC without an offset
        except ValueError:
            created = None
    parent = item.get("parent")

    def s(v, n=255):
        return str(v)[:n] if v not in (None, "") else None

    return CommentIn(
        external_id=str(item["id"])[:255], text=text, format=fmt, post=post,
        parent_external_id=s(parent),
        author_name=s(author.get("name") or author.get("username")),
        author_email=s(author.get("email")), author_url=s(author.get("url"), 2048),
        author_ip=s(item.get("ipAddress"), 64), created_at=created,
        extra={"disqus_approved": item.get("isApproved")},
    )


def fetch(settings: Settings, site_id: str, config: dict, secrets_: dict, state: dict) -> PollBatch:
    forum = config.get("forum")
    if not forum:
        raise PollError("no Disqus forum configured (colombe integrations set SITE --disqus-forum ...)")
    params = [("forum", forum), ("order", "asc"), ("limit", str(PAGE_SIZE)), ("include", "unapproved"),
              ("include", "approved"), ("related", "thread")]
    cursor_in = state.get("cursor")
    query_since = state.get("pass_since") if cursor_in else state.get("since")
    if query_since:
        params.append(("since", query_since))
    if cursor_in:
        params.append(("cursor", cursor_in))
    url = f"{_base(config)}/forums/listPosts.json?{urllib.parse.urlencode(params + _auth_params(secrets_))}"
    result = http_request("GET", url, timeout=settings.notify_timeout_s, allowed_hosts=settings.outbound_allowed_hosts)
    try:
        data = result.json()
    except ValueError:
        data = None
    if not result.ok or not isinstance(data, dict) or data.get("code") != 0:
        code = data.get("code") if isinstance(data, dict) else None
        message = f"Disqus answered {result.summary()}" + (f": {DISQUS_ERRORS[code]}" if code in DISQUS_ERRORS else "")
        if auth_refused(result.status, data):
            raise AuthError(f"{message} — the API key or the moderator's access token was refused (expired?); "
                            f"store a new one: {RECONNECT}")
        raise PollError(message)
    items = data.get("response") or []
    if not isinstance(items, list):
        raise PollError("Disqus answered with an unexpected `response`")
    comments = [c for c in (map_post(i) for i in items) if c is not None]
    newest = state.get("newest") or state.get("since")
    for i in items:
        created = i.get("createdAt") if isinstance(i, dict) else None
        if isinstance(created, str) and (newest is None or created > newest):
            newest = created
    cursor = data.get("cursor") if isinstance(data.get("cursor"), dict) else {}
    more = bool(cursor.get("hasNext")) and bool(cursor.get("next")) and bool(items)
    if more:  # the pass goes on with the same `since`; the cursor only makes sense with it
        new_state = {**({"since": state["since"]} if state.get("since") else {}), "cursor": cursor["next"],
                     "pass_since": query_since, "newest": newest}
    else:
        new_state = {"since": newest} if newest else {}
    return PollBatch(comments=comments, state=new_state, more=more)


def write_back(settings: Settings, session, site: Site, delivery) -> HttpResult:
    row = get_config(session, site.id, "disqus")
    if row is None or not row.enabled or not (row.config or {}).get("forum"):
        return HttpResult(410, b"", {}, "Disqus is no longer configured for this site")
    secrets_ = read_secrets(settings, row)
    if not secrets_.get("access_token") and not secrets_.get("api_secret"):
        return HttpResult(401, b"", {}, "no Disqus access token or API secret stored (colombe integrations set)")
    op = delivery.payload["op"]
    body = urllib.parse.urlencode([("post", str(delivery.payload["comment_external_id"]))]
                                  + _auth_params(secrets_)).encode()
    result = http_request("POST", f"{_base(row.config)}/posts/{op}.json", body=body,
                          timeout=settings.notify_timeout_s, allowed_hosts=settings.outbound_allowed_hosts,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        data = result.json()
    except ValueError:
        data = None
    code = data.get("code") if isinstance(data, dict) else None
    if auth_refused(result.status, data):
        message = (f"Disqus refused the credentials (HTTP {result.status}"
                   + (f": {DISQUS_ERRORS[code]}" if code in DISQUS_ERRORS else "")
                   + f"); store a new access token: {RECONNECT}")
        set_auth(row, False, message)
        from .. import metrics

        metrics.integration_auth_failure("disqus")
        return HttpResult(401, result.body, result.headers, message)
    if result.ok:
        if code != 0:
            return HttpResult(422, result.body, result.headers,
                              "Disqus refused the call: " + DISQUS_ERRORS.get(code, "an unexpected answer"))
        set_auth(row, True)
    elif code in DISQUS_ERRORS:
        result.error = DISQUS_ERRORS[code]  # our words for its code, never the reply's text
    return result
