"""Issue #15, item 4: decisions leave on commit (no periodic pass needed), the outbox is
sent until nothing is due, at most COLOMBE_NOTIFY_CONCURRENCY requests at once to one
destination, and the events about one comment in order. A real Celery worker (no beat:
nothing periodic runs), real Redis and PostgreSQL, a real HTTP receiver."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import (LOCAL_RECEIVERS, fresh_pg_database, run_cli, sign_headers, start_worker, stop_worker,
                            wait_for)


class SlowReceiver:
    """Answers 200 after `delay` seconds; records events and the most requests in flight."""

    def __init__(self, delay: float = 0.03):
        self.events: list[dict] = []
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                time.sleep(delay)
                with outer.lock:
                    outer.in_flight -= 1
                    outer.events.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def own_db():
    with fresh_pg_database("colombe_deliv") as url:
        yield url


def test_decisions_leave_on_commit_in_order_within_the_concurrency_limit(own_db, redis_db_url, tmp_path):
    from service.app import create_app
    from service.config import Settings

    env = {"COLOMBE_DATABASE_URL": own_db, "COLOMBE_BROKER_URL": redis_db_url, "COLOMBE_DATA_DIR": str(tmp_path),
           "COLOMBE_SECRET_KEY": "deliver-secret", "COLOMBE_METRICS_DIR": str(tmp_path / "metrics"),
           "COLOMBE_NOTIFY_INTERVAL": "3600", "COLOMBE_NOTIFY_CONCURRENCY": "3",
           "COLOMBE_OUTBOUND_ALLOWED_HOSTS": LOCAL_RECEIVERS}
    receiver = SlowReceiver()
    site = json.loads(run_cli(["sites", "create", "Deliveries", "--json"], env).stdout)
    run_cli(["integrations", "set", site["id"], "--outbound-url", receiver.url], env)
    worker = start_worker(env, "--concurrency", "1", log_path=tmp_path / "worker.log")  # no beat
    app = create_app(Settings.from_env(env, testing=True))
    client = app.test_client()
    try:
        n = 120
        body = json.dumps({"comments": [{"id": f"d{i}", "text": f"Merci pour ce billet ({i})",
                                         "post": {"id": "p1", "title": "Billet"}} for i in range(n)]}).encode()
        r = client.post(f"/api/v1/sites/{site['id']}/comments", data=body,
                        headers=sign_headers(site["webhook_secret"], body))
        assert r.status_code == 202
        ids = [c["id"] for c in r.get_json()["comments"]]
        wait_for(lambda: len(receiver.events) >= n, 90, 0.2, "every automatic decision delivered")
        assert sorted(e["comment"]["external_id"] for e in receiver.events) == sorted(f"d{i}" for i in range(n))
        assert 2 <= receiver.max_in_flight <= 3, receiver.max_in_flight  # parallel, within the limit
        # moderator decisions from the web tier leave at once too, in order
        auth = {"Authorization": f"Bearer {site['api_token']}"}
        target = ids[0]
        for action in ("reject", "approve", "reject"):
            r = client.post(f"/api/v1/comments/{target}/decision", headers=auth,
                            json={"action": action, "reason": "toxic" if action == "reject" else None})
            assert r.status_code == 200, r.get_json()
        wait_for(lambda: sum(1 for e in receiver.events if e["comment"]["id"] == target) >= 4, 30, 0.2,
                 "the moderator's decisions delivered")
        mine = [e for e in receiver.events if e["comment"]["id"] == target]
        assert [e["decision"]["actor"] for e in mine[1:]] == ["api"] * 3
        assert [e["decision"]["status"] for e in mine[1:]] == ["rejected", "approved", "rejected"]
    finally:
        stop_worker(worker)
        receiver.close()
