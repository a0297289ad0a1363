"""Schemathesis against every documented operation on PostgreSQL (where ids are 32-bit
INTEGER columns and text columns have lengths): 0 server errors, responses match the
schema. Same driver as the SQLite run (tests/fuzz.py), more examples."""
from __future__ import annotations

import json

import pytest

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402

from tests import fuzz  # noqa: E402
from tests.conftest import sign_headers  # noqa: E402
from tests.fakes import RecordingDispatcher  # noqa: E402

EXAMPLES = {"positive": 60, "negative": 40}


@pytest.fixture(scope="module")
def pg_fuzz_env(pg_url, tmp_path_factory):
    from service.app import create_app
    from service.config import Settings
    from service.core.sites import create_site
    from service.db.session import session_scope

    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path_factory.mktemp("fuzzpg")),
                                  "COLOMBE_DATABASE_URL": pg_url}, testing=True)
    with session_scope(pg_url) as s:
        site = create_site(s, "Fuzz PG", settings.secret_key).as_json()
    app = create_app(settings, dispatcher=RecordingDispatcher())
    client = app.test_client()
    ids = []
    for i, text in enumerate(["Bonjour à tous", "<b>gras</b> <script>alert(1)</script>", "réponse"]):
        payload = {"id": f"fz-{i}", "text": text, "post": {"id": "p1", "title": "Billet"}}
        if i == 2:
            payload["parent_id"] = "fz-0"
        body = json.dumps(payload).encode()
        r = client.post(f"/api/v1/sites/{site['id']}/comments", data=body,
                        headers=sign_headers(site["webhook_secret"], body))
        assert r.status_code == 202
        ids.append(r.get_json()["comments"][0]["id"])
    return {"app": app, "client": client, "site": site, "ids": ids}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_documented_operation_on_postgresql(pg_fuzz_env, mode):
    ops = fuzz.operations(pg_fuzz_env["app"])
    failures, stats = fuzz.fuzz(pg_fuzz_env, ops, mode, EXAMPLES[mode.value])
    print(f"\nschemathesis ({mode.value}, PostgreSQL): {stats}")
    assert stats["server_errors"] == 0, stats
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
