"""Size and shape limits, hostile HTML and XML, security headers and tenant isolation:
each hostile request gets a clear 4xx (never a 500), and nothing leaks across sites."""
from __future__ import annotations

import json

import pytest


def _err(r):
    body = r.get_json(silent=True) or {}
    return body.get("error"), body.get("fields")


# ---- sizes and shapes --------------------------------------------------------------

def test_body_over_limit_is_413(hostile_env):
    limit = hostile_env["settings"].max_body_bytes
    r = hostile_env["send"](hostile_env["a"], None, raw=b'{"id": "big", "text": "' + b"x" * limit + b'"}')
    assert r.status_code == 413 and _err(r)[0] == "body_too_large"


def test_comment_over_max_length_is_422_and_full_text_is_kept_below_it(hostile_env):
    env = hostile_env
    max_text = env["settings"].max_text_chars
    r = env["send"](env["a"], {"id": "long-1", "text": "é" * (max_text + 1)})
    assert r.status_code == 422 and "text" in _err(r)[1]
    text = ("Un très long commentaire. " * 5000)[:max_text]
    r = env["send"](env["a"], {"id": "long-2", "text": text})
    assert r.status_code == 202
    cid = r.get_json()["comments"][0]["id"]
    got = env["client"].get(f"/api/v1/comments/{cid}", headers={"Authorization": f"Bearer {env['a']['api_token']}"})
    assert got.get_json()["text"] == text  # stored in full


def test_only_a_bounded_prefix_is_scored(hostile_env):
    from service.core.scoring import score_comments
    from service.db.session import session_scope
    from tests.fakes import FakeModel

    env = hostile_env
    text = "mot " * 20000
    cid = env["send"](env["a"], {"id": "prefix-1", "text": text}).get_json()["comments"][0]["id"]
    model = FakeModel()
    prefix = env["settings"].score_prefix_chars
    with session_scope(env["settings"].database_url) as s:
        scored = score_comments(s, [cid], model, prefix)
        assert [c.id for c in scored] == [cid]
        assert len(scored[0].text) == len(text)
    assert len(model.calls[0][0]["text"]) == prefix


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"id": "deep", "text": "x", "extra": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
])
def test_deep_json_is_400(hostile_env, raw):
    r = hostile_env["send"](hostile_env["a"], None, raw=raw)
    assert r.status_code == 400, r.get_json()
    assert _err(r)[0] in ("json_too_deep", "malformed_json")


def test_batch_over_limit_is_422(hostile_env):
    n = hostile_env["settings"].max_batch + 1
    r = hostile_env["send"](hostile_env["a"], {"comments": [{"id": f"b{i}", "text": "x"} for i in range(n)]})
    assert r.status_code == 422 and "comments" in _err(r)[1]


@pytest.mark.parametrize("payload,field", [
    ({"id": "nul-1", "text": "avant\x00après"}, "text"),
    ({"id": "nul\x002", "text": "x"}, "id"),
    ({"id": "nul-3", "text": "x", "author": {"name": "a\x00b"}}, "author.name"),
    ({"id": "nul-4", "text": "x", "post": {"id": "p\x00"}}, "post.id"),
])
def test_nul_bytes_are_422(hostile_env, payload, field):
    r = hostile_env["send"](hostile_env["a"], payload)
    assert r.status_code == 422 and field in _err(r)[1], r.get_json()


@pytest.mark.parametrize("raw", [b'{"id": "u1", "text": "\xff\xfe"}', b"\xc3\x28", b'{"id": "u2", "text": "\xed\xa0\x80"}'])
def test_invalid_utf8_is_400(hostile_env, raw):
    r = hostile_env["send"](hostile_env["a"], None, raw=raw)
    assert r.status_code == 400 and _err(r)[0] == "invalid_utf8"


def test_lone_surrogate_escape_is_refused_not_500(hostile_env):
    # valid UTF-8 JSON whose string decodes to a lone surrogate (unencodable for the database)
    r = hostile_env["send"](hostile_env["a"], None, raw=b'{"id": "sur-1", "text": "a\\ud800b"}')
    assert r.status_code in (202, 400, 422), (r.status_code, r.get_json())


