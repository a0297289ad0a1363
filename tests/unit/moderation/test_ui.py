"""Moderator UI through the Flask test client: access, queue, actions, audit, settings."""
from __future__ import annotations

import json

from sqlalchemy import select

from service.db.tables import ModerationAction, Comment
from tests.unit.moderation import seed


def _world(db_session):
    a = seed.site(db_session, "Blog A")
    b = seed.site(db_session, "Blog B")
    pa = seed.post(db_session, a.site.id, "pa", "Article A")
    pb = seed.post(db_session, b.site.id, "pb", "Article B")
    c1 = seed.comment(db_session, a.site.id, pa.id, "c1", "Tu es un idiot", author="Bob", age_s=30)
    c2 = seed.comment(db_session, a.site.id, pa.id, "c2", "Buy now http://spam.example", author="Spammy", age_s=20)
    c3 = seed.comment(db_session, a.site.id, pa.id, "c3", "Merci pour cet article", author="Alice", age_s=10)
    c4 = seed.comment(db_session, a.site.id, pa.id, "c4", "quel connard celui-là", author="Eve", parent_id=c3.id)
    cb = seed.comment(db_session, b.site.id, pb.id, "cb", "idiot on site B", author="Zed")
    seed.score(db_session, [c1, c2, c3, c4, cb])
    seed.user(db_session, "admin", "admin")
    seed.user(db_session, "mod_a", "moderator", [a.site.id])
    db_session.commit()
    return {"a": a.site.id, "b": b.site.id, "c1": c1.id, "c2": c2.id, "c3": c3.id, "c4": c4.id, "cb": cb.id,
            "pa": pa.id}


def test_login_required_and_bad_password(browser):
    resp = browser.client.get("/queue")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    resp = browser.login("nobody", "whatever-password")
    assert resp.status_code == 401


def test_login_rate_limited_after_five_failures(browser, db_session):
    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    for _ in range(5):
        assert browser.login("mod", "wrong-password").status_code == 401
    assert browser.login("mod").status_code == 429  # even the right password waits


def test_csrf_required(browser, db_session):
    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    browser.get("/login")
    resp = browser.client.post("/login", data={"username": "mod", "password": seed.PASSWORD})
    assert resp.status_code == 400
    assert browser.login("mod").status_code == 302
    resp = browser.client.post("/ui/actions", json={"action": "approve", "ids": [1]})
    assert resp.status_code == 400 and resp.get_json()["error"] == "csrf_failed"
    resp = browser.client.post("/logout")
    assert resp.status_code == 400


