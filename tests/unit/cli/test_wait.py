"""`colombe wait` returns once the awaited comments are scored, fails after its timeout
(issue #14, item 10: the README tour waits for scoring before reading the comment)."""
from __future__ import annotations

import json
import threading
import time

import pytest
from click.testing import CliRunner


@pytest.fixture
def stored(sqlite_settings):
    """Two sites; comments stored but not scored yet; `score(id)` moves one to pending."""
    from service.core.sites import create_site
    from service.db.session import session_scope
    from service.db.tables import PENDING, RECEIVED, Comment

    with session_scope(sqlite_settings.database_url) as s:
        a = create_site(s, "A", sqlite_settings.secret_key).site
        b = create_site(s, "B", sqlite_settings.secret_key).site
        comments = [Comment(site_id=site.id, external_id=str(n), text="Bonjour", status=RECEIVED)
                    for n, site in enumerate((a, a, b))]
        s.add_all(comments)
        s.flush()
        ids = [c.id for c in comments]
        site_ids = (a.id, b.id)

    def score(comment_id):
        with session_scope(sqlite_settings.database_url) as s:
            s.get(Comment, comment_id).status = PENDING

    env = {"COLOMBE_DATABASE_URL": sqlite_settings.database_url, "COLOMBE_DATA_DIR": str(sqlite_settings.data_dir)}
    return {"ids": ids, "sites": site_ids, "score": score, "env": env}


def _wait(stored, *args):
    from service.cli import main

    return CliRunner().invoke(main, ["wait", *args], env=stored["env"])


def test_fails_after_the_timeout_naming_the_unscored_comment(stored):
    first = stored["ids"][0]
    started = time.monotonic()
    result = _wait(stored, "--comment", str(first), "--timeout", "0.3", "--interval", "0.05")
    assert 0.3 <= time.monotonic() - started < 5
    assert result.exit_code == 1
    assert f"comment(s) {first} still unscored" in result.output and "worker" in result.output


def test_returns_as_soon_as_the_comment_is_scored(stored):
    first = stored["ids"][0]
    timer = threading.Timer(0.4, stored["score"], [first])
    timer.start()
    try:
        started = time.monotonic()
        result = _wait(stored, "--comment", str(first), "--timeout", "20", "--interval", "0.05")
        took = time.monotonic() - started
    finally:
        timer.join()
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"comments": [{"id": first, "status": "pending"}]}
    assert 0.35 <= took < 10


def test_without_comment_waits_for_every_comment_of_the_site(stored):
    a, b = stored["sites"]
    for cid in stored["ids"][:2]:  # site A's comments
        stored["score"](cid)
    assert json.loads(_wait(stored, "--site", a, "--timeout", "0").output) == {"unscored": 0}
    result = _wait(stored, "--site", b, "--timeout", "0")
    assert result.exit_code == 1 and "1 comment(s) still unscored" in result.output
    result = _wait(stored, "--timeout", "0")  # every site
    assert result.exit_code == 1 and "1 comment(s) still unscored" in result.output


def test_an_unknown_comment_is_an_error_at_once(stored):
    started = time.monotonic()
    result = _wait(stored, "--comment", "999", "--timeout", "30")
    assert time.monotonic() - started < 5
    assert result.exit_code == 1 and "no comment with id 999" in result.output
    a, _b = stored["sites"]
    result = _wait(stored, "--comment", str(stored["ids"][2]), "--site", a, "--timeout", "0")
    assert result.exit_code == 1 and f"in site {a}" in result.output  # that comment belongs to B
