"""Production mode: PostgreSQL outbox claimed concurrently without double sends, and a real
Celery worker (queue `notify`, beat) delivering a moderator's decision end to end."""
from __future__ import annotations

import json
import os
import subprocess
import threading

import pytest
from sqlalchemy import select

from tests.conftest import COLOMBE, create_site_cli, forget_periodic_runs, run_cli, sign_headers, wait_for
from tests.unit.platforms.platforms import FakeBlogger, Receiver


def test_concurrent_deliverers_never_send_twice_on_postgresql(pg_url, tmp_path):
    from service.config import Settings
    from service.core.status_changes import change_status
    from service.core.ingest import ingest_comments
    from service.core.sites import create_site
    from service.db.integration_tables import Delivery
    from service.db.session import session_scope
    from service.db.tables import Site
    from service.integrations.common import get_or_create_config, set_config_values
    from service.integrations.outbox_sender import deliver_due
    from service.core.intake import CommentIn

    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path), "COLOMBE_DATABASE_URL": pg_url,
                                  "COLOMBE_SECRET_KEY": "pg-outbox-key", "COLOMBE_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1"},
                                 testing=True)
    with Receiver() as receiver:
        with session_scope(pg_url) as s:
            site = create_site(s, "PG outbox", settings.secret_key).site
            set_config_values(get_or_create_config(s, site.id, "outbound"), url=receiver.url)
            site_id = site.id
        with session_scope(pg_url) as s:
            site = s.get(Site, site_id)
            results = ingest_comments(s, site, [CommentIn(external_id=f"c{i}", text=f"bonjour {i}") for i in range(30)])
            from service.db.tables import Comment

            for r in results:
                change_status(s, s.get(Comment, r.id), "approved", actor="api", action="approve")
        counts = []
        threads = [threading.Thread(target=lambda: counts.append(deliver_due(settings, limit=7))) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        while sum(deliver_due(settings).values()):
            pass
        keys = [r.headers["Idempotency-Key"] for r in receiver.requests]
        assert len(keys) == 30 and len(set(keys)) == 30
        with session_scope(pg_url) as s:
            rows = s.scalars(select(Delivery).where(Delivery.site_id == site_id)).all()
            assert {d.status for d in rows} == {"delivered"} and {d.attempts for d in rows} == {1}


def test_celery_worker_delivers_decisions_and_polls_from_the_notify_queue(pg_url, redis_db_url, tmp_path):
    from service.app import create_app
    from service.config import Settings

    env = {"COLOMBE_DATABASE_URL": pg_url, "COLOMBE_BROKER_URL": redis_db_url, "COLOMBE_DATA_DIR": str(tmp_path),
           "COLOMBE_SECRET_KEY": "integration-secret-key", "COLOMBE_METRICS_DIR": str(tmp_path / "metrics"),
           "COLOMBE_NOTIFY_INTERVAL": "1", "COLOMBE_NOTIFY_BACKOFF_BASE": "0.2", "COLOMBE_POLL_BEAT": "1",
           "COLOMBE_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    site = create_site_cli(env, "Notify queue")
    with Receiver(script=[502]) as receiver, FakeBlogger() as blogger:
        blogger.add_comment(77, 5, "Depuis Blogger", "2026-11-25T10:00:00Z")
        run_cli(["integrations", "set", site["id"], "--outbound-url", receiver.url], env)
        run_cli(["integrations", "set", site["id"], "--blogger-blog-id", blogger.blog_id, "--blogger-api-base",
                 blogger.url, "--blogger-token-stdin"], env, input_text=blogger.token + "\n")
        app = create_app(Settings.from_env(env, testing=True))
        client = app.test_client()
        body = json.dumps({"id": "n1", "text": "Bonjour à tous"}).encode()
        r = client.post(f"/api/v1/sites/{site['id']}/comments", data=body, headers=sign_headers(site["webhook_secret"], body))
        assert r.status_code == 202
        cid = r.json["comments"][0]["id"]
        r = client.post(f"/api/v1/comments/{cid}/decision", json={"action": "approve"},
                        headers={"Authorization": f"Bearer {site['api_token']}"})
        assert r.status_code == 200
        log = open(tmp_path / "worker.log", "w")
        proc = subprocess.Popen([COLOMBE, "worker", "--queues", "notify", "--concurrency", "1", "--beat"],
                                env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        try:
            # Other comments of this site (e.g. the polled one, scored by any worker sharing the
            # database) may be delivered too: follow only the decision on `cid`.
            def ours():
                return [r for r in receiver.requests if r.json().get("comment", {}).get("id") == cid]

            wait_for(lambda: len(ours()) >= 2, timeout=60, message="the worker to deliver (after a retry)")
            wait_for(lambda: _external_ids(pg_url, site["id"]) == {"n1", "77"}, timeout=30,
                     message="the beat-driven Blogger poll")
        finally:
            proc.terminate()
            proc.wait(30)
            log.close()
            forget_periodic_runs(pg_url)
        mine = ours()
        event = mine[-1].json()
        assert event["comment"]["id"] == cid and event["decision"]["status"] == "approved"
        assert mine[0].headers["Idempotency-Key"] == mine[1].headers["Idempotency-Key"]


def _external_ids(url, site_id):
    from service.db.session import session_scope
    from service.db.tables import Comment

    with session_scope(url) as s:
        return set(s.scalars(select(Comment.external_id).where(Comment.site_id == site_id)))
