"""Decision outbox: outbound signed webhooks (retries, backoff, dead letters, idempotency keys)
and WordPress (REST comment ingest, write-back with an application password) — against
real local HTTP servers."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from tests.conftest import run_cli, sign_headers, wait_for
from tests.unit.platforms.platforms import (FakeWordPress, Receiver, WPComment, configure, deliveries, drain,
                                         score_all, send)


def test_outbound_webhook_is_signed_retried_and_idempotent(env):
    from service.core.security import verify_signature

    with Receiver(script=[500, 503]) as receiver:
        configure(env, env["a"], "outbound", url=receiver.url + "/colombe-hook")
        ids = send(env, env["a"], {"id": "c1", "text": "Tu es un idiot", "post": {"id": "p1", "title": "Hiver"}})
        score_all(env, ids)
        rows = deliveries(env)
        assert len(rows) == 1 and rows[0][1] == "outbound" and rows[0][2] == "pending"
        drain(env, lambda: deliveries(env)[0][2] == "delivered")
        assert len(receiver.requests) == 3  # two failures, then success
        keys = {r.headers["Idempotency-Key"] for r in receiver.requests}
        assert keys == {rows[0][5]} and rows[0][5].startswith("colombe-decision-")
        for rec in receiver.requests:
            verify_signature([env["a"]["webhook_secret"]], rec.body, rec.headers["X-Colombe-Timestamp"],
                             rec.headers["X-Colombe-Signature"])
        assert [r.headers["X-Colombe-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
        event = receiver.requests[-1].json()
        assert event["type"] == "comment.decision" and event["idempotency_key"] == rows[0][5]
        assert event["comment"] == {**event["comment"], "id": ids[0], "external_id": "c1", "post_external_id": "p1"}
        assert event["decision"]["status"] == "pending" and event["decision"]["actor"] == "auto"
        assert {r["label"] for r in event["decision"]["reasons"]} == {"toxicity", "insult"}
        # a moderator's decision is a second event with its own key
        r = env["client"].post(f"/api/v1/comments/{ids[0]}/decision", json={"action": "reject", "reason": "toxic"},
                               headers={"Authorization": f"Bearer {env['a']['api_token']}"})
        assert r.status_code == 200
        drain(env, lambda: len(receiver.requests) == 4)
        last = receiver.requests[-1].json()
        assert last["decision"]["actor"] == "api" and last["decision"]["status"] == "rejected"
        assert last["idempotency_key"] != event["idempotency_key"]


def test_dead_letter_visible_per_site_and_retryable(env):
    with Receiver(script=[500] * 3 + [200]) as receiver:
        configure(env, env["a"], "outbound", url=receiver.url)
        score_all(env, send(env, env["a"], {"id": "c1", "text": "bonjour"}))
        drain(env, lambda: deliveries(env)[0][2] == "dead")
        did = deliveries(env)[0][0]
        assert deliveries(env)[0][3] == 3  # notify_max_attempts
        auth_a = {"Authorization": f"Bearer {env['a']['api_token']}"}
        auth_b = {"Authorization": f"Bearer {env['b']['api_token']}"}
        listed = env["client"].get("/integrations/api/deliveries?status=dead", headers=auth_a).json["deliveries"]
        assert [d["id"] for d in listed] == [did] and "HTTP 500" in listed[0]["last_error"]
        assert env["client"].get("/integrations/api/deliveries", headers=auth_b).json["deliveries"] == []
        assert env["client"].post(f"/integrations/api/deliveries/{did}/retry", headers=auth_b).status_code == 404
        assert env["client"].get("/integrations/api/deliveries").status_code == 401
        assert env["client"].get("/integrations/api/deliveries?status=lost", headers=auth_a).status_code == 422
        r = env["client"].post(f"/integrations/api/deliveries/{did}/retry", headers=auth_a)
        assert r.status_code == 200 and r.json["status"] == "pending"
        drain(env, lambda: deliveries(env)[0][2] == "delivered")
        assert len(receiver.requests) == 4
        assert env["client"].post(f"/integrations/api/deliveries/{did}/retry", headers=auth_a).status_code == 409


def test_permanent_refusal_and_unreachable_receiver(env):
    from service.integrations.outbox_sender import deliver_due

    with Receiver(script=[400]) as receiver:
        configure(env, env["a"], "outbound", url=receiver.url)
        score_all(env, send(env, env["a"], {"id": "c1", "text": "bonjour"}))
        deliver_due(env["settings"])
        assert deliveries(env)[0][2:4] == ("dead", 1)  # a 400 is not retried
    # nothing listens on the port any more: a network error is retried, then dead-lettered
    score_all(env, send(env, env["a"], {"id": "c2", "text": "salut"}))
    drain(env, lambda: deliveries(env)[-1][2] == "dead")
    assert deliveries(env)[-1][3] == 3


def test_imports_and_other_sites_do_not_notify(env):
    from service.core.status_changes import change_status
    from service.db.session import session_scope
    from service.db.tables import Comment

    with Receiver() as receiver:
        configure(env, env["a"], "outbound", url=receiver.url)
        [cid] = send(env, env["a"], {"id": "c1", "text": "hello"})
        with session_scope(env["settings"].database_url) as s:
            change_status(s, s.get(Comment, cid), "approved", actor="import:wxr", action="approve")
        score_all(env, send(env, env["b"], {"id": "c1", "text": "idiot"}))  # site B has no outbound URL
        assert deliveries(env) == []


def test_wordpress_rest_comment_ingest(env):
    from service.db.session import session_scope
    from service.db.tables import Comment, Post

    parent = FakeWordPress.rest_object(WPComment(7, 12, "Premier !", status="approved"))
    child = FakeWordPress.rest_object(WPComment(8, 12, "Tu es un <b>idiot</b>", parent=7), _embedded={"up": [{
        "id": 12, "title": {"rendered": "Les mésanges"}, "link": "https://blog.example.org/mesanges",
        "content": {"rendered": "<p>Elles reviennent.</p>"}}]})
    path = f"/integrations/wordpress/{env['a']['id']}"
    ids = send(env, env["a"], [parent, child], path=path)
    assert len(ids) == 2
    with session_scope(env["settings"].database_url) as s:
        kid = s.get(Comment, ids[1])
        assert (kid.external_id, kid.parent_id, kid.text, kid.format, kid.author_name) == (
            "8", ids[0], "Tu es un idiot", "html", "Jeanne")
        assert kid.author_email_hash and "jeanne" not in (kid.author_email_hash or "")
        assert kid.created_at.isoformat() == "2026-11-20T10:04:05+00:00"
        post = s.get(Post, kid.post_id)
        assert (post.external_id, post.title, post.text) == ("12", "Les mésanges", "Elles reviennent.")
    again = send(env, env["a"], {"comments": [child]}, path=path)
    assert again == [ids[1]]
    # hostile and malformed input
    c = env["client"]
    body = json.dumps({"id": 9, "post": 12, "content": {"raw": ""}}).encode()
    r = c.post(path, data=body, headers=sign_headers(env["a"]["webhook_secret"], body))
    assert r.status_code == 422 and "content.raw" in r.json["fields"]
    body = json.dumps([{"id": 9, "post": "x" * 300, "content": {"raw": "hi"}, "date_gmt": "yesterday"}]).encode()
    r = c.post(path, data=body, headers=sign_headers(env["a"]["webhook_secret"], body))
    assert r.status_code == 422 and {"0.post", "0.date_gmt"} <= set(r.json["fields"])
    r = c.post(path, data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and r.json["error"] == "bad_signature"
    r = c.post(path, data=body, headers=sign_headers(env["b"]["webhook_secret"], body))
    assert r.status_code == 401  # site B's secret does not sign for site A
    r = c.post("/integrations/wordpress/s_nope", data=body, headers=sign_headers(env["a"]["webhook_secret"], body))
    assert r.status_code == 404
    r = c.post(path, data=b"<xml/>", headers={**sign_headers(env["a"]["webhook_secret"], b"<xml/>"),
                                               "Content-Type": "text/xml"})
    assert r.status_code == 415
    body = b'{"id": 1,'
    r = c.post(path, data=body, headers=sign_headers(env["a"]["webhook_secret"], body))
    assert r.status_code == 400


def test_wordpress_write_back_through_rest_api(env, tmp_path):
    from service.db.integration_tables import IntegrationConfig
    from service.db.session import session_scope

    with FakeWordPress(fail_first=1) as wp:
        wp.comments = {n: WPComment(n, 12, text) for n, text in
                       ((1, "Merci !"), (2, "Tu es un idiot"), (3, "buy now http://x"))}
        cli_env = {"COLOMBE_DATA_DIR": str(env["settings"].data_dir), "COLOMBE_DATABASE_URL": env["settings"].database_url,
                   "COLOMBE_SECRET_KEY": env["settings"].secret_key}
        out = run_cli(["integrations", "set", env["a"]["id"], "--wordpress-url", wp.url, "--wordpress-user", "editor",
                       "--wordpress-app-password-stdin"], cli_env, input_text=wp.app_password + "\n")
        shown = json.loads(out.stdout)["integrations"][0]
        assert shown["secrets"] == {"app_password": "set"} and wp.app_password not in out.stdout
        with session_scope(env["settings"].database_url) as s:
            stored = s.scalar(select(IntegrationConfig.secrets_enc))
            assert wp.app_password not in stored and "abcd" not in stored
        path = f"/integrations/wordpress/{env['a']['id']}"
        ids = send(env, env["a"], [wp.rest_object(c) for c in wp.comments.values()], path=path)
        score_all(env, ids)
        drain(env, lambda: all(r[2] == "delivered" for r in deliveries(env)))
        assert {n: c.status for n, c in wp.comments.items()} == {1: "approved", 2: "hold", 3: "hold"}
        auth = {"Authorization": f"Bearer {env['a']['api_token']}"}
        env["client"].post(f"/api/v1/comments/{ids[1]}/decision", json={"action": "reject", "reason": "toxic"},
                           headers=auth)
        env["client"].post(f"/api/v1/comments/{ids[2]}/decision", json={"action": "reject", "reason": "spam"},
                           headers=auth)
        drain(env, lambda: all(r[2] == "delivered" for r in deliveries(env)) and len(deliveries(env)) == 5)
        assert {n: c.status for n, c in wp.comments.items()} == {1: "approved", 2: "trash", 3: "spam"}
        posts = [r for r in wp.requests if r.method == "POST"]
        assert all(r.headers["Authorization"].startswith("Basic ") for r in posts)
        assert posts[0].path.startswith("/wp-json/wp/v2/comments/")


def test_wordpress_wrong_password_dead_letters_without_leaking(env):
    with FakeWordPress() as wp:
        wp.comments = {5: WPComment(5, 1, "ok")}
        configure(env, env["a"], "wordpress", secrets={"app_password": "wrong pass word"}, url=wp.url, user="editor")
        ids = send(env, env["a"], [wp.rest_object(wp.comments[5])], path=f"/integrations/wordpress/{env['a']['id']}")
        score_all(env, ids)
        drain(env, lambda: deliveries(env)[0][2] == "dead")
        from service.db.integration_tables import Delivery
        from service.db.session import session_scope

        with session_scope(env["settings"].database_url) as s:
            d = s.scalar(select(Delivery))
            assert d.last_status_code == 401 and "rest_cannot_edit" in d.last_error
            assert "wrong pass" not in d.last_error


def test_a_wakeup_reaches_every_waiting_thread():
    """Two delivery threads in one process (two apps, or one left by an earlier test): the
    pass one of them starts after a commit must not take that commit's wakeup from the other
    (with a shared threading.Event, its clear() did, and a delivery waited a whole interval)."""
    import threading

    from service.core.outbox import Wakeup

    wake = Wakeup()
    seen_by_b = wake.generation()             # B finished a pass and is about to wait
    woke = []
    b = threading.Thread(target=lambda: woke.append(wake.wait(seen_by_b, 10.0)))
    b.start()
    wake.set()                                # a commit recorded a delivery
    seen_by_a = wake.generation()             # A starts its next pass (formerly: clear())
    b.join(5.0)
    assert woke == [True] and not b.is_alive()
    assert wake.wait(seen_by_b, 0) is True    # the commit stays visible to a waiter that had not seen it
    assert wake.wait(seen_by_a, 0.05) is False  # and is not seen twice by one that had
    wake.set()
    assert wake.wait(seen_by_a, 0) is True


def test_embedded_thread_delivers_after_commit(fast_settings, model):
    """`colombe serve` without a broker: a background thread sends what the outbox holds."""
    from service.app import create_app
    from service.core.sites import create_site
    from service.db.session import session_scope
    from tests.fakes import RecordingDispatcher

    settings = fast_settings.replace(background_thread=True, notify_interval_s=30.0)
    app = create_app(settings, dispatcher=RecordingDispatcher())
    try:
        with session_scope(settings.database_url) as s:
            site = create_site(s, "Embarqué", settings.secret_key).as_json()
        env = {"settings": settings, "client": app.test_client(), "model": model}
        with Receiver() as receiver:
            configure(env, site, "outbound", url=receiver.url)
            ids = send(env, site, {"id": "c1", "text": "bonjour"})
            started = time.monotonic()
            score_all(env, ids)
            wait_for(lambda: receiver.requests, timeout=5, interval=0.02, message="embedded delivery")
            assert time.monotonic() - started < 5  # woken by the commit, not the 30 s interval
    finally:
        app.extensions["colombe_integrations"]["thread"].close()


@pytest.mark.parametrize("url", ["ftp://x", "not a url", "http://exa mple.org"])
def test_cli_refuses_bad_urls(env, url):
    cli_env = {"COLOMBE_DATA_DIR": str(env["settings"].data_dir), "COLOMBE_DATABASE_URL": env["settings"].database_url}
    proc = run_cli(["integrations", "set", env["a"]["id"], "--outbound-url", url], cli_env, check=False)
    assert proc.returncode != 0 and "URL" in proc.stderr


def test_decisions_about_one_comment_arrive_in_order(env):
    """A failed older write-back never lands after a newer one; webhook events keep their order."""
    with FakeWordPress(fail_first=1) as wp, Receiver(script=[500]) as receiver:
        wp.comments = {1: WPComment(1, 12, "Merci !")}
        configure(env, env["a"], "wordpress", secrets={"app_password": wp.app_password}, url=wp.url, user="editor")
        configure(env, env["a"], "outbound", url=receiver.url)
        [cid] = send(env, env["a"], [wp.rest_object(wp.comments[1])], path=f"/integrations/wordpress/{env['a']['id']}")
        score_all(env, [cid])  # approved → WordPress answers 503 the first time, the webhook 500
        from service.integrations.outbox_sender import deliver_due

        deliver_due(env["settings"])
        assert {d[1]: d[2] for d in deliveries(env)} == {"wordpress": "pending", "outbound": "pending"}
        r = env["client"].post(f"/api/v1/comments/{cid}/decision", json={"action": "reject", "reason": "toxic"},
                               headers={"Authorization": f"Bearer {env['a']['api_token']}"})
        assert r.status_code == 200
        drain(env, lambda: all(d[2] in ("delivered", "superseded") for d in deliveries(env)))
        assert wp.comments[1].status == "trash"
        sent = [r.json()["status"] for r in wp.requests if r.method == "POST" and r.body]
        assert sent == ["trash"]  # the approve failed at its read (503), then only the newer decision is sent
        assert [r.method for r in wp.requests][:2] == ["GET", "GET"]  # each write reads the comment first
        assert sorted(d[2] for d in deliveries(env) if d[1] == "wordpress") == ["delivered", "superseded"]
        events = [r.json()["decision"]["status"] for r in receiver.requests]
        assert events == ["approved", "approved", "rejected"]  # retried first event, then the second
