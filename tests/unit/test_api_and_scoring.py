"""Scoring, policy, decisions and the JSON API on SQLite with a fake model."""
from __future__ import annotations

import json

import pytest

from tests.conftest import sign_headers, two_site_app
from tests.fakes import FakeModel


@pytest.fixture
def env(sqlite_settings):
    from service.db.session import session_scope

    world = two_site_app(sqlite_settings)
    client, a, b = world["client"], world["a"], world["b"]

    def send(payload, site=a):
        body = json.dumps(payload).encode()
        r = client.post(f"/api/v1/sites/{site['id']}/comments", data=body,
                        headers=sign_headers(site["webhook_secret"], body))
        assert r.status_code == 202, r.json
        return [c["id"] for c in r.json["comments"]]

    def score(ids):
        from service.core.scoring import score_comments

        with session_scope(sqlite_settings.database_url) as s:
            return score_comments(s, ids, FakeModel())

    def api(method, path, site=a, **kw):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {site['api_token']}"}, **kw)

    return {"send": send, "score": score, "api": api, "a": a, "b": b, "settings": sqlite_settings, "client": client}


def test_clean_comment_is_approved_toxic_one_is_held(env):
    ids = env["send"]({"comments": [
        {"id": "1", "text": "Très bon article, merci", "post": {"id": "p", "title": "Guerre"}},
        {"id": "2", "text": "Tu es un connard", "post": {"id": "p"}},
    ]})
    env["score"](ids)
    ok = env["api"]("GET", f"/api/v1/comments/{ids[0]}").json
    held = env["api"]("GET", f"/api/v1/comments/{ids[1]}").json
    assert ok["status"] == "approved" and ok["reasons"] == []
    assert held["status"] == "pending"
    assert {r["label"] for r in held["reasons"]} == {"toxicity", "insult"}
    assert held["model_version"] == "fake-1" and held["scores"]["toxicity"] == pytest.approx(0.97)
    assert held["history"][0]["actor"] == "auto" and held["history"][0]["to_status"] == "pending"
    assert held["received_at"] and held["scored_at"] and held["decided_at"]
    assert held["post"]["id"] == "p" and held["post"]["title"] == "Guerre"


def test_scoring_twice_changes_nothing(env):
    from sqlalchemy import func, select

    from service.db.session import session_scope
    from service.db.tables import ModerationAction, Score

    ids = env["send"]({"id": "1", "text": "hello"})
    assert len(env["score"](ids)) == 1
    assert env["score"](ids) == []
    with session_scope(env["settings"].database_url) as s:
        assert s.scalar(select(func.count()).select_from(Score)) == 1
        assert s.scalar(select(func.count()).select_from(ModerationAction)) == 1


def test_reject_above_is_per_site(env):
    from service.db.session import session_scope
    from service.db.tables import Site

    with session_scope(env["settings"].database_url) as s:
        s.get(Site, env["a"]["id"]).policy = {"reject_above": {"toxicity": 0.9}}
    ids = env["send"]({"id": "1", "text": "idiot"})
    idb = env["send"]({"id": "1", "text": "idiot"}, site=env["b"])
    env["score"](ids + idb)
    assert env["api"]("GET", f"/api/v1/comments/{ids[0]}").json["status"] == "rejected"
    assert env["api"]("GET", f"/api/v1/comments/{idb[0]}", site=env["b"]).json["status"] == "pending"


def test_decision_is_audited(env):
    ids = env["send"]({"id": "1", "text": "idiot"})
    env["score"](ids)
    r = env["api"]("POST", f"/api/v1/comments/{ids[0]}/decision", json={"action": "reject", "reason": "toxic", "note": "insulte"})
    assert r.status_code == 200 and r.json["status"] == "rejected"
    last = r.json["history"][-1]
    assert (last["actor"], last["from_status"], last["to_status"], last["reason"], last["note"]) == (
        "api", "pending", "rejected", "toxic", "insulte")


@pytest.mark.parametrize("body,field", [
    ({"action": "delete"}, "action"),
    ({"action": "approve", "reason": "ugly"}, "reason"),
    ({"action": "approve", "note": 5}, "note"),
])
def test_bad_decisions_get_422(env, body, field):
    ids = env["send"]({"id": "1", "text": "x"})
    r = env["api"]("POST", f"/api/v1/comments/{ids[0]}/decision", json=body)
    assert r.status_code == 422 and field in r.json["fields"]


