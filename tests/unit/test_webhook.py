"""The generic webhook, through the Flask app on SQLite, with a recording dispatcher."""
from __future__ import annotations

import json
import time

import pytest

from tests.conftest import sign_headers
from tests.fakes import RecordingDispatcher


@pytest.fixture
def env(sqlite_settings):
    from service.app import create_app
    from service.core.sites import create_site
    from service.db.session import session_scope

    dispatcher = RecordingDispatcher()
    app = create_app(sqlite_settings, dispatcher=dispatcher)
    with session_scope(sqlite_settings.database_url) as s:
        site = create_site(s, "Blog A", sqlite_settings.secret_key).as_json()
        other = create_site(s, "Blog B", sqlite_settings.secret_key).as_json()
    return {"app": app, "client": app.test_client(), "site": site, "other": other, "dispatcher": dispatcher,
            "settings": sqlite_settings}


def post(env, payload, site=None, secret=None, headers=None, raw=None):
    site = site or env["site"]
    body = raw if raw is not None else json.dumps(payload).encode()
    h = sign_headers(secret or site["webhook_secret"], body)
    h.update(headers or {})
    return env["client"].post(f"/api/v1/sites/{site['id']}/comments", data=body, headers=h)


def test_single_comment_is_stored_then_enqueued(env):
    r = post(env, {"id": "c1", "text": "Merci pour cet article", "post": {"id": "p1", "title": "Titre"}})
    assert r.status_code == 202, r.json
    [c] = r.json["comments"]
    assert c["external_id"] == "c1" and c["status"] == "received" and c["duplicate"] is False
    assert env["dispatcher"].sent == [[c["id"]]]


def test_batch_and_duplicates_are_idempotent(env):
    batch = {"comments": [{"id": f"b{i}", "text": f"comment {i}"} for i in range(5)]}
    first = post(env, batch).json["comments"]
    second = post(env, batch).json["comments"]
    assert [c["id"] for c in first] == [c["id"] for c in second]
    assert all(c["duplicate"] for c in second) and not any(c["duplicate"] for c in first)
    assert len(env["dispatcher"].sent) == 1  # nothing new the second time


def test_same_id_twice_in_one_batch(env):
    r = post(env, {"comments": [{"id": "x", "text": "a"}, {"id": "x", "text": "b"}]})
    a, b = r.json["comments"]
    assert a["id"] == b["id"] and a["duplicate"] is False and b["duplicate"] is True


def test_ids_may_be_integers(env):
    r = post(env, {"id": 42, "text": "hello", "post": {"id": 7}, "parent_id": 41})
    assert r.status_code == 202
    assert r.json["comments"][0]["external_id"] == "42"


@pytest.mark.parametrize("case,expected,code", [
    ("unknown_site", 404, "unknown_site"),
    ("too_large", 413, "body_too_large"),
    ("not_json", 415, "unsupported_media_type"),
    ("no_signature", 401, "bad_signature"),
    ("bad_signature", 401, "bad_signature"),
    ("stale", 401, "bad_signature"),
    ("malformed", 400, "malformed_json"),
    ("bad_utf8", 400, "invalid_utf8"),
    ("deep", 400, None),
    ("missing_text", 422, "invalid_fields"),
    ("bad_format", 422, "invalid_fields"),
    ("nul", 422, "invalid_fields"),
    ("bad_timestamp", 422, "invalid_fields"),
    ("too_many", 422, "invalid_fields"),
    ("not_object", 422, "invalid_fields"),
    ("nan", 400, "malformed_json"),
])
def test_bad_input_gets_its_status(env, case, expected, code):
    site = env["site"]
    client = env["client"]
    url = f"/api/v1/sites/{site['id']}/comments"
    good = json.dumps({"id": "1", "text": "ok"}).encode()
    if case == "unknown_site":
        r = client.post("/api/v1/sites/nope/comments", data=good, headers=sign_headers("x", good))
    elif case == "too_large":
        body = json.dumps({"id": "1", "text": "a" * (env["settings"].max_body_bytes + 10)}).encode()
        r = client.post(url, data=body, headers=sign_headers(site["webhook_secret"], body))
    elif case == "not_json":
        h = sign_headers(site["webhook_secret"], good)
        h["Content-Type"] = "text/plain"
        r = client.post(url, data=good, headers=h)
    elif case == "no_signature":
        r = client.post(url, data=good, headers={"Content-Type": "application/json"})
    elif case == "bad_signature":
        r = client.post(url, data=good, headers=sign_headers("whsec_wrong", good))
    elif case == "stale":
        r = client.post(url, data=good, headers=sign_headers(site["webhook_secret"], good, int(time.time()) - 301))
    elif case == "malformed":
        r = post(env, None, raw=b'{"id": "1", "text": ')
    elif case == "bad_utf8":
        r = post(env, None, raw=b'{"id": "1", "text": "\xff\xfe"}')
    elif case == "deep":
        r = post(env, None, raw=b"[" * 100000 + b"]" * 100000)
    elif case == "missing_text":
        r = post(env, {"id": "1"})
        assert r.json["fields"] == {"text": "is required"}
    elif case == "bad_format":
        r = post(env, {"id": "1", "text": "x", "format": "markdown"})
        assert "format" in r.json["fields"]
    elif case == "nul":
        r = post(env, {"id": "1", "text": "a\x00b"})
        assert "text" in r.json["fields"]
    elif case == "bad_timestamp":
        r = post(env, {"id": "1", "text": "x", "created_at": "yesterday"})
        assert "created_at" in r.json["fields"]
    elif case == "too_many":
        r = post(env, {"comments": [{"id": str(i), "text": "x"} for i in range(501)]})
    elif case == "not_object":
        r = post(env, [1, 2, 3])
    elif case == "nan":
        r = post(env, None, raw=b'{"id": "1", "text": "x", "n": NaN}')
    assert r.status_code == expected, r.get_data(as_text=True)[:300]
    assert r.is_json and "message" in r.json
    if code:
        assert r.json["error"] == code
    assert env["dispatcher"].sent == []


