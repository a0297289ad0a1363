"""An embedded app (SQLite, no scoring thread) with two sites and a few stored comments."""
from __future__ import annotations

import json

import pytest

from tests.conftest import sign_headers
from tests.fakes import RecordingDispatcher as _NullDispatcher


@pytest.fixture(scope="module")
def hostile_env(tmp_path_factory):
    from service.app import create_app
    from service.config import Settings
    from service.core.sites import create_site
    from service.db.migrate import upgrade
    from service.db.session import session_scope

    data = tmp_path_factory.mktemp("hostile")
    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(data)}, testing=True)
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as s:
        site_a = create_site(s, "Site A", settings.secret_key).as_json()
        site_b = create_site(s, "Site B", settings.secret_key).as_json()
    app = create_app(settings, dispatcher=_NullDispatcher())
    client = app.test_client()

    def send(site, payload, raw: bytes | None = None, headers: dict | None = None):
        body = raw if raw is not None else json.dumps(payload).encode()
        h = sign_headers(site["webhook_secret"], body)
        h.update(headers or {})
        return client.post(f"/api/v1/sites/{site['id']}/comments", data=body, headers=h)

    ids = []
    for i, text in enumerate(["Bonjour à tous", "<b>gras</b> <script>alert(1)</script>", "reply"]):
        payload = {"id": f"seed-{i}", "text": text, "post": {"id": "p1", "title": "Billet"}}
        if i == 1:
            payload["format"] = "html"
        if i == 2:
            payload["parent_id"] = "seed-0"
        r = send(site_a, payload)
        assert r.status_code == 202, r.get_json()
        ids.append(r.get_json()["comments"][0]["id"])
    b_id = send(site_b, {"id": "b-secret", "text": "site B only"}).get_json()["comments"][0]["id"]
    return {"app": app, "client": client, "settings": settings, "a": site_a, "b": site_b, "send": send,
            "a_ids": ids, "b_id": b_id}
