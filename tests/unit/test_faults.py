"""Faults that must not become 500s or lost comments."""
from __future__ import annotations

import json

from tests.conftest import sign_headers


def test_database_down_answers_503_with_retry_after(settings_factory):
    from service.app import create_app
    from tests.fakes import RecordingDispatcher

    settings = settings_factory(database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    client = create_app(settings, dispatcher=RecordingDispatcher()).test_client()
    body = json.dumps({"id": "1", "text": "x"}).encode()
    r = client.post("/api/v1/sites/s_abc/comments", data=body, headers=sign_headers("k", body))
    assert r.status_code == 503 and r.headers["Retry-After"] and r.json["error"] == "database_unavailable"
    assert client.get("/readyz").status_code == 503


def test_broker_down_still_accepts_and_keeps_the_comment(sqlite_settings):
    """The database is the source of truth: a failed enqueue leaves the comment `received`."""
    from dataclasses import replace

    from service.app import create_app
    from service.core.scoring import unscored_ids
    from service.core.sites import create_site
    from service.db.session import session_scope

    settings = replace(sqlite_settings, broker_url="redis://127.0.0.1:1/0")
    app = create_app(settings)
    with session_scope(settings.database_url) as s:
        site = create_site(s, "A", settings.secret_key).as_json()
    body = json.dumps({"id": "1", "text": "x"}).encode()
    r = app.test_client().post(f"/api/v1/sites/{site['id']}/comments", data=body,
                               headers=sign_headers(site["webhook_secret"], body))
    assert r.status_code == 202
    with session_scope(settings.database_url) as s:
        assert unscored_ids(s) == [r.json["comments"][0]["id"]]


def test_metrics_can_require_a_token(settings_factory):
    from service.app import create_app
    from tests.fakes import RecordingDispatcher

    settings = settings_factory(metrics_token="s3cret-metrics")
    from service.db.migrate import upgrade

    upgrade(settings.database_url)
    client = create_app(settings, dispatcher=RecordingDispatcher()).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    r = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
    assert r.status_code == 200 and "colombe_queue_pending" in r.get_data(as_text=True)