@pytest.mark.parametrize("value", ["2024-13-45", "not a date", "99999-01-01T00:00:00", "0000-01-01T00:00:00",
                                   "1e309", "", "2024-01-01T25:61:00Z", 12345, ["2024-01-01"], "\x00"])
def test_invalid_created_at_is_422(hostile_env, value):
    r = hostile_env["send"](hostile_env["a"], {"id": "ts-1", "text": "x", "created_at": value})
    assert r.status_code == 422 and "created_at" in _err(r)[1], (value, r.get_json())


@pytest.mark.parametrize("ts", ["abc", "9" * 5000, "1e9", "-1", " ", "0x10", "１２３"])
def test_bad_signature_timestamps_are_401(hostile_env, ts):
    body = b'{"id": "sig", "text": "x"}'
    from tests.conftest import sign_headers

    h = sign_headers(hostile_env["a"]["webhook_secret"], body)
    h["X-Colombe-Timestamp"] = ts
    r = hostile_env["client"].post(f"/api/v1/sites/{hostile_env['a']['id']}/comments", data=body, headers=h)
    assert r.status_code == 401 and _err(r)[0] == "bad_signature"


def test_hostile_query_parameters_are_4xx(hostile_env):
    env = hostile_env
    h = {"Authorization": f"Bearer {env['a']['api_token']}"}
    base = f"/api/v1/sites/{env['a']['id']}/queue"
    for query in ("limit=-1", "limit=99999999999999999999", "limit=abc", "sort=random", "status=nope",
                  "cursor=%00%00", "cursor=" + "A" * 5000, "cursor=eyJ4IjogMX0", "label=\x00", "lang=" + "x" * 5000):
        r = env["client"].get(f"{base}?{query}", headers=h)
        assert r.status_code in (200, 400, 422), (query, r.status_code, r.get_json())
    for cid in ("0", "-1", "99999999999999999999999", "2147483648", "abc"):
        r = env["client"].get(f"/api/v1/comments/{cid}", headers=h)
        assert r.status_code == 404, (cid, r.status_code)


# ---- HTML and XML ---------------------------------------------------------------------

def test_html_comments_are_sanitized(hostile_env):
    env = hostile_env
    evil = ('<p onclick="steal()">Salut <script>alert(1)</script><img src=x onerror=alert(2)>'
            '<a href="javascript:alert(3)">lien</a><iframe src="//evil"></iframe><style>*{}</style></p>')
    cid = env["send"](env["a"], {"id": "html-1", "text": evil, "format": "html"}).get_json()["comments"][0]["id"]
    doc = env["client"].get(f"/api/v1/comments/{cid}", headers={"Authorization": f"Bearer {env['a']['api_token']}"}).get_json()
    html = (doc.get("html") or "").lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<style"):
        assert bad not in html, (bad, html)
    assert "alert(1)" not in doc["text"]  # the scored text is the visible text only


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


