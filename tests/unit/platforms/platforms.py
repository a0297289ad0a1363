"""Local HTTP servers speaking the platforms' documented shapes (no network needed).

Each fake is a real threaded HTTP server on 127.0.0.1; tests point Colombe at its URL.
Shapes follow the public references:
- WordPress REST API: POST /wp-json/wp/v2/comments/<id> {"status"} with Basic auth
  (application passwords) → the comment object; errors {"code", "message", "data": {"status"}}.
- Blogger API v3: GET /blogs/{blogId}/comments (comments.listByBlog: status, startDate,
  pageToken, fetchBodies, maxResults, view) → {"kind": "blogger#commentList", "items",
  "nextPageToken"}; GET /blogs/{blogId}/posts/{postId}; POST .../comments/{id}/approve|spam|
  removecontent → the comment resource; errors {"error": {"code", "message", "errors"}}.
- Disqus API 3.0: GET /forums/listPosts.json (forum, since, order, cursor, include, related)
  → {"code": 0, "cursor": {"hasNext", "next", ...}, "response": [...]}; POST
  /posts/approve|spam|remove.json (post, access_token, api_key) → {"code": 0, "response": [{"id"}]}.
"""
from __future__ import annotations

import base64
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from tests.conftest import sign_headers, wait_for


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        return urllib.parse.parse_qs(self.body.decode())


class FakeServer:
    """Start with `with FakeX() as fake:`; `fake.url`, `fake.requests`."""

    def __init__(self):
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        fake = self

        self.connections: set = set()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with fake.lock:
                    fake.connections.add(self.connection)

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urllib.parse.urlsplit(self.path)
                rec = Recorded(self.command, parsed.path, urllib.parse.parse_qs(parsed.query),
                               {k: v for k, v in self.headers.items()}, body)
                with fake.lock:
                    fake.requests.append(rec)
                status, headers, payload = fake.handle(rec)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                headers = {"Content-Type": "application/json", **(headers or {})}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        with self.lock:  # like a stopped server: its kept-alive connections end too
            for conn in self.connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.connections.clear()

    def handle(self, rec: Recorded):  # pragma: no cover - overridden
        return 404, {}, {"error": "not found"}


class Receiver(FakeServer):
    """Any webhook receiver: answers from a script of status codes, then 200."""

    def __init__(self, script=()):
        super().__init__()
        self.script = list(script)

    def handle(self, rec):
        status = self.script.pop(0) if self.script else 200
        return status, {}, {"ok": status < 300}


def _basic(rec: Recorded):
    header = rec.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


@dataclass
class WPComment:
    id: int
    post: int
    content: str
    status: str = "hold"
    parent: int = 0


class FakeWordPress(FakeServer):
    """The WordPress REST comments endpoint, with application-password auth."""

    def __init__(self, user="editor", app_password="abcd EFGH ijkl MNOP qrst UVWX", fail_first=0):
        super().__init__()
        self.user, self.app_password = user, app_password
        self.comments: dict[int, WPComment] = {}
        self.fail_first = fail_first

    def handle(self, rec):
        prefix = "/wp-json/wp/v2/comments/"
        if not rec.path.startswith(prefix):
            return 404, {}, {"code": "rest_no_route", "message": "No route was found matching the URL and request method.",
                             "data": {"status": 404}}
        if self.fail_first > 0:
            self.fail_first -= 1
            return 503, {}, {"code": "service_unavailable", "message": "maintenance", "data": {"status": 503}}
        if _basic(rec) != (self.user, self.app_password):
            return 401, {}, {"code": "rest_cannot_edit", "message": "Sorry, you are not allowed to edit this comment.",
                             "data": {"status": 401}}
        try:
            cid = int(rec.path[len(prefix):])
        except ValueError:
            return 404, {}, {"code": "rest_comment_invalid_id", "message": "Invalid comment ID.", "data": {"status": 404}}
        c = self.comments.get(cid)
        if c is None:
            return 404, {}, {"code": "rest_comment_invalid_id", "message": "Invalid comment ID.", "data": {"status": 404}}
        if rec.method == "POST":
            status = rec.json().get("status")
            mapping = {"approve": "approved", "approved": "approved", "hold": "hold", "spam": "spam",
                       "trash": "trash"}
            if status not in mapping:
                return 400, {}, {"code": "rest_invalid_param", "message": "Invalid parameter(s): status",
                                 "data": {"status": 400}}
            c.status = mapping[status]
        return 200, {}, self.rest_object(c)

    @staticmethod
    def rest_object(c: WPComment, **extra) -> dict:
        return {
            "id": c.id, "post": c.post, "parent": c.parent, "author": 0, "author_name": "Jeanne",
            "author_email": "jeanne@example.org", "author_url": "", "author_ip": "203.0.113.9",
            "author_user_agent": "Mozilla/5.0", "date": "2026-11-20T11:04:05", "date_gmt": "2026-11-20T10:04:05",
            "content": {"raw": c.content, "rendered": f"<p>{c.content}</p>\n"},
            "link": f"https://blog.example.org/?p={c.post}#comment-{c.id}", "status": c.status, "type": "comment",
            "meta": [], **extra,
        }


