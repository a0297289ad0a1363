"""The batch write path of automatic scoring (`score_comments`), on PostgreSQL and SQLite.

A batch is written with a few statements (one UPDATE of `comments`, one INSERT per
table), and must leave the same rows as deciding each comment one by one: one audit
row per status change, one `scores` row per model version, outbox rows for sites with
integration targets, trusted-author counts that include the batch's earlier decisions.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from tests.fakes import FakeModel

CLEAN = "Merci pour cet article."
RUDE = "Quel idiot, cet auteur."


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        from service.db.migrate import upgrade

        url = f"sqlite:///{tmp_path / 'batch.db'}"
        upgrade(url)
        return url
    return request.getfixturevalue("pg_url")


@pytest.fixture
def make(db_url):
    """Sites and waiting comments; each test gets its own sites (the PostgreSQL database is shared)."""
    from service.core.sites import create_site
    from service.db.session import session_scope
    from service.db.tables import Comment, Post, utcnow

    def site(name="Batch"):
        with session_scope(db_url) as s:
            return create_site(s, name, "batch-secret").site.id

    def comments(site_id, texts, author="Alice", status="received"):
        with session_scope(db_url) as s:
            post = Post(site_id=site_id, external_id=f"p-{utcnow().timestamp()}", title="Un article")
            s.add(post)
            s.flush()
            rows = [Comment(site_id=site_id, external_id=f"c-{utcnow().timestamp()}-{i}", post_id=post.id,
                            text=text, author_key=author and "k_" + author, status=status,
                            received_at=utcnow() - timedelta(seconds=len(texts) - i),
                            decided_at=None if status == "received" else utcnow())
                    for i, text in enumerate(texts)]
            s.add_all(rows)
            s.flush()
            return [c.id for c in rows]

    return {"url": db_url, "site": site, "comments": comments}


def score(url, ids, **kw):
    from service.core.scoring import score_comments
    from service.db.session import session_scope

    with session_scope(url) as s:
        return [c.id for c in score_comments(s, ids, FakeModel(), **kw)]


def test_a_batch_writes_the_same_rows_as_one_by_one(make):
    from service.db.session import session_scope
    from service.db.tables import Comment, ModerationAction, Score

    site = make["site"]()
    ids = make["comments"](site, [CLEAN, RUDE, CLEAN + " buy now http://x.example"])
    assert score(make["url"], ids) == ids
    with session_scope(make["url"]) as s:
        comments = {c.id: c for c in s.scalars(select(Comment).where(Comment.id.in_(ids)))}
        actions = s.scalars(select(ModerationAction).where(ModerationAction.comment_id.in_(ids))).all()
        scores = s.scalars(select(Score).where(Score.comment_id.in_(ids))).all()
    assert [comments[i].status for i in ids] == ["approved", "pending", "pending"]
    assert len(actions) == 3 and len(scores) == 3
    for a in actions:
        c = comments[a.comment_id]
        assert (a.site_id, a.actor, a.from_status, a.to_status) == (site, "auto", "received", c.status)
        assert a.action == {"approved": "approve", "pending": "hold"}[c.status]
        assert a.details == c.reasons
        assert a.reason == (c.reasons[0]["label"] if c.reasons else None)
        assert a.model_version == c.model_version == FakeModel.version
        assert a.note is None
        assert a.created_at == c.decided_at and c.scored_at is not None
    rude = comments[ids[1]]
    assert rude.priority == 0.97 and rude.flag_labels == ",insult,toxicity,"
    assert rude.reasons[0]["label"] == "toxicity" and rude.lang == "en"
    assert {s.comment_id: s.scores for s in scores}[ids[1]] == rude.scores


def test_a_comment_already_scored_is_skipped(make):
    from service.db.session import session_scope
    from service.db.tables import ModerationAction

    site = make["site"]()
    ids = make["comments"](site, [CLEAN, RUDE])
    assert score(make["url"], ids[:1]) == ids[:1]
    assert score(make["url"], ids) == ids[1:]
    assert score(make["url"], ids) == []
    with session_scope(make["url"]) as s:
        n = s.scalar(select(func.count()).select_from(ModerationAction).where(ModerationAction.comment_id.in_(ids)))
    assert n == 2


def test_trusted_author_counts_the_decisions_made_earlier_in_the_batch(make):
    from service.db.auth_tables import SiteRules
    from service.db.session import session_scope
    from service.db.tables import Comment

    site = make["site"]()
    with session_scope(make["url"]) as s:
        s.add(SiteRules(site_id=site, banned_words=["interdit"], suspect_words=[], trusted_after=2))
    make["comments"](site, [CLEAN], author="Fidele", status="approved")
    ids = make["comments"](site, [CLEAN, RUDE, RUDE, "un mot interdit"], author="Fidele")
    stranger = make["comments"](site, [RUDE], author="Inconnu")
    score(make["url"], ids + stranger)
    with session_scope(make["url"]) as s:
        got = {c.id: c for c in s.scalars(select(Comment).where(Comment.id.in_(ids + stranger)))}
    # 1 approved before + the clean one in this batch = 2: the rude ones are trusted
    assert [got[i].status for i in ids] == ["approved", "approved", "approved", "rejected"]
    assert got[ids[1]].reasons[0]["kind"] == "trusted_author" and got[ids[1]].reasons[0]["approved"] == 2
    assert got[ids[2]].reasons[0]["approved"] == 3
    assert got[ids[3]].reasons[0]["kind"] == "banned_word"
    assert got[stranger[0]].status == "pending"


def test_sites_with_targets_get_outbox_rows_keyed_by_their_audit_row(make):
    from service.db.integration_tables import Delivery, IntegrationConfig
    from service.db.session import session_scope
    from service.db.tables import ModerationAction

    plain, wired = make["site"]("Plain"), make["site"]("Wired")
    with session_scope(make["url"]) as s:
        s.add(IntegrationConfig(site_id=wired, platform="outbound", enabled=True,
                                config={"url": "http://127.0.0.1:9/hook"}))
    ids = make["comments"](plain, [CLEAN, RUDE]) + make["comments"](wired, [RUDE, CLEAN, RUDE])
    score(make["url"], ids)
    with session_scope(make["url"]) as s:
        actions = {a.comment_id: a for a in s.scalars(select(ModerationAction).where(ModerationAction.comment_id.in_(ids)))}
        deliveries = s.scalars(select(Delivery).where(Delivery.comment_id.in_(ids))).all()
    assert sorted(d.comment_id for d in deliveries) == sorted(ids[2:])
    for d in deliveries:
        action = actions[d.comment_id]
        assert d.action_id == action.id and d.idempotency_key == f"colombe-decision-{action.id}"
        assert d.site_id == wired and d.target == "outbound" and d.status == "pending"
        assert d.payload["decision"]["status"] == action.to_status
        assert d.payload["decision"]["reasons"] == action.details
        assert d.payload["comment"]["scores"]["toxicity"] in (0.01, 0.97)


def test_comment_objects_held_by_the_caller_show_the_new_state(make):
    from service.core.scoring import score_comments
    from service.db.session import session_scope
    from service.db.tables import Comment

    site = make["site"]()
    ids = make["comments"](site, [RUDE])
    with session_scope(make["url"]) as s:
        held = s.get(Comment, ids[0])
        assert held.status == "received"
        score_comments(s, ids, FakeModel())
        assert held.status == "pending" and held.reasons[0]["label"] == "toxicity"


def test_the_number_of_statements_does_not_grow_with_the_batch(make):
    from service.core.scoring import score_comments
    from service.db.session import get_engine, session_scope

    site = make["site"]()
    small = make["comments"](site, [CLEAN, RUDE])
    large = make["comments"](site, [CLEAN, RUDE] * 60)
    statements = []

    def count(*_args):
        statements.append(1)

    engine = get_engine(make["url"])
    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = []
        for ids in (small, large):
            statements.clear()
            with session_scope(make["url"]) as s:
                assert len(score_comments(s, ids, FakeModel())) == len(ids)
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts[0] == counts[1] <= 12, counts
