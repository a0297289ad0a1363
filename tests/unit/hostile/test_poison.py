"""A comment the model chokes on must not hold other comments hostage (scoring claims the
oldest waiting comments first, so an unscorable one would sink every later batch)."""
from __future__ import annotations

import pytest

from tests.fakes import FakeModel


class ChokingModel(FakeModel):
    def score_batch(self, items):
        if any("<<POISON>>" in it["text"] for it in items):
            raise ValueError("model chokes")
        return super().score_batch(items)


class BrokenModel(FakeModel):
    def score_batch(self, items):
        raise RuntimeError("model broken for every input")


def _setup(sqlite_settings, model, texts):
    from service.core import jobs
    from service.core.ingest import ingest_comments
    from service.core.sites import create_site
    from service.db.session import session_scope
    from service.core.intake import CommentIn

    jobs._models[sqlite_settings.model_dir or ""] = model
    with session_scope(sqlite_settings.database_url) as s:
        site = create_site(s, "P", sqlite_settings.secret_key).site
        results = ingest_comments(s, site, [CommentIn(f"c{i}", t) for i, t in enumerate(texts)])
    return [r.id for r in results]


def _statuses(settings):
    from sqlalchemy import text

    from service.db.session import session_scope

    with session_scope(settings.database_url) as s:
        return dict(s.execute(text("SELECT external_id, status FROM comments")).all())


def test_poison_comment_is_isolated_and_held(sqlite_settings):
    from service.core import jobs

    texts = [f"commentaire {i}" for i in range(12)]
    texts[5] = "celui-ci <<POISON>>"
    ids = _setup(sqlite_settings, ChokingModel(), texts)
    try:
        scored = jobs.score_job(sqlite_settings, ids[:1])  # one id; the rest come by top-up
        statuses = _statuses(sqlite_settings)
    finally:
        jobs._models.clear()
    assert scored == 11
    assert statuses.pop("c5") == "pending"
    assert all(s in ("approved", "pending", "rejected") for s in statuses.values())


def test_a_broken_model_does_not_mark_everything_unscorable(sqlite_settings):
    from service.core import jobs

    ids = _setup(sqlite_settings, BrokenModel(), ["a", "b", "c"])
    try:
        with pytest.raises(RuntimeError):
            jobs.score_job(sqlite_settings, ids)
        statuses = _statuses(sqlite_settings)
    finally:
        jobs._models.clear()
    assert set(statuses.values()) == {"received"}  # left for the sweeper once the model is fixed