def test_decision_needs_json(env):
    ids = env["send"]({"id": "1", "text": "x"})
    r = env["api"]("POST", f"/api/v1/comments/{ids[0]}/decision", data="action=approve",
                   content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415
    r = env["api"]("POST", f"/api/v1/comments/{ids[0]}/decision", data="{nope", content_type="application/json")
    assert r.status_code == 400


def test_cross_site_access_is_404(env):
    ids = env["send"]({"id": "1", "text": "x"})
    for method, path in [("GET", f"/api/v1/comments/{ids[0]}"), ("GET", f"/api/v1/comments/{ids[0]}/thread"),
                         ("POST", f"/api/v1/comments/{ids[0]}/decision"), ("GET", f"/api/v1/sites/{env['a']['id']}/queue")]:
        r = env["api"](method, path, site=env["b"], json={"action": "approve"})
        assert r.status_code == 404, (method, path, r.status_code)


def test_missing_or_bad_token_is_401(env):
    assert env["client"].get("/api/v1/comments/1").status_code == 401
    r = env["client"].get("/api/v1/comments/1", headers={"Authorization": "Bearer col_nope"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized"


def test_queue_sorts_filters_and_paginates(env):
    texts = ["idiot", "buy now http://x", "idiot connard", "merci", "buy now", "idiot!"]
    ids = env["send"]({"comments": [{"id": str(i), "text": t, "lang": "fr" if i % 2 else "en"} for i, t in enumerate(texts)]})
    env["score"](ids)
    site = env["a"]["id"]
    seen, cursor = [], None
    while True:
        url = f"/api/v1/sites/{site}/queue?sort=priority&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = env["api"]("GET", url).json
        seen += page["comments"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    prios = [max(c["scores"].values()) for c in seen]
    assert prios == sorted(prios, reverse=True)
    assert len(seen) == 5 and len({c["id"] for c in seen}) == 5  # "merci" was approved
    spam = env["api"]("GET", f"/api/v1/sites/{site}/queue?label=spam").json["comments"]
    assert {c["text"] for c in spam} == {"buy now http://x", "buy now"}
    fr = env["api"]("GET", f"/api/v1/sites/{site}/queue?lang=fr&status=all").json["comments"]
    assert all(c["lang"] == "fr" for c in fr) and len(fr) == 3
    oldest = env["api"]("GET", f"/api/v1/sites/{site}/queue?sort=oldest&status=all").json["comments"]
    assert [c["id"] for c in oldest] == sorted(ids)
    newest = env["api"]("GET", f"/api/v1/sites/{site}/queue?sort=newest&status=all&limit=3").json
    assert [c["id"] for c in newest["comments"]] == sorted(ids, reverse=True)[:3]


@pytest.mark.parametrize("query,field", [
    ("status=maybe", "status"), ("sort=random", "sort"), ("label=rude", "label"),
    ("limit=0", "limit"), ("limit=abc", "limit"), ("cursor=%%%", "cursor"), ("cursor=WzFd", "cursor"),
])
def test_queue_rejects_bad_parameters(env, query, field):
    r = env["api"]("GET", f"/api/v1/sites/{env['a']['id']}/queue?{query}")
    assert r.status_code == 422 and field in r.json["fields"]


def test_thread_returns_the_tree(env):
    ids = env["send"]({"comments": [
        {"id": "root", "text": "top", "post": {"id": "p", "title": "T"}},
        {"id": "r1", "text": "reply", "parent_id": "root", "post": {"id": "p"}},
        {"id": "r2", "text": "reply to reply", "parent_id": "r1", "post": {"id": "p"}},
        {"id": "other", "text": "second top", "post": {"id": "p"}},
    ]})
    t = env["api"]("GET", f"/api/v1/comments/{ids[2]}/thread").json
    assert t["post"]["title"] == "T" and t["focus"] == ids[2]
    assert [c["external_id"] for c in t["comments"]] == ["root", "other"]
    assert t["comments"][0]["replies"][0]["replies"][0]["external_id"] == "r2"


def test_thread_survives_a_reply_cycle(env):
    ids = env["send"]({"comments": [{"id": "a", "text": "x", "parent_id": "b"}, {"id": "b", "text": "y", "parent_id": "a"}]})
    r = env["api"]("GET", f"/api/v1/comments/{ids[0]}/thread")
    assert r.status_code == 200 and len(r.json["comments"]) == 2


def test_parent_id_in_output_is_colombe_id(env):
    ids = env["send"]({"comments": [{"id": "kid", "text": "x", "parent_id": "missing"}]})
    c = env["api"]("GET", f"/api/v1/comments/{ids[0]}").json
    assert c["parent_id"] is None and c["parent_external_id"] == "missing"
    pid = env["send"]({"id": "missing", "text": "parent"})[0]
    assert env["api"]("GET", f"/api/v1/comments/{ids[0]}").json["parent_id"] == pid


def test_openapi_lists_every_api_route(env):
    doc = env["client"].get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    app = env["client"].application
    routes = {r.rule.replace("<int:", "{").replace("<", "{").replace(">", "}") for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1") and not r.rule.endswith("openapi.json")}
    documented = set(doc["paths"])
    normalized = {p.replace("{comment_id}", "{id}") for p in routes}
    assert normalized <= documented, normalized - documented


def test_ops_endpoints(env):
    c = env["client"]
    assert c.get("/healthz").json == {"status": "ok"}
    text = c.get("/metrics").get_data(as_text=True)
    for name in ("colombe_queue_pending", "colombe_model_info"):
        assert name in text


def test_a_task_tops_its_batch_up_with_other_waiting_comments(env):
    from service.core.scoring import score_comments
    from service.db.session import session_scope

    ids = env["send"]({"comments": [{"id": str(i), "text": f"texte {i}"} for i in range(5)]})
    model = FakeModel()
    with session_scope(env["settings"].database_url) as s:
        done = score_comments(s, [ids[0]], model, batch_max=3)
    assert [c.id for c in done][0] == ids[0] and len(done) == 3
    assert len(model.calls) == 1 and len(model.calls[0]) == 3  # one model call for the batch
    with session_scope(env["settings"].database_url) as s:
        rest = score_comments(s, [], model, batch_max=100)
    assert sorted([c.id for c in done] + [c.id for c in rest]) == sorted(ids)  # each scored exactly once


def test_sweeper_repairs_a_missed_parent_link(env):
    from sqlalchemy import update

    from service.core.jobs import sweep_job
    from service.db.session import session_scope
    from service.db.tables import Comment

    parent, child = env["send"]({"comments": [{"id": "p", "text": "a"}, {"id": "c", "text": "b", "parent_id": "p"}]})
    with session_scope(env["settings"].database_url) as s:  # as if the post-commit link never ran
        s.execute(update(Comment).where(Comment.id == child).values(parent_id=None))
    sweep_job(env["settings"], 3600)
    assert env["api"]("GET", f"/api/v1/comments/{child}").json["parent_id"] == parent