class FakeBlogger(FakeServer):
    """Blogger API v3 comments of one blog (listByBlog pages newest first, like the API)."""

    def __init__(self, blog_id="4242", token="ya29.test-token", page_size=2):
        super().__init__()
        self.blog_id, self.token, self.page_size = blog_id, token, page_size
        self.comments: list[dict] = []
        self.posts: dict[str, dict] = {}

    def add_comment(self, cid, post_id, content, published, status="PENDING", in_reply_to=None):
        item = {
            "kind": "blogger#comment", "id": str(cid), "post": {"id": str(post_id)}, "blog": {"id": self.blog_id},
            "published": published, "updated": published,
            "selfLink": f"{self.url}/blogs/{self.blog_id}/posts/{post_id}/comments/{cid}",
            "content": content, "status": status,
            "author": {"id": "g1", "displayName": "Anonyme", "url": "https://www.blogger.com/profile/1",
                       "image": {"url": "https://example.org/a.png"}},
        }
        if in_reply_to:
            item["inReplyTo"] = {"id": str(in_reply_to)}
        self.comments.append(item)
        return item

    def _error(self, code, message, reason):
        return code, {}, {"error": {"code": code, "message": message,
                                    "errors": [{"domain": "global", "reason": reason, "message": message}]}}

    def handle(self, rec):
        if rec.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(401, "Invalid Credentials", "authError")
        parts = rec.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "blogs" or parts[1] != self.blog_id:
            return self._error(404, "Not Found", "notFound")
        if parts[2:] == ["comments"] and rec.method == "GET":
            statuses = {s.upper() for s in rec.query.get("status", ["live"])}
            start = rec.query.get("startDate", [None])[0]
            items = [c for c in self.comments if c["status"] in statuses and (start is None or c["published"] >= start)]
            items.sort(key=lambda c: c["published"], reverse=True)
            offset = int(rec.query.get("pageToken", ["0"])[0])
            page = items[offset: offset + self.page_size]
            body = {"kind": "blogger#commentList", "items": page}
            if offset + self.page_size < len(items):
                body["nextPageToken"] = str(offset + self.page_size)
            return 200, {}, body
        if len(parts) == 4 and parts[2] == "posts" and rec.method == "GET":
            post = self.posts.get(parts[3])
            return (200, {}, post) if post else self._error(404, "Not Found", "notFound")
        if len(parts) == 7 and parts[2] == "posts" and parts[4] == "comments" and rec.method == "POST":
            match = [c for c in self.comments if c["id"] == parts[5] and c["post"]["id"] == parts[3]]
            if not match:
                return self._error(404, "Not Found", "notFound")
            verb = parts[6]
            if verb == "approve":
                match[0]["status"] = "LIVE"
            elif verb == "spam":
                match[0]["status"] = "SPAM"
            elif verb == "removecontent":
                match[0]["status"] = "EMPTIED"
                match[0]["content"] = ""
            else:
                return self._error(404, "Not Found", "notFound")
            return 200, {}, match[0]
        return self._error(404, "Not Found", "notFound")


