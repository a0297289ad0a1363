"""One intake for every source: comments imported with `colombe import wxr` or polled from
Blogger and Disqus are counted in `colombe_comments_received_total` and refused by the
same backlog rule as the signed webhook (`core.intake.accept`)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import create_site_cli, run_cli, sign_headers
from tests.unit.platforms.platforms import FakeBlogger, FakeDisqus, configure
from tests.unit.platforms.test_imports import WXR


def counter(text: str, name: str) -> float:
    """A counter's value in the Prometheus text format (0 when absent)."""
    m = re.search(rf"^{name} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else 0.0


def folder_metrics(path) -> str:
    """What /metrics serves from a multiprocess metrics folder (every process's files)."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(path))
    return generate_latest(registry).decode()


def webhook(app, site: dict, payload: dict):
    body = json.dumps(payload).encode()
    return app.test_client().post(f"/api/v1/sites/{site['id']}/comments", data=body,
                                  headers=sign_headers(site["webhook_secret"], body))


def stored(database_url: str, site_id: str) -> set[str]:
    from service.db.session import session_scope
    from service.db.tables import Comment

    with session_scope(database_url) as s:
        return set(s.scalars(select(Comment.external_id).where(Comment.site_id == site_id)))


def test_wxr_import_is_counted_and_refused_like_the_webhook(tmp_path):
    from service.app import create_app
    from service.config import Settings
    from tests.fakes import RecordingDispatcher

    metrics_dir = tmp_path / "metrics"
    env = {"COLOMBE_DATA_DIR": str(tmp_path / "var"), "COLOMBE_METRICS_DIR": str(metrics_dir),
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "COLOMBE_BROKER_URL": ""}
    site = create_site_cli(env, "Carnet")
    export = tmp_path / "export.xml"
    export.write_text(WXR, encoding="utf-8")

    out = run_cli(["import", "wxr", str(export), "--site", site["id"]], env)
    assert json.loads(out.stdout)["new"] == 4
    text = folder_metrics(metrics_dir)
    assert counter(text, "colombe_comments_received_total") == 4
    run_cli(["import", "wxr", str(export), "--site", site["id"]], env)  # idempotent: repeats, not receipts
    text = folder_metrics(metrics_dir)
    assert counter(text, "colombe_comments_received_total") == 4
    assert counter(text, "colombe_comments_duplicate_total") == 4

    # One comment of the export waits to be scored (WXR comment_approved 0): with a backlog
    # limit of 1, intake is full, for an import as for the webhook.
    limited = {**env, "COLOMBE_BACKLOG_LIMIT": "1"}
    other = tmp_path / "other.xml"
    other.write_text(WXR.replace("<wp:comment_id>10", "<wp:comment_id>90"), encoding="utf-8")
    refused = run_cli(["import", "wxr", str(other), "--site", site["id"]], limited, check=False)
    assert refused.returncode != 0
    assert "too many comments are waiting to be scored" in refused.stderr
    assert json.loads(refused.stdout)["comments"] == 0
    settings = Settings.from_env(limited, testing=True)
    assert stored(settings.database_url, site["id"]) == {"101", "102", "103", "104"}
    assert counter(folder_metrics(metrics_dir), "colombe_comments_received_total") == 4
    r = webhook(create_app(settings, dispatcher=RecordingDispatcher()), site, {"id": "w1", "text": "Bonjour"})
    assert r.status_code == 503 and r.get_json()["error"] == "backlog_full" and r.headers["Retry-After"]

    again = run_cli(["import", "wxr", str(other), "--site", site["id"]], env)  # limit back to the default
    assert json.loads(again.stdout)["new"] == 4
    assert counter(folder_metrics(metrics_dir), "colombe_comments_received_total") == 8


@pytest.mark.parametrize("platform", ["blogger", "disqus"])
def test_polled_comments_are_counted_and_refused_like_the_webhook(env, monkeypatch, platform):
    from service import metrics
    from service.app import create_app
    from service.core import intake
    from service.db.integration_tables import IntegrationConfig
    from service.db.session import session_scope
    from service.db.tables import Comment
    from service.integrations.pollers import poll_site
    from tests.fakes import RecordingDispatcher

    def received_total() -> float:
        return counter(metrics.render(lambda: {})[0].decode(), "colombe_comments_received_total")

    def cursor_and_error():
        with session_scope(env["settings"].database_url) as s:
            row = s.scalar(select(IntegrationConfig).where(IntegrationConfig.site_id == env["a"]["id"],
                                                           IntegrationConfig.platform == platform))
            return row.state, row.last_error

    settings = env["settings"]
    fake = FakeBlogger() if platform == "blogger" else FakeDisqus()
    with fake:
        if platform == "blogger":
            fake.add_comment(1, 11, "Superbe !", "2026-11-20T10:00:00.000-08:00", status="LIVE")
            fake.add_comment(2, 11, "Et les mésanges ?", "2026-11-20T11:00:00.000-08:00")
            configure(env, env["a"], "blogger", secrets={"access_token": fake.token}, blog_id=fake.blog_id,
                      api_base=fake.url)
        else:
            fake.add_post(1, 7, "Superbe !", "2026-11-20T10:00:00")
            fake.add_post(2, 7, "Et les mésanges ?", "2026-11-20T10:01:00")
            configure(env, env["a"], "disqus", secrets={"api_key": fake.api_key, "access_token": fake.access_token},
                      forum=fake.forum, api_base=fake.url)
        before = received_total()
        scored = []
        assert poll_site(settings, env["a"]["id"], platform, enqueue=scored.extend)["new"] == 2
        assert received_total() - before == 2 and len(scored) == 2
        poll_site(settings, env["a"]["id"], platform, enqueue=scored.extend)  # nothing new: nothing counted
        assert received_total() - before == 2

        # Both comments wait to be scored: a limit of 2 refuses more, here as at the webhook.
        monkeypatch.setattr(intake, "_backlog", {})  # no count cached from earlier tests
        with session_scope(settings.database_url) as s:
            waiting = s.scalar(select(func.count()).select_from(Comment).where(Comment.status == "received"))
        full = settings.replace(backlog_limit=waiting)
        if platform == "blogger":
            fake.add_comment(3, 11, "Un troisième", "2026-11-21T09:00:00.000-08:00")
        else:
            fake.add_post(3, 7, "Un troisième", "2026-11-21T09:00:00")
        cursor = cursor_and_error()[0]
        counts = poll_site(full, env["a"]["id"], platform, enqueue=scored.extend)
        assert counts["refused"] == "backlog_full" and counts["new"] == 0
        assert stored(settings.database_url, env["a"]["id"]) == {"1", "2"} and len(scored) == 2
        state, error = cursor_and_error()
        assert state == cursor and "too many comments are waiting to be scored" in error
        assert received_total() - before == 2
        r = webhook(create_app(full, dispatcher=RecordingDispatcher()), env["a"], {"id": "w1", "text": "Bonjour"})
        assert r.status_code == 503 and r.get_json()["error"] == "backlog_full"

        assert poll_site(settings, env["a"]["id"], platform, enqueue=scored.extend)["new"] == 1  # room again
        assert stored(settings.database_url, env["a"]["id"]) == {"1", "2", "3"}
        assert received_total() - before == 3 and cursor_and_error()[1] is None