def test_session_cookie_flags(browser, db_session):
    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    resp = browser.login("mod")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_queue_shows_pending_sorted_by_score_with_reasons(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    resp = browser.get("/queue")
    html = resp.data.decode()
    assert resp.status_code == 200
    # c1 and c4 (insults, 0.97) before c2 (spam 0.7); c3 was approved automatically
    order = [int(x) for x in __import__("re").findall(r'data-comment-id="(\d+)" data-status="pending"', html)]
    assert order[:2] == sorted([w["c1"], w["c4"]], reverse=True) and order[2] == w["c2"]
    assert w["c3"] not in order and w["cb"] not in order
    assert "insult 0.95 ≥ 0.90" in html
    assert "Article A" in html
    assert "In reply to Alice" in html  # the Répondre context
    assert "Script" not in html


def test_queue_filters_and_keyset(browser, db_session):
    w = _world(db_session)
    browser.login("admin")
    html = browser.get(f"/queue?label=spam&site={w['a']}").data.decode()
    assert f'data-comment-id="{w["c2"]}"' in html and f'data-comment-id="{w["c1"]}"' not in html
    html = browser.get("/queue?q=connard").data.decode()
    assert f'data-comment-id="{w["c4"]}"' in html and f'data-comment-id="{w["c1"]}"' not in html
    html = browser.get("/queue?status=approved").data.decode()
    assert f'data-comment-id="{w["c3"]}"' in html
    html = browser.get("/queue?status=all&author=k_Bob").data.decode()
    assert f'data-comment-id="{w["c1"]}"' in html and f'data-comment-id="{w["c2"]}"' not in html


def test_moderator_cannot_see_other_site(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    assert browser.get(f"/comments/{w['cb']}").status_code == 404
    assert browser.get(f"/queue?site={w['b']}").status_code == 404
    assert browser.get(f"/comments/{w['c1']}").status_code == 200
    assert browser.act({"action": "approve", "ids": [w["cb"]]}).status_code == 404
    assert browser.get("/admin/sites").status_code == 404
    assert browser.get(f"/audit?site={w['b']}").status_code == 404


def test_actions_audit_and_undo(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    browser.get("/queue")
    resp = browser.act({"action": "reject", "ids": [w["c1"]], "reason": "toxic"})
    assert resp.status_code == 200 and resp.get_json()["results"][0]["status"] == "rejected"
    assert browser.act({"action": "reject", "ids": [w["c2"]]}).status_code == 422  # reason required
    resp = browser.act({"action": "approve", "ids": [w["c2"], w["c4"]]})
    assert resp.get_json()["count"] == 2
    resp = browser.act({"action": "undo", "ids": [w["c2"], w["c4"]]})
    assert [r["status"] for r in resp.get_json()["results"]] == ["pending", "pending"]
    db_session.expire_all()
    rows = db_session.scalars(select(ModerationAction).where(ModerationAction.actor == "user:mod_a")
                              .order_by(ModerationAction.id)).all()
    assert [(r.action, r.from_status, r.to_status) for r in rows] == [
        ("reject", "pending", "rejected"), ("approve", "pending", "approved"), ("approve", "pending", "approved"),
        ("undo", "approved", "pending"), ("undo", "approved", "pending")]
    html = browser.get("/audit?moderator=mod_a&action=reject").data.decode()
    assert f"#{w['c1']}" in html and "user:mod_a" in html and f"#{w['c2']}" not in html


def test_bulk_all_matching(browser, db_session):
    w = _world(db_session)
    browser.login("admin")
    browser.get("/queue")
    resp = browser.act({"action": "approve", "all_matching": True, "filter": {"site": w["a"], "label": "insult"}})
    assert sorted(r["id"] for r in resp.get_json()["results"]) == sorted([w["c1"], w["c4"]])
    assert db_session.get(Comment, w["cb"]).status == "pending"


def test_spans_endpoint(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    data = browser.client.get(f"/ui/spans?ids={w['c1']},{w['cb']}").get_json()
    assert data["spans"] == {str(w["c1"]): [{"begin": 9, "end": 14, "label": "insult", "score": 0.6}]}


def test_thread_view_and_inert_markup(browser, db_session):
    s = seed.site(db_session, "Blog")
    p = seed.post(db_session, s.site.id)
    root = seed.comment(db_session, s.site.id, p.id, "r", "Premier", author="Alice")
    from service.core.html import sanitize_html
    evil_html = '<p>salut <img src=x onerror="alert(1)"><script>alert(2)</script></p>'
    evil = seed.comment(db_session, s.site.id, p.id, "e", '<script>alert(2)</script> <img src=x onerror="alert(1)">',
                        author="<b>Mallory</b>", parent_id=root.id, html=sanitize_html(evil_html))
    seed.score(db_session, [root, evil])
    seed.user(db_session, "admin", "admin")
    db_session.commit()
    browser.login("admin")
    html = browser.get(f"/comments/{evil.id}").data.decode()
    assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=&#34;", "")
    assert "&lt;b&gt;Mallory" in html
    html = browser.get("/queue?status=all").data.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_settings_thresholds_words_and_rules(browser, db_session):
    s = seed.site(db_session, "Blog")
    p = seed.post(db_session, s.site.id)
    seed.user(db_session, "admin", "admin")
    db_session.commit()
    browser.login("admin")
    url = f"/admin/sites/{s.site.id}"
    page = browser.get(url).data.decode()
    assert "0.90" in page and "0.50" in page  # model card suggestions shown
    resp = browser.form(url, {"what": "policy", "approve_below.spam": "0.8", "reject_above.toxicity": "0.95"})
    assert resp.status_code == 200 and "Saved." in resp.data.decode()
    resp = browser.form(url, {"what": "policy", "approve_below.spam": "2"})
    assert "Some values are invalid" in resp.data.decode()
    resp = browser.form(url, {"what": "rules", "banned_words": "Crétin\nachète", "suspect_words": "arnaque",
                              "trusted_after": "2"})
    assert "Saved." in resp.data.decode()
    db_session.expire_all()
    from service.db.tables import Site
    assert db_session.get(Site, s.site.id).policy["reject_above"]["toxicity"] == 0.95
    c1 = seed.comment(db_session, s.site.id, p.id, "w1", "Quel CRETIN !", author="A")
    c2 = seed.comment(db_session, s.site.id, p.id, "w2", "encore une arnaque", author="B")
    c3 = seed.comment(db_session, s.site.id, p.id, "w3", "crétinisme n'est pas banni", author="C")
    seed.score(db_session, [c1, c2, c3])
    db_session.commit()
    assert (c1.status, c2.status, c3.status) == ("rejected", "pending", "approved")
    assert c1.reasons[0]["kind"] == "banned_word"
    # secrets: rotation keeps the old one until revoked; token reset
    resp = browser.form(url, {"what": "rotate"})
    assert 'id="new-secret"' in resp.data.decode() and "An old webhook secret is still valid" in resp.data.decode()
    resp = browser.form(url, {"what": "revoke"})
    assert "Only the current webhook secret is valid" in resp.data.decode()
    resp = browser.form(url, {"what": "reset_token"})
    assert 'id="new-token"' in resp.data.decode()


def test_dashboard_and_french(browser, db_session):
    _world(db_session)
    browser.login("admin")
    resp = browser.get("/dashboard", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    html = resp.data.decode()
    assert resp.status_code == 200 and "Taille de la file par site" in html and "<svg" in html
    browser.form("/queue", {}) if False else None
    resp = browser.client.post("/lang", data={"lang": "en", "next": "/dashboard", "csrf_token": browser.csrf})
    assert resp.status_code == 302
    assert "Queue size per site" in browser.get("/dashboard", headers={"Accept-Language": "fr"}).data.decode()


def test_admin_creates_user(browser, db_session):
    s = seed.site(db_session, "Blog")
    seed.user(db_session, "admin", "admin")
    db_session.commit()
    browser.login("admin")
    resp = browser.form("/admin/users", {"what": "create", "username": "newmod", "password": "longenough1",
                                         "role": "moderator", "sites": s.site.id})
    assert "Saved." in resp.data.decode()
    other = type(browser)(browser.client.application)
    assert other.login("newmod", "longenough1").status_code == 302
    assert other.get(f"/queue?site={s.site.id}").status_code == 200


def test_cli_users_create(tmp_path):
    from tests.conftest import run_cli

    env = {"COLOMBE_DATA_DIR": str(tmp_path / "var")}
    proc = run_cli(["users", "create", "alice", "--role", "admin", "--password-stdin"], env,
                   input_text="a long password\n")
    assert json.loads(proc.stdout)["role"] == "admin"
    proc = run_cli(["users", "create", "alice", "--role", "admin", "--password-stdin"], env,
                   input_text="a long password\n", check=False)
    assert proc.returncode != 0 and "already exists" in proc.stderr
    proc = run_cli(["users", "create", "bob", "--site", "s_nope", "--password-stdin"], env,
                   input_text="a long password\n", check=False)
    assert proc.returncode != 0 and "unknown site" in proc.stderr


def test_every_interface_string_has_a_french_translation():
    import re
    from pathlib import Path

    from service.moderation.i18n import FR

    root = Path(__file__).resolve().parents[2] / "service" / "moderation"
    found = set()
    for path in list((root / "templates").glob("*.html")) + list(root.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'\b_\("([^"]+)"\)', text)) | set(re.findall(r"\b_\('([^']+)'\)", text))
    missing = sorted(m for m in found if m not in FR)
    assert missing == []


def test_keyset_pages_date_and_post_filters(browser, db_session):
    import re

    s = seed.site(db_session, "Blog")
    p1 = seed.post(db_session, s.site.id, "p1", "Premier")
    p2 = seed.post(db_session, s.site.id, "p2", "Second")
    rows = [seed.comment(db_session, s.site.id, p1.id if i % 2 else p2.id, f"x{i}", f"idiot numéro {i}",
                         author=f"A{i}", age_s=i * 86400) for i in range(30)]
    seed.score(db_session, rows)
    seed.user(db_session, "admin", "admin")
    db_session.commit()
    browser.login("admin")
    seen = []
    url = "/queue?sort=oldest"
    while url:
        html = browser.get(url).data.decode()
        seen += [int(x) for x in re.findall(r'data-comment-id="(\d+)"', html)]
        m = re.search(r'rel="next" href="([^"]+)"', html)
        url = m.group(1).replace("&amp;", "&") if m else None
    assert seen == sorted(c.id for c in rows) and len(seen) == 30
    from datetime import datetime, timedelta, timezone
    day = (datetime.now(timezone.utc) - timedelta(days=3, seconds=5)).date().isoformat()
    html = browser.get(f"/queue?date_from={day}&date_to={day}").data.decode()
    assert re.findall(r'data-comment-id="(\d+)"', html) == [str(rows[3].id)]
    html = browser.get(f"/queue?post={p1.id}&status=all").data.decode()
    assert len(re.findall(r'data-comment-id="(\d+)"', html)) == 15 and "Premier" in html


def test_trusted_author_is_auto_approved(db_session):
    from service.db.auth_tables import SiteRules

    s = seed.site(db_session, "Blog")
    p = seed.post(db_session, s.site.id)
    db_session.add(SiteRules(site_id=s.site.id, banned_words=[], suspect_words=[], trusted_after=2))
    old = [seed.comment(db_session, s.site.id, p.id, f"t{i}", "Merci !", author="Fidèle") for i in range(2)]
    seed.score(db_session, old)
    assert [c.status for c in old] == ["approved", "approved"]
    held = seed.comment(db_session, s.site.id, p.id, "t3", "quel idiot ce maire", author="Fidèle")
    stranger = seed.comment(db_session, s.site.id, p.id, "t4", "quel idiot ce maire", author="Inconnu")
    seed.score(db_session, [held, stranger])
    assert held.status == "approved" and held.reasons[0]["kind"] == "trusted_author"
    assert stranger.status == "pending"


def test_bad_action_bodies_are_rejected_cleanly(browser, db_session):
    w = _world(db_session)
    browser.login("admin")
    browser.get("/queue")
    # a filter that is not an object would widen the action to everything: refused (#15 item 10)
    assert browser.act({"action": "approve", "all_matching": True, "filter": ["x"]}).status_code == 422
    assert browser.act({"action": "approve", "all_matching": True, "filter": {"post": 5, "site": 7}}).status_code == 404
    assert browser.act({"action": "explode", "ids": [w["c1"]]}).status_code == 422
    assert browser.act({"action": "approve", "ids": ["x"]}).status_code == 422
    assert browser.act({"action": "approve", "ids": []}).status_code == 422
    assert browser.client.post("/ui/actions", data="nope", headers={"X-CSRF-Token": browser.csrf}).status_code == 400


def test_undo_only_own_actions_and_logout_everywhere(ui_app, db_session):
    from tests.unit.moderation.conftest import Browser

    w = _world(db_session)
    seed.user(db_session, "mod_a2", "moderator", [w["a"]])
    db_session.commit()
    one, two = Browser(ui_app), Browser(ui_app)
    one.login("mod_a"), two.login("mod_a2")
    one.get("/queue"), two.get("/queue")
    assert one.act({"action": "approve", "ids": [w["c1"]]}).get_json()["count"] == 1
    assert two.act({"action": "undo", "ids": [w["c1"]]}).get_json()["count"] == 0  # not theirs
    assert one.act({"action": "undo", "ids": [w["c1"]]}).get_json()["count"] == 1
    # an admin deactivating mod_a2 ends their session at once
    from service.db.auth_tables import User
    user = db_session.scalar(select(User).where(User.username == "mod_a2"))
    user.active = False
    user.session_version += 1
    db_session.commit()
    assert two.client.get("/queue").status_code == 302


def test_secure_cookie_when_configured(settings_factory, db_session):
    from service.db.migrate import upgrade
    from tests.unit.moderation.conftest import Browser, _build_app

    settings = settings_factory(secure_cookies=True)
    upgrade(settings.database_url)
    app = _build_app(settings)
    from service.db.session import session_factory
    s = session_factory(settings.database_url)()
    seed.user(s, "mod", "moderator")
    s.commit()
    s.close()
    b = Browser(app)
    b.get("/login")
    resp = b.client.post("/login", data={"username": "mod", "password": seed.PASSWORD, "csrf_token": b.csrf},
                         base_url="https://localhost")
    assert "Secure" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]
