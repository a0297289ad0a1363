"""The webhook's PostgreSQL fast path (`service.core.ingest_pg.ingest_comments_fast`): same
rows, ids, answers and parent links as the ORM path, on a real PostgreSQL."""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.conftest import sign_headers
from tests.fakes import RecordingDispatcher

ROW_COLUMNS = ("external_id", "parent_external_id", "text", "html", "format", "lang", "lang_given", "author_name",
               "author_url", "author_email_hash", "author_ip_hash", "author_key", "created_at", "status", "priority",
               "scores", "reasons", "flag_labels", "model_version", "scored_at", "decided_at")


@pytest.fixture
def fast(pg_url, tmp_path, monkeypatch):
    """The Flask app on PostgreSQL with a recording dispatcher; counts fast-path outcomes."""
    from service.app import create_app
    from service.config import Settings
    from service.core import ingest_pg, intake
    from service.core.sites import create_site
    from service.db.session import session_scope

    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path / "var"), "COLOMBE_DATABASE_URL": pg_url},
                                 testing=True)
    dispatcher = RecordingDispatcher()
    app = create_app(settings, dispatcher=dispatcher)
    with session_scope(pg_url) as s:
        site = create_site(s, f"Fast {secrets.token_hex(3)}", settings.secret_key).as_json()
    outcomes = {"fast": 0, "orm": 0}

    def counting(*args, **kwargs):
        results = ingest_pg.ingest_comments_fast(*args, **kwargs)
        outcomes["orm" if results is None else "fast"] += 1
        return results

    monkeypatch.setattr(intake, "ingest_comments_fast", counting)
    return {"app": app, "client": app.test_client(), "site": site, "dispatcher": dispatcher, "url": pg_url,
            "outcomes": outcomes}


def post(env, payload):
    body = json.dumps(payload).encode()
    site = env["site"]
    return env["client"].post(f"/api/v1/sites/{site['id']}/comments", data=body,
                              headers=sign_headers(site["webhook_secret"], body))


def rows(env, site_id=None):
    from service.db.session import session_scope
    from service.db.tables import Comment

    with session_scope(env["url"]) as s:
        return {c.external_id: c for c in s.scalars(
            select(Comment).where(Comment.site_id == (site_id or env["site"]["id"])).order_by(Comment.id))}


def test_known_post_takes_the_fast_path_and_answers_like_before(fast):
    first = post(fast, {"id": "a1", "text": "Bonjour", "post": {"id": "p1", "title": "Titre"}})
    assert first.status_code == 202 and fast["outcomes"] == {"fast": 0, "orm": 1}  # new post: ORM path
    r = post(fast, {"id": "a2", "text": "Merci", "post": {"id": "p1", "title": "Titre"},
                    "author": {"name": "Ana", "email": "Ana@Example.org", "ip": "192.0.2.1"}})
    assert r.status_code == 202 and fast["outcomes"] == {"fast": 1, "orm": 1}
    [c] = r.json["comments"]
    assert set(c) == {"id", "external_id", "status", "duplicate"}
    assert (c["external_id"], c["status"], c["duplicate"]) == ("a2", "received", False)
    assert fast["dispatcher"].sent[-1] == [c["id"]]
    stored = rows(fast)
    assert stored["a2"].post_id == stored["a1"].post_id is not None
    assert stored["a2"].author_email_hash and stored["a2"].author_ip_hash and stored["a2"].author_key
    # the same delivery again: a duplicate with the same id, nothing enqueued
    again = post(fast, {"id": "a2", "text": "Merci", "post": {"id": "p1", "title": "Titre"}})
    assert again.status_code == 202
    assert again.json["comments"] == [{"id": c["id"], "external_id": "a2", "status": "received", "duplicate": True}]
    assert len(fast["dispatcher"].sent) == 2