class FakeDisqus(FakeServer):
    """Disqus API 3.0 for one forum (listPosts ascending with a cursor; moderation verbs)."""

    def __init__(self, forum="monblog", api_key="pub-key", access_token="mod-token", page_size=2):
        super().__init__()
        self.forum, self.api_key, self.access_token, self.page_size = forum, api_key, access_token, page_size
        self.posts: list[dict] = []

    def add_post(self, pid, thread, message, created, parent=None, approved=False):
        item = {"id": str(pid), "forum": self.forum, "thread": {"id": str(thread), "title": "Les oiseaux en hiver",
                                                                 "link": "https://blog.example.org/oiseaux"},
                "parent": parent, "raw_message": message, "message": f"<p>{message}</p>", "createdAt": created,
                "author": {"name": "Lou", "username": "lou", "url": "", "isAnonymous": False},
                "isApproved": approved, "isSpam": False, "isDeleted": False, "ipAddress": "198.51.100.7"}
        self.posts.append(item)
        return item

    def handle(self, rec):
        params = rec.query if rec.method == "GET" else rec.form()
        if params.get("api_key", [None])[0] != self.api_key:
            return 400, {}, {"code": 5, "response": "Invalid API key"}
        if rec.path == "/forums/listPosts.json" and rec.method == "GET":
            if params.get("forum", [None])[0] != self.forum:
                return 400, {}, {"code": 2, "response": "Invalid argument, 'forum': Unable to find forum"}
            since = params.get("since", [None])[0]
            order = params.get("order", ["desc"])[0]
            items = [p for p in self.posts if since is None or p["createdAt"] >= since]
            items.sort(key=lambda p: p["createdAt"], reverse=(order == "desc"))
            offset = int(params.get("cursor", ["0"])[0] or 0)
            page = items[offset: offset + self.page_size]
            has_next = offset + self.page_size < len(items)
            return 200, {}, {"code": 0, "cursor": {"prev": None, "hasNext": has_next, "next": str(offset + self.page_size)
                                                   if has_next else None, "hasPrev": offset > 0, "total": None,
                                                   "id": str(offset), "more": has_next},
                             "response": page}
        verbs = {"/posts/approve.json": "approve", "/posts/spam.json": "spam", "/posts/remove.json": "remove"}
        if rec.path in verbs and rec.method == "POST":
            if params.get("access_token", [None])[0] != self.access_token:
                return 400, {}, {"code": 4, "response": "You must be authenticated to perform this action"}
            pid = params.get("post", [None])[0]
            match = [p for p in self.posts if p["id"] == pid]
            if not match:
                return 400, {}, {"code": 2, "response": "Invalid argument, 'post': Unable to find post"}
            verb = verbs[rec.path]
            match[0].update({"approve": {"isApproved": True}, "spam": {"isSpam": True},
                             "remove": {"isDeleted": True}}[verb])
            return 200, {}, {"code": 0, "response": [{"id": pid}]}
        return 404, {}, {"code": 1, "response": "Endpoint not valid"}


@dataclass
class LiveApp:
    url: str
    server: object = field(repr=False)


def score_all(env, ids):
    """Run the real scoring core (policy, decision, outbox) with the test model."""
    from service.core.scoring import score_comments
    from service.db.session import session_scope

    with session_scope(env["settings"].database_url) as s:
        return [c.id for c in score_comments(s, ids, env["model"])]


def configure(env, site, platform, secrets=None, **config):
    from service.db.session import session_scope
    from service.integrations.common import get_or_create_config, set_config_values, write_secrets

    with session_scope(env["settings"].database_url) as s:
        row = get_or_create_config(s, site["id"], platform)
        set_config_values(row, **config)
        if secrets:
            write_secrets(env["settings"], row, secrets)


def send(env, site, payload, path=None):
    body = json.dumps(payload).encode()
    r = env["client"].post(path or f"/api/v1/sites/{site['id']}/comments", data=body,
                           headers=sign_headers(site["webhook_secret"], body))
    assert r.status_code == 202, r.json
    return [c["id"] for c in r.json["comments"]]


def deliveries(env, **filters):
    from service.db.integration_tables import Delivery
    from service.db.session import session_scope

    with session_scope(env["settings"].database_url) as s:
        q = select(Delivery).filter_by(**filters).order_by(Delivery.id)
        return [(d.id, d.target, d.status, d.attempts, d.payload, d.idempotency_key) for d in s.scalars(q)]


def drain(env, until, timeout=10.0):
    """Run the delivery loop in real time (backoff is tens of milliseconds in these settings)."""
    from service.integrations.outbox_sender import deliver_due

    def step():
        deliver_due(env["settings"])
        return until()

    return wait_for(step, timeout=timeout, interval=0.05, message="deliveries")
