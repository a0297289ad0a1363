"""`colombe purge` and `colombe author export|delete` on a real (SQLite) database."""
from __future__ import annotations

import json
from datetime import timedelta

import click
import pytest
from click.testing import CliRunner

from tests.conftest import sign_headers


@pytest.fixture
def privacy_env(tmp_path, monkeypatch):
    from service.app import create_app
    from service.config import Settings
    from service.core.scoring import score_comments
    from service.core.sites import create_site
    from service.db.migrate import upgrade
    from service.db.session import session_scope
    from service.cli.privacy import author, purge
    from tests.fakes import FakeModel, RecordingDispatcher

    monkeypatch.setenv("COLOMBE_DATA_DIR", str(tmp_path / "var"))
    for name in ("COLOMBE_DATABASE_URL", "COLOMBE_BROKER_URL", "COLOMBE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    upgrade(settings.database_url)
    with session_scope(settings.database_url) as s:
        a = create_site(s, "A", settings.secret_key).as_json()
        b = create_site(s, "B", settings.secret_key).as_json()
    client = create_app(settings, dispatcher=RecordingDispatcher()).test_client()

    def send(site, payload):
        body = json.dumps(payload).encode()
        r = client.post(f"/api/v1/sites/{site['id']}/comments", data=body, headers=sign_headers(site["webhook_secret"], body))
        assert r.status_code == 202, r.get_json()
        return r.get_json()["comments"][0]["id"]

    alice = {"name": "Alice", "email": "Alice@Example.org", "ip": "203.0.113.9"}
    ids = {
        "a1": send(a, {"id": "a1", "text": "Premier commentaire d'Alice", "author": alice, "post": {"id": "p"}}),
        "a2": send(a, {"id": "a2", "text": "Second", "author": {"email": "alice@example.org "}, "parent_id": "a1"}),
        "bob": send(a, {"id": "bob", "text": "Bob répond", "author": {"name": "Bob"}, "parent_id": "a1"}),
        "a_on_b": send(b, {"id": "x", "text": "Alice chez B", "author": alice}),
        "anon": send(b, {"id": "y", "text": "anonyme"}),
    }
    with session_scope(settings.database_url) as s:
        score_comments(s, list(ids.values()), FakeModel())
    group = click.Group("colombe")
    group.add_command(purge)
    group.add_command(author)
    runner = CliRunner()

    def run(*args, ok=True, input=None):
        result = runner.invoke(group, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return {"settings": settings, "ids": ids, "run": run, "a": a, "b": b}


def _count(settings, sql):
    from sqlalchemy import text

    from service.db.session import session_scope

    with session_scope(settings.database_url) as s:
        return s.execute(text(sql)).scalar()


def _json(result):
    return json.loads(result.stdout)


def test_author_export_finds_every_site_by_hash_and_prints_no_secret(privacy_env):
    env = privacy_env
    result = env["run"]("author", "export", "--email", "ALICE@example.org")
    doc = _json(result)
    assert {c["external_id"] for c in doc["comments"]} == {"a1", "a2", "x"}
    assert "alice@example.org" not in result.stdout.lower()
    assert all(c["history"] and c["scores"] for c in doc["comments"])
    only_a = _json(env["run"]("author", "export", "--email", "alice@example.org", "--site", env["a"]["id"]))
    assert {c["external_id"] for c in only_a["comments"]} == {"a1", "a2"}
    by_ip = _json(env["run"]("author", "export", "--ip", "203.0.113.9"))
    assert {c["external_id"] for c in by_ip["comments"]} == {"a1", "x"}
    by_name = _json(env["run"]("author", "export", "--name", "Bob"))
    assert {c["external_id"] for c in by_name["comments"]} == {"bob"}
    assert env["run"]("author", "export", ok=False).exit_code != 0  # nothing to match on


def test_author_delete_erases_comments_and_derived_rows(privacy_env):
    env = privacy_env
    s = env["settings"]
    preview = _json(env["run"]("author", "delete", "--email", "alice@example.org", "--dry-run"))
    assert preview["comments"] == 3
    assert _count(s, "SELECT count(*) FROM comments") == 5
    refused = env["run"]("author", "delete", "--email", "alice@example.org", input="n\n", ok=False)
    assert refused.exit_code != 0 and _count(s, "SELECT count(*) FROM comments") == 5
    counts = _json(env["run"]("author", "delete", "--email", "alice@example.org", "--yes"))
    assert counts["comments"] == 3 and counts["scores"] >= 3 and counts["actions"] >= 3
    assert _count(s, "SELECT count(*) FROM comments") == 2
    ids = ",".join(str(env["ids"][k]) for k in ("a1", "a2", "a_on_b"))
    for table in ("scores", "moderation_actions"):
        assert _count(s, f"SELECT count(*) FROM {table} WHERE comment_id IN ({ids})") == 0
    # Bob's reply survives, detached from the deleted parent
    assert _count(s, f"SELECT parent_id FROM comments WHERE id = {env['ids']['bob']}") is None
    assert _json(env["run"]("author", "export", "--email", "alice@example.org"))["count"] == 0


def test_purge_keeps_recent_and_undecided_comments(privacy_env):
    from sqlalchemy import text

    from service.db.session import session_scope
    from service.db.tables import utcnow

    env = privacy_env
    s = env["settings"]
    old = utcnow() - timedelta(days=400)
    with session_scope(s.database_url) as session:
        session.execute(text("UPDATE comments SET received_at = :old WHERE id IN (:x, :y)"),
                        {"old": old, "x": env["ids"]["a1"], "y": env["ids"]["anon"]})
        session.execute(text("UPDATE comments SET status = 'pending' WHERE id = :y"), {"y": env["ids"]["anon"]})
    dry = _json(env["run"]("purge", "--older-than", "365", "--dry-run"))
    assert dry["comments"] == 1 and _count(s, "SELECT count(*) FROM comments") == 5
    done = _json(env["run"]("purge", "--older-than", "365"))
    assert done["comments"] == 1
    assert _count(s, f"SELECT count(*) FROM comments WHERE id = {env['ids']['a1']}") == 0
    assert _count(s, f"SELECT count(*) FROM comments WHERE id = {env['ids']['anon']}") == 1  # pending: kept
    everything = _json(env["run"]("purge", "--older-than", "365", "--include-undecided"))
    assert everything["comments"] == 1
    assert _count(s, "SELECT count(*) FROM comments") == 3
    assert env["run"]("purge", "--older-than", "-1", ok=False).exit_code != 0