def test_batch_ids_follow_payload_order_and_repeats_are_duplicates(fast):
    post(fast, {"id": "seed", "text": "x", "post": {"id": "pb"}})
    batch = {"comments": [{"id": f"b{i}", "text": f"commentaire {i}", "post": {"id": "pb"}} for i in range(5)]}
    batch["comments"].insert(2, {"id": "b0", "text": "again", "post": {"id": "pb"}})
    out = post(fast, batch).json["comments"]
    assert fast["outcomes"]["fast"] == 1
    ids = [c["id"] for c in out if not c["duplicate"]]
    assert ids == sorted(ids) and [c["external_id"] for c in out if not c["duplicate"]] == [f"b{i}" for i in range(5)]
    assert out[2] == {"id": out[0]["id"], "external_id": "b0", "status": "received", "duplicate": True}
    # half old, half new: the old ones are answered with their stored id and status
    from service.db.session import session_scope
    from service.db.tables import Comment

    with session_scope(fast["url"]) as s:
        s.get(Comment, out[1]["id"]).status = "approved"
    mixed = post(fast, {"comments": [{"id": "b1", "text": "x", "post": {"id": "pb"}},
                                     {"id": "b9", "text": "new", "post": {"id": "pb"}}]}).json["comments"]
    assert mixed[0] == {"id": out[1]["id"], "external_id": "b1", "status": "approved", "duplicate": True}
    assert mixed[1]["duplicate"] is False and mixed[1]["id"] > max(ids)
    assert fast["dispatcher"].sent[-1] == [mixed[1]["id"]]


def test_changed_or_new_posts_go_through_the_orm_path(fast):
    from service.db.session import session_scope
    from service.db.tables import Post

    post(fast, {"id": "1", "text": "x", "post": {"id": "pu", "title": "Old"}})
    post(fast, {"id": "2", "text": "y", "post": {"id": "pu", "title": "New", "url": "https://blog.example/p"}})
    post(fast, {"id": "3", "text": "z", "post": {"id": "pu"}})  # a bare sighting changes nothing: fast
    post(fast, {"id": "4", "text": "z", "post": {"id": "pu", "title": "New"}})  # unchanged: fast
    assert fast["outcomes"] == {"fast": 2, "orm": 2}
    with session_scope(fast["url"]) as s:
        [p] = s.scalars(select(Post).where(Post.site_id == fast["site"]["id"])).all()
        assert (p.title, p.url) == ("New", "https://blog.example/p")
    stored = rows(fast)
    assert {c.post_id for c in stored.values()} == {p.id}


def test_stored_rows_equal_the_orm_paths(fast):
    """Every column the fast path writes is what `ingest_comments` writes."""
    from service.core.ingest import ingest_comments
    from service.core.ingest_pg import ingest_comments_fast
    from service.core.sites import create_site
    from service.db.session import get_engine, session_scope
    from service.core.intake import validate_payload

    payload = {"comments": [
        {"id": "h1", "text": "<p>Bonjour <b>à</b> tous <script>x()</script></p>", "format": "html", "lang": "FR",
         "post": {"id": "same", "title": "T"}, "parent_id": "h0", "created_at": "2026-01-02T03:04:05Z",
         "author": {"name": "Zoé", "email": "zoe@example.org", "url": "https://z.example", "ip": "2001:db8::1"}},
        {"id": 7, "text": "plain", "author": {"name": "Anon"}},
        {"id": "h3", "text": "no author", "post": {"id": "same"}},
    ]}
    comments, errors = validate_payload(payload)
    assert not errors
    with session_scope(fast["url"]) as s:
        a = create_site(s, "A", "k").site
        b = create_site(s, "B", "k").site
        b.hash_salt = a.hash_salt  # same salt: same hashes expected
        s.flush()
        for site in (a, b):  # the post exists in both sites with the same fields
            ingest_comments(s, site, validate_payload({"id": "seed", "text": "s", "post": {"id": "same", "title": "T"}})[0])
        a_id, b_id = a.id, b.id
        s.expunge_all()
    with session_scope(fast["url"]) as s:
        ingest_comments(s, s.get(type(a), a_id), comments, link=False)
    with session_scope(fast["url"]) as s:
        site_b = s.get(type(b), b_id)
        s.expunge(site_b)
    assert ingest_comments_fast(get_engine(fast["url"]), site_b, comments) is not None
    orm, quick = rows(fast, a_id), rows(fast, b_id)
    assert set(orm) == set(quick) == {"seed", "h1", "7", "h3"}
    for ext in orm:
        assert {k: getattr(quick[ext], k) for k in ROW_COLUMNS} == {k: getattr(orm[ext], k) for k in ROW_COLUMNS}
        assert (quick[ext].post_id is None) == (orm[ext].post_id is None)
        assert abs((quick[ext].received_at - datetime.now(timezone.utc)).total_seconds()) < 60