@pytest.mark.parametrize("method,path", [("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
                                         ("GET", "/api/v1/openapi.json"), ("GET", "/nowhere"),
                                         ("DELETE", "/healthz"), ("GET", "/api/v1/comments/1"),
                                         ("POST", "/api/v1/sites/nope/comments"), ("GET", "/"), ("GET", "/login")])
def test_security_headers_on_every_page(hostile_env, method, path):
    r = hostile_env["client"].open(path, method=method, headers={"Accept": "text/html"})
    for name in SECURITY_HEADERS:
        assert r.headers.get(name), (path, r.status_code, name)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp or "default-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0] if "script-src" in csp else True
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.status_code < 500 or (path == "/readyz" and r.status_code == 503)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss><channel><item><title>&lol4;</title></item></channel></rss>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&xxe;</title></item></channel></rss>"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("parser", ["parse_wxr", "parse_blogger"])
def test_hostile_xml_imports_are_refused(tmp_path, doc, parser):
    imports = pytest.importorskip("service.integrations.imports")
    path = tmp_path / "export.xml"
    path.write_text(doc)
    with pytest.raises(imports.ExportFileError) as info:
        list(getattr(imports, parser)(str(path)))
    assert "root:" not in str(info.value)


# ---- tenant isolation -----------------------------------------------------------------

def test_site_b_never_sees_or_changes_site_a(hostile_env):
    env = hostile_env
    client = env["client"]
    hb = {"Authorization": f"Bearer {env['b']['api_token']}"}
    ha = {"Authorization": f"Bearer {env['a']['api_token']}"}
    for cid in env["a_ids"]:
        assert client.get(f"/api/v1/comments/{cid}", headers=hb).status_code == 404
        assert client.get(f"/api/v1/comments/{cid}/thread", headers=hb).status_code == 404
        r = client.post(f"/api/v1/comments/{cid}/decision", json={"action": "reject"}, headers=hb)
        assert r.status_code == 404
        assert client.get(f"/api/v1/comments/{cid}", headers=ha).get_json()["status"] != "rejected"
    assert client.get(f"/api/v1/sites/{env['a']['id']}/queue", headers=hb).status_code == 404
    # B's own views never contain A's comments, whatever the filters
    for query in ("status=all", "status=received", "status=pending&sort=oldest", "status=all&lang=fr",
                  "status=all&label=toxicity", "status=all&limit=200"):
        r = client.get(f"/api/v1/sites/{env['b']['id']}/queue?{query}", headers=hb)
        if r.status_code == 200:
            ids = {c["id"] for c in r.get_json()["comments"]}
            assert not ids & set(env["a_ids"]), query
    thread = client.get(f"/api/v1/comments/{env['b_id']}/thread", headers=hb).get_json()
    assert "Bonjour" not in json.dumps(thread)
    # A cannot read B either, and no token / a wrong token is 401
    assert client.get(f"/api/v1/comments/{env['b_id']}", headers=ha).status_code == 404
    assert client.get(f"/api/v1/comments/{env['b_id']}").status_code == 401
    assert client.get(f"/api/v1/comments/{env['b_id']}", headers={"Authorization": "Bearer col_forged"}).status_code == 401
    # B's secret cannot post into A
    body = b'{"id": "forged", "text": "x"}'
    from tests.conftest import sign_headers

    r = client.post(f"/api/v1/sites/{env['a']['id']}/comments", data=body,
                    headers=sign_headers(env["b"]["webhook_secret"], body))
    assert r.status_code == 401


def test_secrets_are_not_stored_or_logged_in_clear(hostile_env, caplog):
    import logging

    from sqlalchemy import text

    from service.db.session import session_scope

    env = hostile_env
    caplog.set_level(logging.DEBUG)
    env["send"](env["a"], {"id": "priv-1", "text": "x", "author": {"email": "Alice@Example.org", "ip": "203.0.113.9"}})
    env["client"].get("/api/v1/comments/1", headers={"Authorization": f"Bearer {env['a']['api_token']}"})
    with session_scope(env["settings"].database_url) as s:
        dump = "\n".join(str(tuple(row)) for table in ("sites", "comments")
                         for row in s.execute(text(f"SELECT * FROM {table}")))
    for secret in (env["a"]["webhook_secret"], env["a"]["api_token"], "alice@example.org", "Alice@Example.org",
                   "203.0.113.9"):
        assert secret not in dump, secret
        assert secret not in caplog.text, secret


def test_webhook_secret_rotation(hostile_env):
    """During a rotation both secrets verify; once the old one is revoked it is refused."""
    from service.core import sites as core_sites
    from service.db.session import session_scope
    from service.db.tables import Site

    env = hostile_env
    site = dict(env["b"])
    old = site["webhook_secret"]
    with session_scope(env["settings"].database_url) as s:
        new = core_sites.rotate_webhook_secret(s, s.get(Site, site["id"]), env["settings"].secret_key)
    getattr(core_sites, "forget_site", lambda _id: None)(site["id"])
    assert env["send"]({**site, "webhook_secret": old}, {"id": "rot-1", "text": "x"}).status_code == 202
    assert env["send"]({**site, "webhook_secret": new}, {"id": "rot-2", "text": "x"}).status_code == 202
    with session_scope(env["settings"].database_url) as s:
        core_sites.revoke_old_webhook_secret(s, s.get(Site, site["id"]))
    getattr(core_sites, "forget_site", lambda _id: None)(site["id"])
    assert env["send"]({**site, "webhook_secret": old}, {"id": "rot-3", "text": "x"}).status_code == 401
    assert env["send"]({**site, "webhook_secret": new}, {"id": "rot-4", "text": "x"}).status_code == 202
    env["b"]["webhook_secret"] = new  # later tests sign with the current secret
