"""Issue #15, low items 5, 7, 10, 11, 12 and 15, each as the hostile review sent it: a
clear 4xx (never a 500), and files only their owner can read."""
from __future__ import annotations

import io
import json
import os
import stat

import pytest

from tests.conftest import sign_headers


def _err(r):
    return (r.get_json(silent=True) or {}).get("error")


# ---- item 5: signatures with non-ASCII characters, timestamps of hundreds of digits -----

@pytest.mark.parametrize("signature", ["sha256=" + "é" * 64, "sha256=ÿ", "sha256=" + "a" * 63 + "é",
                                       "sha256=" + "0" * 64 + ",sha256=ü" * 3, "sha256=" + "A" * 64])
def test_non_ascii_signatures_are_401(hostile_env, signature):
    env = hostile_env
    body = b'{"id": "sig-na", "text": "x"}'
    h = sign_headers(env["a"]["webhook_secret"], body)
    h["X-Colombe-Signature"] = signature
    r = env["client"].post(f"/api/v1/sites/{env['a']['id']}/comments", data=body, headers=h)
    assert r.status_code == 401 and _err(r) == "bad_signature"


@pytest.mark.parametrize("ts", ["9" * 300, "1" + "0" * 400, "-" + "9" * 300, "١٧٠٠٠٠٠٠٠٠", "1e10", "²"])
def test_huge_or_odd_timestamps_are_401(hostile_env, ts):
    env = hostile_env
    body = b'{"id": "sig-ts", "text": "x"}'
    h = sign_headers(env["a"]["webhook_secret"], body)
    h["X-Colombe-Timestamp"] = ts
    r = env["client"].post(f"/api/v1/sites/{env['a']['id']}/comments", data=body, headers=h)
    assert r.status_code == 401 and _err(r) == "bad_signature"


def test_signature_check_raises_only_signature_errors():
    from service.core.security import SignatureError, verify_signature

    for ts, sig in (("9" * 300, "sha256=ab"), ("1700000000", "sha256=é"), ("1700000000", "sha256=\udcff")):
        with pytest.raises(SignatureError):
            verify_signature(["whsec_x"], b"{}", ts, sig, now=1700000000)


def test_a_valid_signature_still_verifies():
    from service.core.security import sign, verify_signature

    h = sign("whsec_x", b"{}", 1700000000)
    verify_signature(["whsec_other", "whsec_x"], b"{}", h["X-Colombe-Timestamp"],
                     h["X-Colombe-Signature"].upper().replace("SHA256=", "sha256="), now=1700000000)


# ---- item 7: "before=²", ids [1e999], Perspective's summaryScore -------------------------

def test_superscript_before_is_422_on_the_deliveries_api(hostile_env):
    env = hostile_env
    h = {"Authorization": f"Bearer {env['a']['api_token']}"}
    for value in ("²", "¹²", "٣", "1e3", "-4", "0"):
        r = env["client"].get("/integrations/api/deliveries", query_string={"before": value}, headers=h)
        assert r.status_code == 422, (value, r.status_code)


@pytest.mark.parametrize("summary", [5, "x", [0.9], True, None, {"value": "0.9"}, {"value": 1e999},
                                     {"value": float("nan")}])
def test_perspective_suggestscore_with_odd_summary_score_is_400(hostile_env, summary):
    env = hostile_env
    body = {"comment": {"text": "Merci"}, "attributeScores": {"TOXICITY": {"summaryScore": summary}}}
    r = env["client"].post(f"/v1alpha1/comments:suggestscore?key={env['a']['api_token']}",
                           data=json.dumps(body), content_type="application/json")
    assert r.status_code == 400, (summary, r.status_code, r.get_data()[:200])
    assert r.get_json()["error"]["status"] == "INVALID_ARGUMENT"


# ---- item 11: a chunked body over the limit is 413, not cut and then 401 -----------------

def _chunked(env, body: bytes, sign_it: bool = True):
    h = sign_headers(env["a"]["webhook_secret"], body) if sign_it else {"Content-Type": "application/json"}
    h["Transfer-Encoding"] = "chunked"
    # what gunicorn hands the app for a chunked request: no CONTENT_LENGTH, and
    # wsgi.input_terminated (it ends the stream itself)
    return env["client"].post(f"/api/v1/sites/{env['a']['id']}/comments", input_stream=io.BytesIO(body),
                              headers=h, environ_overrides={"wsgi.input_terminated": True})