def test_reply_before_parent_is_linked_both_ways(fast):
    post(fast, {"id": "root-seed", "text": "x", "post": {"id": "pr"}})
    grandchild = post(fast, {"id": "gc", "text": "r2", "parent_id": "child", "post": {"id": "pr"}}).json
    child = post(fast, {"id": "child", "text": "r1", "parent_id": "root", "post": {"id": "pr"}}).json
    root = post(fast, {"id": "root", "text": "r0", "post": {"id": "pr"}}).json
    batch = post(fast, {"comments": [{"id": "br", "text": "reply", "parent_id": "bp"},
                                     {"id": "bp", "text": "parent"}]}).json
    assert fast["outcomes"]["orm"] == 1 and fast["outcomes"]["fast"] == 4
    stored = rows(fast)
    assert stored["gc"].parent_id == child["comments"][0]["id"]
    assert stored["child"].parent_id == root["comments"][0]["id"]
    assert stored["root"].parent_id is None
    assert stored["br"].parent_id == batch["comments"][1]["id"]
    assert grandchild["comments"][0]["duplicate"] is False


@pytest.mark.parametrize("fast_side", ["reply", "parent"])
def test_concurrent_reply_and_parent_are_linked_after_commit(fast, fast_side):
    """One side through the fast path while the other's transaction is still open: the
    fast path's in-flight lookup cannot see it, the post-commit link of whichever commits
    last repairs it (as in tests/chaos test_5b for the ORM path)."""
    from service.core.ingest import ingest_comments
    from service.core.ingest_pg import ingest_comments_fast
    from service.db.session import get_engine, session_factory
    from service.db.tables import Site
    from service.core.ingest import link_after_commit
    from service.core.intake import CommentIn

    tag = secrets.token_hex(3)
    reply_in = [CommentIn(f"r-{tag}", "a reply", parent_external_id=f"p-{tag}")]
    parent_in = [CommentIn(f"p-{tag}", "the parent")]
    fast_in, slow_in = (reply_in, parent_in) if fast_side == "reply" else (parent_in, reply_in)
    session = session_factory(fast["url"])()
    try:
        site = session.get(Site, fast["site"]["id"])
        slow = ingest_comments(session, site, slow_in, link=False)  # open transaction
        quick = ingest_comments_fast(get_engine(fast["url"]), site, fast_in)  # committed, linked: sees nothing
        assert quick is not None and not quick[0].duplicate
        session.commit()
        link_after_commit(session, site.id, slow_in, slow)
    finally:
        session.close()
    stored = rows(fast)
    assert stored[f"r-{tag}"].parent_id == stored[f"p-{tag}"].id


def test_driver_errors_come_out_as_sqlalchemy_errors_and_the_connection_is_reusable(fast):
    from sqlalchemy.exc import DataError

    from service.core.ingest_pg import _autocommit_connection
    from service.db.session import get_engine

    engine = get_engine(fast["url"])
    with pytest.raises(DataError):
        with _autocommit_connection(engine) as conn:
            conn.execute("SELECT 1 / 0")
    with engine.connect() as c:  # the pooled connection is back in transactional mode
        assert c.connection.driver_connection.autocommit is False
        assert c.exec_driver_sql("SELECT 1").scalar() == 1
    assert post(fast, {"id": "after-error", "text": "ok"}).status_code == 202


def test_a_refused_connection_is_a_503_not_a_500(fast, monkeypatch):
    """The pool hands out raw driver errors when it cannot connect (PostgreSQL restarting):
    the fast path must turn them into SQLAlchemy's, which the app answers with 503."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from service.core.ingest_pg import _autocommit_connection
    from tests.conftest import free_port

    dead = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere")
    with pytest.raises(OperationalError):
        with _autocommit_connection(dead):
            pass
    from service.core import intake

    monkeypatch.setattr(intake, "fast_path_supported", lambda engine: True)
    monkeypatch.setattr(intake, "ingest_comments_fast", lambda engine, site, comments: _autocommit_connection(dead).__enter__())
    r = post(fast, {"id": "while-down", "text": "hello"})
    assert r.status_code == 503 and r.is_json and r.headers.get("Retry-After"), (r.status_code, r.data[:200])
