"""/metrics keeps its series from the start (issue #14, item 15): `colombe_queue_pending`
reads 0 for a site whose queue is empty instead of disappearing, and
`colombe_task_failures_total` exists at 0 before any failure, as README lists it."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT, sign_headers, two_site_app
from tests.fakes import FakeModel


@pytest.fixture
def env(sqlite_settings):
    return two_site_app(sqlite_settings)


def scrape(env) -> dict[str, float]:
    from service import ops

    ops._cache.pop("state", None)  # the database gauges are cached for a second
    text = env["client"].get("/metrics").get_data(as_text=True)
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(colombe_\S+) (\S+)$", text, re.M)}


def pending(site) -> str:
    return f'colombe_queue_pending{{site="{site["id"]}"}}'


def test_an_empty_queue_reads_0_and_stays(env):
    from service.core.scoring import score_comments
    from service.db.session import session_scope

    a, b = env["a"], env["b"]
    first = scrape(env)
    assert first[pending(a)] == 0 and first[pending(b)] == 0  # new sites, nothing received yet
    body = json.dumps({"id": "1", "text": "Tu es un connard", "post": {"id": "p"}}).encode()
    resp = env["client"].post(f"/api/v1/sites/{a['id']}/comments", data=body,
                              headers=sign_headers(a["webhook_secret"], body))
    assert resp.status_code == 202
    cid = resp.json["comments"][0]["id"]
    with session_scope(env["settings"].database_url) as s:
        score_comments(s, [cid], FakeModel())
    held = scrape(env)
    assert held[pending(a)] == 1 and held[pending(b)] == 0
    resp = env["client"].post(f"/api/v1/comments/{cid}/decision", json={"action": "approve"},
                              headers={"Authorization": f"Bearer {a['api_token']}"})
    assert resp.status_code == 200, resp.json
    after = scrape(env)
    assert after[pending(a)] == 0 and after[pending(b)] == 0  # emptied: 0, not gone


def test_task_failures_exist_from_the_first_scrape(env):
    from service.ops import FAILURE_COUNTED_TASKS

    series = scrape(env)
    for task in FAILURE_COUNTED_TASKS:
        assert f'colombe_task_failures_total{{task="{task}"}}' in series
    # README lists the metric
    assert "`colombe_task_failures_total{task}` (at 0 from the start)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_task_that_counts_failures_is_declared():
    """The tasks calling metrics.task_failure(NAME) are the ones given a series at 0."""
    from service.core import enqueue
    from service.ops import FAILURE_COUNTED_TASKS

    names = set()
    for path in (ROOT / "workers").rglob("*.py"):
        for const in re.findall(r"metrics\.task_failure\((\w+)\)", path.read_text(encoding="utf-8")):
            names.add(getattr(enqueue, const))
    assert names and names == set(FAILURE_COUNTED_TASKS)
