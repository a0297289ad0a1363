"""End to end in production mode: signed webhook → PostgreSQL → Redis → Celery worker → decision."""
from __future__ import annotations

import json
import os
import time

import pytest

from tests.conftest import sign_headers, wait_for


FINAL = {"approved", "rejected", "pending"}
LABELS = {"toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene", "spam", "off_topic"}


def send(client, site, payload, headers=None):
    body = json.dumps(payload).encode()
    h = sign_headers(site["webhook_secret"], body)
    h.update(headers or {})
    return client.post(f"/api/v1/sites/{site['id']}/comments", data=body, headers=h)


def get(client, site, cid):
    return client.get(f"/api/v1/comments/{cid}", headers={"Authorization": f"Bearer {site['api_token']}"})


def comments_batch(prefix, n):
    texts = [
        "Merci pour cette analyse très claire de la situation.",
        "Espèce de connard, retourne dans ton trou.",
        "Great article, I learned a lot about the negotiations.",
        "You are a complete idiot and everyone hates you.",
        "BUY CHEAP WATCHES NOW!!! visit http://cheap-watches.example and win $$$",
        "Je ne suis pas d'accord avec l'auteur sur la question des sanctions.",
    ]
    return [{"id": f"{prefix}-{i}", "text": texts[i % len(texts)],
             "post": {"id": f"{prefix}-post", "title": "Les négociations de paix", "lang": "fr"},
             "author": {"name": f"lecteur{i}", "email": f"l{i}@example.org", "ip": "198.51.100.7"}}
            for i in range(n)]


def test_signed_comments_reach_a_decision_with_scores(prod_app, prod_site, worker):
    client = prod_app.test_client()
    r = send(client, prod_site, {"comments": comments_batch("e2e", 30)})
    assert r.status_code == 202, r.json
    ids = [c["id"] for c in r.json["comments"]]
    single = send(client, prod_site, {"id": "single-1", "text": "Bravo pour l'article"})
    assert single.status_code == 202
    ids.append(single.json["comments"][0]["id"])

    def all_done():
        docs = [get(client, prod_site, cid).json for cid in ids]
        return docs if all(d["status"] in FINAL for d in docs) else None

    docs = wait_for(all_done, timeout=90, message="all comments scored by the worker")
    for d in docs:
        assert set(d["scores"]) == LABELS
        assert all(0.0 <= v <= 1.0 for v in d["scores"].values())
        assert d["model_version"] and d["lang"] in ("fr", "en")
        assert d["history"] and d["history"][0]["actor"] == "auto"
        assert d["scored_at"] and d["decided_at"]
    by_text = {d["text"]: d for d in docs}
    toxic = by_text["You are a complete idiot and everyone hates you."]
    clean = by_text["Great article, I learned a lot about the negotiations."]
    assert toxic["scores"]["toxicity"] > clean["scores"]["toxicity"]
    assert toxic["status"] in ("pending", "rejected")


def test_duplicates_are_idempotent_under_concurrency(prod_app, prod_site, worker):
    from concurrent.futures import ThreadPoolExecutor

    payload = {"id": "dup-1", "text": "Même commentaire, livré trois fois"}

    def deliver(_):
        return send(prod_app.test_client(), prod_site, payload)

    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(deliver, range(3)))
    assert all(r.status_code == 202 for r in responses)
    ids = {r.json["comments"][0]["id"] for r in responses}
    assert len(ids) == 1
    assert sorted(r.json["comments"][0]["duplicate"] for r in responses) == [False, True, True]
    cid = ids.pop()
    doc = wait_for(lambda: (d := get(prod_app.test_client(), prod_site, cid).json)["status"] in FINAL and d,
                   timeout=60, message="duplicate scored")
    assert len([h for h in doc["history"] if h["actor"] == "auto"]) == 1


