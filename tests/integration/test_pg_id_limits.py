"""Issue #15, items 6 and 7 on PostgreSQL, where ids are 32-bit INTEGER columns: every
id a user can send (query strings, JSON bodies, cursors) at 2**31 and beyond, or not a
number at all, is a 4xx or an empty answer, never a 500 ("integer out of range")."""
from __future__ import annotations

import base64
import json
import re

import pytest

B = 2**31  # one past the column maximum
HUGE = 2**70


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def pg_world(pg_url, tmp_path_factory):
    from service.app import create_app
    from service.config import Settings
    from service.core.sites import create_site
    from service.db.session import session_scope
    from service.moderation.auth import create_user
    from tests.fakes import RecordingDispatcher

    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path_factory.mktemp("pgids")),
                                  "COLOMBE_DATABASE_URL": pg_url}, testing=True)
    with session_scope(pg_url) as s:
        site = create_site(s, "Ids", settings.secret_key).as_json()
        create_user(s, "ids-admin", "correct horse battery", "admin")
    app = create_app(settings, dispatcher=RecordingDispatcher())
    client = app.test_client()
    page = client.get("/login").data
    csrf = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
    assert client.post("/login", data={"username": "ids-admin", "password": "correct horse battery",
                                       "csrf_token": csrf}).status_code == 302
    csrf = re.search(rb'name="csrf-token" content="([^"]+)"', client.get("/queue").data).group(1).decode()
    return {"client": client, "site": site, "csrf": csrf,
            "bearer": {"Authorization": f"Bearer {site['api_token']}"}}


def _urls(site_id: str) -> list[str]:
    urls = []
    for n in (B, B + 1, HUGE, 10**40):
        urls += [f"/queue?post={n}", f"/ui/spans?ids={n}", f"/ui/spans?ids=1,{n}", f"/audit?before={n}",
                 f"/deliveries?before={n}", f"/integrations/api/deliveries?before={n}",
                 f"/api/v1/sites/{site_id}/queue?cursor={_cursor([0.5, n])}",
                 f"/api/v1/sites/{site_id}/queue?sort=oldest&cursor={_cursor([None, n])}",
                 f"/api/v1/sites/{site_id}/queue?sort=newest&cursor={_cursor([None, n])}",
                 f"/api/v1/sites/{site_id}/queue?cursor={_cursor([1e308, n])}",
                 f"/api/v1/sites/{site_id}/queue?cursor={_cursor([n, n])}",
                 f"/api/v1/comments/{n}", f"/api/v1/comments/{n}/thread", f"/comments/{n}",
                 f"/queue?after={_cursor([0.5, n])}", f"/queue?sort=oldest&after={_cursor([None, n])}"]
    for odd in ("²", "¹²", "٣", "-1", "0", "1e3", "1.5", "%00"):
        urls += [f"/audit?before={odd}", f"/deliveries?before={odd}", f"/queue?post={odd}",
                 f"/integrations/api/deliveries?before={odd}", f"/ui/spans?ids={odd}"]
    urls += [f"/api/v1/sites/{site_id}/queue?cursor={_cursor([10**400, 1])}",
             f"/api/v1/sites/{site_id}/queue?cursor={_cursor([True, 1])}",
             f"/api/v1/sites/{site_id}/queue?cursor={_cursor([0.5, True])}"]
    return urls


def test_ids_past_the_column_maximum_never_500(pg_world):
    client, site = pg_world["client"], pg_world["site"]
    failures = []
    for url in _urls(site["id"]):
        r = client.get(url, headers=pg_world["bearer"])
        if r.status_code >= 500:
            failures.append((url, r.status_code))
    assert not failures, failures


@pytest.mark.parametrize("body, expected", [
    ({"action": "approve", "ids": [B]}, 404),
    ({"action": "approve", "ids": [HUGE, B + 7]}, 404),
    ({"action": "approve", "ids": [1e999]}, 422),
    ({"action": "approve", "ids": [1.5]}, 422),
    ({"action": "approve", "ids": [True]}, 422),
    ({"action": "approve", "ids": ["²"]}, 422),
    ({"action": "approve", "all_matching": True, "filter": {"post": str(B)}}, 200),
    ({"action": "approve", "all_matching": True, "filter": {"post": "²"}}, 422),
])
def test_bulk_action_ids_past_the_maximum(pg_world, body, expected):
    r = pg_world["client"].post("/ui/actions", json=body, headers={"X-CSRF-Token": pg_world["csrf"]})
    assert r.status_code == expected, (body, r.status_code, r.get_data()[:200])
    if expected == 200:
        assert r.get_json()["count"] == 0


def test_delivery_retry_and_decision_at_the_boundary(pg_world):
    client = pg_world["client"]
    for n in (B - 1, B, HUGE):
        r = client.post(f"/integrations/api/deliveries/{n}/retry", headers=pg_world["bearer"])
        assert r.status_code == 404, (n, r.status_code)
        r = client.post(f"/api/v1/comments/{n}/decision", json={"action": "approve"}, headers=pg_world["bearer"])
        assert r.status_code == 404, (n, r.status_code)
