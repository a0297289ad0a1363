"""A moderator of site B never reads or changes site A's data through the UI; session
cookies, CSRF and the login rate limit hold. Skipped when the moderator UI is absent."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

pytest.importorskip("service.moderation.auth")

PASSWORD = "correct horse battery staple 42"


def _csrf(resp) -> str | None:
    m = re.search(rb'name="csrf-token" content="([^"]+)"', resp.data) or \
        re.search(rb'name="csrf_token" value="([^"]+)"', resp.data)
    return m.group(1).decode() if m else None


@pytest.fixture(scope="module")
def moderator_b(hostile_env):
    from service.db.session import session_scope
    from service.moderation.auth import create_user

    with session_scope(hostile_env["settings"].database_url) as s:
        create_user(s, "modb", PASSWORD, "moderator", site_ids=[hostile_env["b"]["id"]])
    client = hostile_env["app"].test_client()
    token = _csrf(client.get("/login"))
    r = client.post("/login", data={"username": "modb", "password": PASSWORD, "csrf_token": token})
    assert r.status_code in (302, 303), r.status_code
    page = client.get("/queue")
    return client, _csrf(page)


A_TEXTS = ("Bonjour à tous", "gras")


def test_moderator_of_b_cannot_read_site_a(hostile_env, moderator_b):
    client, _ = moderator_b
    a, a_ids = hostile_env["a"], hostile_env["a_ids"]
    for cid in a_ids:
        assert client.get(f"/comments/{cid}").status_code == 404
        spans = client.get(f"/ui/spans?ids={cid}")
        assert not any(t in spans.get_data(as_text=True) for t in A_TEXTS)
    for url in (f"/queue?site={a['id']}", f"/queue?site={a['id']}&status=all", "/queue?status=all",
                f"/audit?site={a['id']}", "/audit", f"/dashboard?site={a['id']}", "/dashboard",
                f"/admin/sites/{a['id']}", "/admin/sites", "/admin/users"):
        r = client.get(url)
        body = r.get_data(as_text=True)
        assert r.status_code < 500, (url, r.status_code)
        assert not any(t in body for t in A_TEXTS), url
        assert "Site A" not in body, url  # not even the other site's name


def test_moderator_of_b_cannot_change_site_a(hostile_env, moderator_b):
    client, token = moderator_b
    a_ids = hostile_env["a_ids"]
    r = client.post("/ui/actions", json={"action": "reject", "reason": "spam", "ids": a_ids}, headers={"X-CSRF-Token": token or ""})
    assert r.status_code == 404, (r.status_code, r.get_json())
    r = client.post("/ui/actions", json={"action": "reject", "reason": "spam", "all_matching": True,
                                         "filter": {"site": hostile_env["a"]["id"], "status": "all"}},
                    headers={"X-CSRF-Token": token or ""})
    assert r.status_code in (404, 422), (r.status_code, r.get_json())
    api = {"Authorization": f"Bearer {hostile_env['a']['api_token']}"}
    for cid in a_ids:
        assert hostile_env["client"].get(f"/api/v1/comments/{cid}", headers=api).get_json()["status"] != "rejected"


def test_state_changes_need_the_csrf_token(hostile_env, moderator_b):
    client, _ = moderator_b
    r = client.post("/ui/actions", json={"action": "approve", "ids": [hostile_env["b_id"]]})
    assert r.status_code in (400, 403), r.status_code


def test_session_cookie_flags_in_production(hostile_env):
    from service.app import create_app
    from service.db.session import session_scope
    from service.moderation.auth import create_user

    settings = replace(hostile_env["settings"], secure_cookies=True)
    with session_scope(settings.database_url) as s:
        create_user(s, "cookie", PASSWORD, "moderator", site_ids=[hostile_env["b"]["id"]])
    client = create_app(settings, dispatcher=hostile_env["app"].extensions["colombe"]["dispatcher"]()).test_client()
    token = _csrf(client.get("/login"))
    r = client.post("/login", data={"username": "cookie", "password": PASSWORD, "csrf_token": token})
    cookie = "; ".join(r.headers.getlist("Set-Cookie")).lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=" in cookie, cookie


def test_login_is_rate_limited(hostile_env):
    from service.db.session import session_scope
    from service.moderation.auth import create_user

    with session_scope(hostile_env["settings"].database_url) as s:
        create_user(s, "victim", PASSWORD, "moderator", site_ids=[hostile_env["b"]["id"]])
    client = hostile_env["app"].test_client()
    token = _csrf(client.get("/login"))
    codes = [client.post("/login", data={"username": "victim", "password": f"guess-{i}", "csrf_token": token}).status_code
             for i in range(6)]
    assert codes[-1] == 429, codes
    ok = client.post("/login", data={"username": "victim", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 429  # locked out even with the right password until the window passes