def test_bad_inputs_on_postgres(prod_app, prod_site):
    client = prod_app.test_client()
    body = json.dumps({"id": "1", "text": "x"}).encode()
    url = f"/api/v1/sites/{prod_site['id']}/comments"
    assert client.post("/api/v1/sites/unknown/comments", data=body, headers=sign_headers("x", body)).status_code == 404
    assert client.post(url, data=body, headers=sign_headers("wrong", body)).status_code == 401
    assert client.post(url, data=b"{", headers=sign_headers(prod_site["webhook_secret"], b"{")).status_code == 400
    h = sign_headers(prod_site["webhook_secret"], body)
    h["Content-Type"] = "text/plain"
    assert client.post(url, data=body, headers=h).status_code == 415
    big = json.dumps({"id": "1", "text": "x" * (1024 * 1024 + 1)}).encode()
    assert client.post(url, data=big, headers=sign_headers(prod_site["webhook_secret"], big)).status_code == 413
    assert send(client, prod_site, {"id": "1"}).status_code == 422


def test_cross_site_access_is_refused(prod_app, prod_site, prod_site_b):
    client = prod_app.test_client()
    cid = send(client, prod_site, {"id": "private-1", "text": "site A only"}).json["comments"][0]["id"]
    assert get(client, prod_site, cid).status_code == 200
    assert get(client, prod_site_b, cid).status_code == 404
    h = {"Authorization": f"Bearer {prod_site_b['api_token']}"}
    assert client.get(f"/api/v1/comments/{cid}/thread", headers=h).status_code == 404
    assert client.post(f"/api/v1/comments/{cid}/decision", json={"action": "approve"}, headers=h).status_code == 404
    assert client.get(f"/api/v1/sites/{prod_site['id']}/queue", headers=h).status_code == 404


def test_lost_message_is_swept(prod_env, prod_site, worker):
    """A comment stored without any message (as if the broker lost it) is still scored."""
    from service.app import create_app
    from service.config import Settings
    from tests.fakes import RecordingDispatcher

    silent = create_app(Settings.from_env(prod_env, testing=True), dispatcher=RecordingDispatcher())
    client = silent.test_client()
    cid = send(client, prod_site, {"id": "lost-1", "text": "Ce message n'a jamais été envoyé au broker"}).json["comments"][0]["id"]
    doc = wait_for(lambda: (d := get(client, prod_site, cid).json)["status"] in FINAL and d, timeout=60,
                   message="sweeper re-enqueues the lost comment")
    assert doc["scores"]


def test_metrics_count_across_processes(prod_app, prod_site, worker):
    client = prod_app.test_client()
    send(client, prod_site, {"id": "metrics-1", "text": "compter"})
    wait_for(lambda: "colombe_comments_scored_total" in client.get("/metrics").get_data(as_text=True), timeout=60)

    def scored_total():
        text = client.get("/metrics").get_data(as_text=True)
        for line in text.splitlines():
            if line.startswith("colombe_comments_scored_total "):
                return float(line.split()[1])
        return 0.0

    wait_for(lambda: scored_total() >= 1, timeout=60, message="worker's counter visible from the web process")
    text = client.get("/metrics").get_data(as_text=True)
    for name in ("colombe_comments_received_total", "colombe_decisions_total", "colombe_queue_pending",
                 "colombe_scoring_seconds_bucket", "colombe_ingest_to_decision_seconds_bucket", "colombe_model_info"):
        assert name in text, name
    assert 'actor="auto"' in text


def test_readyz_checks_database_broker_and_model(prod_app):
    r = prod_app.test_client().get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json["checks"]["database"] == "ok" and r.json["checks"]["broker"] == "ok"


def test_readyz_fails_when_broker_is_unreachable(prod_env):
    from service.app import create_app
    from service.config import Settings

    app = create_app(Settings.from_env({**prod_env, "COLOMBE_BROKER_URL": "redis://127.0.0.1:1/0"}, testing=True))
    r = app.test_client().get("/readyz")
    assert r.status_code == 503 and r.json["checks"]["broker"].startswith("error")