def test_batch_field_errors_name_the_item(env):
    r = post(env, {"comments": [{"id": "1", "text": "ok"}, {"id": "2", "text": 5}]})
    assert r.status_code == 422
    assert r.json["fields"] == {"comments.1.text": "must be a string"}


def test_signature_rotation_accepts_several_signatures(env):
    from service.core.security import sign

    body = json.dumps({"id": "rot", "text": "x"}).encode()
    good = sign(env["site"]["webhook_secret"], body)
    bad = sign("whsec_other", body, int(good["X-Colombe-Timestamp"]))
    header = bad["X-Colombe-Signature"] + "," + good["X-Colombe-Signature"]
    r = env["client"].post(f"/api/v1/sites/{env['site']['id']}/comments", data=body, headers={
        "Content-Type": "application/json", "X-Colombe-Timestamp": good["X-Colombe-Timestamp"],
        "X-Colombe-Signature": header})
    assert r.status_code == 202


def test_another_sites_secret_is_refused(env):
    r = post(env, {"id": "1", "text": "x"}, secret=env["other"]["webhook_secret"])
    assert r.status_code == 401


def test_html_is_sanitized_and_reduced_to_text(env):
    from service.db.session import session_scope
    from service.db.tables import Comment

    html = '<p>Bonjour <b>tout</b> le monde</p><script>alert(1)</script><img src=x onerror="alert(2)">'
    r = post(env, {"id": "h", "text": html, "format": "html"})
    cid = r.json["comments"][0]["id"]
    with session_scope(env["settings"].database_url) as s:
        c = s.get(Comment, cid)
        assert c.text == "Bonjour tout le monde"
        assert "<script" not in c.html and "onerror" not in c.html and "<b>tout</b>" in c.html


def test_personal_data_is_hashed(env):
    from service.db.session import session_scope
    from service.db.tables import Comment

    r = post(env, {"id": "a", "text": "x", "author": {"name": "Zoé", "email": "zoe@example.org", "ip": "203.0.113.9"}})
    cid = r.json["comments"][0]["id"]
    from sqlalchemy import select, text

    from service.core.security import hash_personal
    from service.db.tables import Site

    with session_scope(env["settings"].database_url) as s:
        c = s.get(Comment, cid)
        salt = s.scalar(select(Site.hash_salt).where(Site.id == env["site"]["id"]))
        assert c.author_name == "Zoé"
        assert c.author_email_hash == hash_personal(salt, "zoe@example.org")
        assert c.author_ip_hash == hash_personal(salt, "203.0.113.9")
        assert hash_personal("another salt", "zoe@example.org") != c.author_email_hash
        row = " ".join(str(v) for v in s.execute(text("SELECT * FROM comments WHERE id = :i"), {"i": cid}).one())
        assert "zoe@example.org" not in row and "203.0.113.9" not in row  # never stored in clear


def test_reply_before_parent_gets_linked(env):
    from service.db.session import session_scope
    from service.db.tables import Comment

    child = post(env, {"id": "child", "text": "reply", "parent_id": "parent"}).json["comments"][0]["id"]
    parent = post(env, {"id": "parent", "text": "first"}).json["comments"][0]["id"]
    with session_scope(env["settings"].database_url) as s:
        assert s.get(Comment, child).parent_id == parent


def test_post_is_stored_and_updated(env):
    from sqlalchemy import select

    from service.db.session import session_scope
    from service.db.tables import Post

    post(env, {"id": "1", "text": "x", "post": {"id": "p", "title": "Old"}})
    post(env, {"id": "2", "text": "y", "post": {"id": "p", "title": "New", "url": "https://blog.example/p"}})
    post(env, {"id": "3", "text": "z", "post": {"id": "p"}})  # a bare sighting changes nothing
    with session_scope(env["settings"].database_url) as s:
        [p] = s.scalars(select(Post)).all()
        assert (p.title, p.url) == ("New", "https://blog.example/p")


def test_backpressure_answers_503(env):
    from dataclasses import replace

    env["app"].extensions["colombe"]["settings"] = replace(env["settings"], backlog_limit=2)
    assert post(env, {"comments": [{"id": "1", "text": "a"}, {"id": "2", "text": "b"}]}).status_code == 202
    r = post(env, {"id": "3", "text": "c"})
    assert r.status_code == 503 and r.headers["Retry-After"] and r.json["error"] == "backlog_full"
