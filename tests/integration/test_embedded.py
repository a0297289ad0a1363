"""Embedded mode: `colombe serve` as a subprocess, no Redis, no PostgreSQL."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
import requests

from tests.conftest import COLOMBE, create_site_cli, free_port, sign_headers, wait_for


@pytest.fixture
def embedded(tmp_path):
    port = free_port()
    env = {"COLOMBE_DATA_DIR": str(tmp_path / "var"), "COLOMBE_PORT": str(port)}
    site = create_site_cli(env, "Blog embarqué")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("COLOMBE_", "PROMETHEUS_"))}
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([COLOMBE, "serve"], env={**full, **env}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up():
        if proc.poll() is not None:
            raise AssertionError(f"colombe serve exited with {proc.returncode}:\n{(tmp_path / 'serve.log').read_text()[-3000:]}")
        try:
            return requests.get(f"{base}/readyz", timeout=5).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            return False

    try:
        wait_for(up, timeout=60, message="colombe serve to be ready")
        yield {"base": base, "site": site, "proc": proc, "env": env, "log": tmp_path / "serve.log"}
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def test_embedded_serve_scores_a_signed_comment(embedded):
    base, site = embedded["base"], embedded["site"]
    body = json.dumps({"id": "c-1", "text": "Quel article stupide, l'auteur est un imbécile",
                       "post": {"id": "p-1", "title": "La paix en Ukraine"}}).encode()
    r = requests.post(f"{base}/api/v1/sites/{site['id']}/comments", data=body,
                      headers=sign_headers(site["webhook_secret"], body), timeout=10)
    assert r.status_code == 202, r.text
    cid = r.json()["comments"][0]["id"]
    auth = {"Authorization": f"Bearer {site['api_token']}"}

    def scored():
        doc = requests.get(f"{base}/api/v1/comments/{cid}", headers=auth, timeout=5).json()
        return doc if doc["status"] != "received" else None

    doc = wait_for(scored, timeout=60, message="embedded worker scored the comment")
    assert doc["status"] in ("approved", "pending", "rejected")
    assert set(doc["scores"]) >= {"toxicity", "spam", "off_topic"}
    assert doc["lang"] == "fr"
    metrics = requests.get(f"{base}/metrics", timeout=5).text
    assert "colombe_comments_scored_total 1.0" in metrics
    assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
