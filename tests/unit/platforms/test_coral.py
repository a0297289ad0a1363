"""Coral external moderation phase, exercised over a real socket the way Coral calls it:
the body is `JSON.stringify(request, null, 2)` of an ExternalModerationRequest, signed in
`X-Coral-Signature` as comma-separated `sha256=<hex HMAC of the raw body>`, one per active
signing secret; the answer must satisfy Coral's response schema (actions[].actionType
FLAG with reason COMMENT_DETECTED_TOXIC|SPAM, status a COMMENT_STATUS, tags FEATURED|STAFF)
or be a 204 with no body). Coral's own validator (joi) checks the same answers in
test_coral_schema.py."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from sqlalchemy import select

from tests.unit.platforms.platforms import configure

CORAL_STATUSES = {"NONE", "APPROVED", "REJECTED", "PREMOD", "SYSTEM_WITHHELD"}
NEW_SECRET, OLD_SECRET = "coral-new-" + "n" * 24, "coral-old-" + "o" * 24


def coral_request(text, story="story-1", parent=None, author="user-9", action="NEW"):
    return {"action": action, "comment": {"body": text, "parentID": parent},
            "author": {"id": author, "role": "COMMENTER"},
            "story": {"id": story, "url": "https://news.example.org/2026/oiseaux"},
            "site": {"id": "site-1"}, "tenantID": "tenant-1", "tenantDomain": "news.example.org"}


def coral_post(url, payload, secrets=(NEW_SECRET,), header=None, raw=None):
    body = raw if raw is not None else json.dumps(payload, indent=2).encode()
    sig = header if header is not None else ",".join(
        "sha256=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets)
    headers = {"Content-Type": "application/json", "User-Agent": "Coral Moderation/8.0.0"}
    if sig:
        headers["X-Coral-Signature"] = sig
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def assert_coral_schema(doc):
    assert set(doc) <= {"status", "actions", "tags"}
    assert doc.get("status") is None or doc["status"] in CORAL_STATUSES
    for a in doc.get("actions", []):
        assert a["actionType"] == "FLAG" and a["reason"] in ("COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM")
    assert all(t in ("FEATURED", "STAFF") for t in doc.get("tags", []))


def test_coral_phase_decisions_and_mapping(env, live_app):
    from service.db.session import session_scope
    from service.db.tables import Comment, Post

    configure(env, env["a"], "coral", secrets={"signing_secrets": [NEW_SECRET, OLD_SECRET]})
    url = f"{live_app}/integrations/coral/{env['a']['id']}"
    started = time.monotonic()
    status, body = coral_post(url, coral_request("Quel idiot, cet auteur"))
    assert time.monotonic() - started < 2.0  # well inside Coral's phase timeout
    assert status == 200
    doc = json.loads(body)
    assert_coral_schema(doc)
    assert doc == {"status": "SYSTEM_WITHHELD", "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]}
    # clean: no opinion
    status, body = coral_post(url, coral_request("Très beau reportage", parent="c-0"))
    assert (status, body) == (204, b"")
    # spam, signed only with the old secret during a rotation
    status, body = coral_post(url, coral_request("buy now http://pills.example"), secrets=(OLD_SECRET,))
    assert status == 200 and json.loads(body)["actions"] == [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"}]
    # a site that auto-rejects toxicity: REJECTED
    from service.db.tables import Site

    with session_scope(env["settings"].database_url) as s:
        s.get(Site, env["a"]["id"]).policy = {"reject_above": {"toxicity": 0.9}}
    status, body = coral_post(url, coral_request("Espèce de connard", story="story-2"))
    assert status == 200 and json.loads(body)["status"] == "REJECTED"
    # Coral retrying the same request: same answer, one stored comment
    status, body = coral_post(url, coral_request("Espèce de connard", story="story-2"))
    assert json.loads(body)["status"] == "REJECTED"
    with session_scope(env["settings"].database_url) as s:
        rows = s.scalars(select(Comment).order_by(Comment.id)).all()
        assert len(rows) == 4
        assert rows[1].parent_external_id == "c-0" and rows[0].author_name == "user-9"
        post = s.get(Post, rows[0].post_id)
        assert (post.external_id, post.url) == ("story-1", "https://news.example.org/2026/oiseaux")
        assert [r.status for r in rows] == ["pending", "approved", "pending", "rejected"]


def test_coral_signatures_and_hostile_input(env, live_app):
    configure(env, env["a"], "coral", secrets={"signing_secrets": [NEW_SECRET]})
    url = f"{live_app}/integrations/coral/{env['a']['id']}"
    req = coral_request("bonjour")
    status, body = coral_post(url, req, header="")
    assert status == 401 and json.loads(body)["error"] == "bad_signature"
    status, body = coral_post(url, req, secrets=("not-the-secret",))
    assert status == 401
    status, body = coral_post(url, req, header="sha1=abc")
    assert status == 401
    # a signature over a different body does not verify
    sig = "sha256=" + hmac.new(NEW_SECRET.encode(), b"{}", hashlib.sha256).hexdigest()
    status, _ = coral_post(url, req, header=sig)
    assert status == 401
    # site B has no Coral secret: refused even with A's signature
    status, body = coral_post(f"{live_app}/integrations/coral/{env['b']['id']}", req)
    assert status == 401 and json.loads(body)["error"] == "coral_not_configured"
    assert coral_post(f"{live_app}/integrations/coral/s_unknown", req)[0] == 404
    status, body = coral_post(url, None, raw=b"[1, 2]")
    assert status == 422
    status, body = coral_post(url, None, raw=b"{\"action\": ")
    assert status == 400
    bad = coral_request("")
    bad["action"] = "DELETE"
    status, body = coral_post(url, bad)
    assert status == 422 and {"comment.body", "action"} <= set(json.loads(body)["fields"])
    status, body = coral_post(url, None, raw=json.dumps({"action": "NEW", "comment": "x", "story": 3}).encode())
    assert status == 422 and {"comment", "story"} <= set(json.loads(body)["fields"])
    status, body = coral_post(url, None, raw=b"{" + b"\"a\":1," * 300_000 + b"\"b\":2}")
    assert status == 413