def test_chunked_body_over_the_limit_is_413(hostile_env):
    env = hostile_env
    limit = env["settings"].max_body_bytes
    body = b'{"id": "chunk-big", "text": "' + b"x" * limit + b'"}'
    r = _chunked(env, body)
    assert r.status_code == 413 and _err(r) == "body_too_large"


def test_chunked_body_within_the_limit_is_accepted(hostile_env):
    env = hostile_env
    r = _chunked(env, json.dumps({"id": "chunk-ok", "text": "Un commentaire envoyé en morceaux"}).encode())
    assert r.status_code == 202, r.get_json()
    limit = env["settings"].max_body_bytes
    exact = b'{"id": "chunk-exact", "text": "' + b"y" * (limit - 33) + b'"}'
    exact = exact[:limit - 2] + b'"}' if len(exact) > limit else exact
    assert len(exact) <= limit
    assert _chunked(env, exact).status_code in (202, 422)  # stored, or too long a text: not 413


# ---- item 12: 405 keeps its Allow header --------------------------------------------------

@pytest.mark.parametrize("method, path", [("GET", "/api/v1/sites/s_x/comments"), ("DELETE", "/healthz"),
                                          ("PUT", "/api/v1/comments/1/decision"), ("GET", "/logout"),
                                          ("POST", "/readyz")])
def test_405_keeps_the_allow_header(hostile_env, method, path):
    r = hostile_env["client"].open(path, method=method, headers={"Accept": "application/json"})
    assert r.status_code == 405
    allow = {m.strip() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    assert allow and method not in allow, r.headers
    assert r.is_json or path == "/logout"


# ---- item 10: a bulk action with an invalid filter field is refused ----------------------

def test_bulk_all_matching_with_an_invalid_filter_is_422(tmp_path):
    from service.app import create_app
    from service.config import Settings
    from service.db.migrate import upgrade
    from service.db.session import session_scope
    from service.db.tables import Comment
    from sqlalchemy import select
    from tests.fakes import RecordingDispatcher
    from tests.unit.moderation import seed
    from tests.unit.moderation.conftest import Browser

    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path / "var")}, testing=True)
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as s:
        site = seed.site(s, "Blog")
        post = seed.post(s, site.site.id)
        comments = [seed.comment(s, site.site.id, post.id, f"c{i}", "Quel idiot") for i in range(11)]
        seed.score(s, comments)
        seed.user(s, "admin", "admin")
        ids = [c.id for c in comments]
    app = create_app(settings, dispatcher=RecordingDispatcher())
    b = Browser(app)
    b.login("admin")
    b.get("/queue")
    for bad in ({"date_from": "2026-13-45"}, {"date_to": "yesterday"}, {"post": "²"}, {"post": "abc"},
                {"status": "everything"}, {"sort": "random"}, {"lang": "f r"}, "not-an-object", ["post"]):
        r = b.act({"action": "approve", "all_matching": True, "filter": bad})
        assert r.status_code == 422, (bad, r.status_code)
    with session_scope(settings.database_url) as s:
        assert set(s.scalars(select(Comment.status).where(Comment.id.in_(ids)))) == {"pending"}  # none approved
    r = b.act({"action": "approve", "all_matching": True, "filter": {"date_from": "2020-01-01"}})
    assert r.status_code == 200 and r.get_json()["count"] == 11


# ---- item 15: private data dir and files ---------------------------------------------------

def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_embedded_data_dir_and_files_are_private(tmp_path):
    from service.config import Settings
    from service.db.migrate import upgrade

    old = os.umask(0o022)  # a usual umask: files would be 0644
    try:
        settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path / "var")}, testing=True)
        upgrade(settings.database_url)
    finally:
        os.umask(old)
    data = tmp_path / "var"
    assert _mode(data) == 0o700
    assert _mode(data / "secret_key") == 0o600
    assert _mode(data / "colombe.db") == 0o600
    for extra in ("colombe.db-wal", "colombe.db-shm"):
        if (data / extra).exists():
            assert _mode(data / extra) == 0o600, extra


def test_cli_creates_private_files(tmp_path):
    from tests.conftest import run_cli

    data = tmp_path / "cli-var"
    env = {"COLOMBE_DATA_DIR": str(data), "COLOMBE_BROKER_URL": ""}
    run_cli(["sites", "create", "Blog", "--json"], env)
    assert _mode(data) == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert files and all(_mode(p) & 0o077 == 0 for p in files), {str(p): oct(_mode(p)) for p in files}
