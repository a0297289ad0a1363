"""Blogger and Disqus pollers + write-back against local servers speaking their API shapes."""
from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select

from tests.unit.platforms.platforms import FakeBlogger, FakeDisqus, configure, deliveries, drain, score_all


class Recorder:
    def __init__(self):
        self.ids = []

    def __call__(self, ids):
        self.ids.extend(ids)


def comments_by_external(env):
    from service.db.session import session_scope
    from service.db.tables import Comment

    with session_scope(env["settings"].database_url) as s:
        return {c.external_id: c for c in s.scalars(select(Comment))}


def moderate(env, site, cid, action, reason=None):
    r = env["client"].post(f"/api/v1/comments/{cid}/decision", json={"action": action, "reason": reason},
                           headers={"Authorization": f"Bearer {site['api_token']}"})
    assert r.status_code == 200, r.json


def blogger_discovery():
    googleapiclient = pytest.importorskip("googleapiclient")
    path = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents", "blogger.v3.json")
    with open(path) as f:
        return json.load(f)


def matches_documented_method(doc, rec) -> str | None:
    """Name of the Blogger discovery method this recorded request conforms to (path + query params)."""
    parts = rec.path.strip("/").split("/")
    for resource in doc["resources"].values():
        for name, m in resource.get("methods", {}).items():
            tmpl = m["path"].split("/")[1:]  # drop "v3"
            if m["httpMethod"] != rec.method or len(tmpl) != len(parts):
                continue
            if all(t.startswith("{") or t == p for t, p in zip(tmpl, parts)):
                params = m.get("parameters", {})
                query_ok = all(k in params or k in ("key", "fields") for k in rec.query)
                enums_ok = all(v in params[k].get("enum", [v]) for k, vs in rec.query.items() if k in params
                               for v in vs)
                if query_ok and enums_ok:
                    return name
    return None


def test_blogger_poller_cursor_write_back_and_documented_shapes(env):
    from service.db.integration_tables import IntegrationConfig
    from service.db.session import session_scope
    from service.integrations.pollers import poll_site

    with FakeBlogger(page_size=2) as blogger:
        blogger.posts["11"] = {"kind": "blogger#post", "id": "11", "title": "Les rouges-gorges",
                               "url": "https://monblog.blogspot.com/2026/11/rg.html", "content": "<p>Un oiseau.</p>"}
        blogger.add_comment(1, 11, "Superbe !", "2026-11-20T10:00:00.000-08:00", status="LIVE")
        blogger.add_comment(2, 11, "Tu es un idiot", "2026-11-20T11:00:00.000-08:00", in_reply_to=1)
        blogger.add_comment(3, 12, "buy now http://pills.example", "2026-11-20T12:00:00.000-08:00")
        blogger.add_comment(4, 12, "déjà supprimé", "2026-11-19T12:00:00.000-08:00", status="SPAM")
        configure(env, env["a"], "blogger", secrets={"access_token": blogger.token}, blog_id=blogger.blog_id,
                  api_base=blogger.url)
        rec = Recorder()
        first = poll_site(env["settings"], env["a"]["id"], "blogger", enqueue=rec)
        assert first == {"fetched": 3, "new": 3, "pages": 2}
        rows = comments_by_external(env)
        assert set(rows) == {"1", "2", "3"} and sorted(rec.ids) == sorted(c.id for c in rows.values())
        assert rows["2"].parent_id == rows["1"].id and rows["2"].format == "html"
        assert rows["1"].created_at.isoformat() == "2026-11-20T18:00:00+00:00"
        with session_scope(env["settings"].database_url) as s:
            from service.db.tables import Post

            post = s.get(Post, rows["1"].post_id)
            assert (post.title, post.url, post.text) == ("Les rouges-gorges", blogger.posts["11"]["url"], "Un oiseau.")
            state = s.scalar(select(IntegrationConfig.state))
            assert state["start_date"] == "2026-11-20T12:00:00.000-08:00" and state["auth"]["status"] == "ok"
        # next poll asks from the cursor and only brings what is new
        blogger.add_comment(5, 11, "Et les mésanges ?", "2026-11-21T09:00:00.000-08:00")
        second = poll_site(env["settings"], env["a"]["id"], "blogger", enqueue=rec)
        assert second["new"] == 1 and second["fetched"] == 2  # the boundary comment again (startDate is inclusive)
        lists = [r for r in blogger.requests if r.path.endswith("/comments")]
        assert lists[-1].query["startDate"] == ["2026-11-20T12:00:00.000-08:00"]
        assert lists[0].query["status"] == ["LIVE", "PENDING"] and lists[0].query["fetchBodies"] == ["true"]
        # decisions go back: approve, markAsSpam for every rejection (removeContent only when the
        # site chose it: it erases the text); a hold has no Blogger verb
        rows = comments_by_external(env)
        score_all(env, [c.id for c in rows.values()])
        drain(env, lambda: all(d[2] == "delivered" for d in deliveries(env)))
        assert {d[4]["op"] for d in deliveries(env)} == {"approve"}  # the clean ones; held ones wait
        moderate(env, env["a"], rows["3"].id, "reject", "spam")
        moderate(env, env["a"], rows["2"].id, "reject", "toxic")
        drain(env, lambda: len(deliveries(env)) == 4 and all(d[2] == "delivered" for d in deliveries(env)))
        status = {c["id"]: c["status"] for c in blogger.comments}
        assert status == {"1": "LIVE", "2": "SPAM", "3": "SPAM", "4": "SPAM", "5": "LIVE"}
        assert all(c["content"] for c in blogger.comments)  # no text destroyed
        # every request we made is a documented Blogger v3 method with documented parameters
        doc = blogger_discovery()
        used = {matches_documented_method(doc, r) for r in blogger.requests}
        assert None not in used
        assert used == {"listByBlog", "get", "approve", "markAsSpam"}


def test_blogger_resume_token_bad_token_and_isolation(env):
    from service.db.integration_tables import IntegrationConfig
    from service.db.session import session_scope
    from service.integrations.pollers import PollError, poll_due, poll_site

    settings = env["settings"].replace(poll_max_pages=1)
    with FakeBlogger(page_size=1) as blogger:
        for n in range(3):
            blogger.add_comment(n + 1, 11, f"commentaire {n}", f"2026-11-2{n}T10:00:00Z")
        configure(env, env["a"], "blogger", secrets={"access_token": blogger.token}, blog_id=blogger.blog_id,
                  api_base=blogger.url, fetch_posts=False)
        poll_site(settings, env["a"]["id"], "blogger")
        with session_scope(settings.database_url) as s:
            state = s.scalar(select(IntegrationConfig.state))
        assert state["resume"]["page_token"] == "1" and "start_date" not in state
        poll_site(settings, env["a"]["id"], "blogger")
        poll_site(settings, env["a"]["id"], "blogger")
        assert set(comments_by_external(env)) == {"1", "2", "3"}
        with session_scope(settings.database_url) as s:
            state = s.scalar(select(IntegrationConfig.state))
            assert {k: v for k, v in state.items() if k != "auth"} == {"start_date": "2026-11-22T10:00:00Z"}
        # a revoked token: the error is recorded (without the token), nothing is lost
        configure(env, env["b"], "blogger", secrets={"access_token": "ya29.revoked"}, blog_id=blogger.blog_id,
                  api_base=blogger.url)
        with pytest.raises(PollError):
            poll_site(settings, env["b"]["id"], "blogger")
        result = poll_due(settings.replace(poll_interval_s=0))
        assert "error" in result[f"{env['b']['id']}/blogger"]
        with session_scope(settings.database_url) as s:
            row = s.scalar(select(IntegrationConfig).filter_by(site_id=env["b"]["id"]))
            assert "401" in row.last_error and "revoked" not in row.last_error
            assert row.state["auth"]["status"] == "failed"  # shown in the UI and the metrics
        assert all(c.site_id == env["a"]["id"] for c in comments_by_external(env).values())


def test_disqus_poller_and_write_back(env):
    from service.db.integration_tables import IntegrationConfig
    from service.db.session import session_scope
    from service.integrations.pollers import poll_due

    with FakeDisqus(page_size=2) as disqus:
        disqus.add_post(100, 7, "Premier commentaire", "2026-11-20T10:00:00")
        disqus.add_post(101, 7, "Tu es un idiot", "2026-11-20T10:05:00", parent=100)
        disqus.add_post(102, 7, "buy now http://pills.example", "2026-11-20T10:06:00")
        configure(env, env["a"], "disqus", secrets={"api_key": disqus.api_key, "access_token": disqus.access_token},
                  forum=disqus.forum, api_base=disqus.url)
        rec = Recorder()
        settings = env["settings"].replace(poll_interval_s=0)
        result = poll_due(settings, enqueue=rec)
        assert result[f"{env['a']['id']}/disqus"] == {"fetched": 3, "new": 3, "pages": 2}
        rows = comments_by_external(env)
        assert rows["101"].parent_id == rows["100"].id and rows["101"].text == "Tu es un idiot"
        assert rows["100"].author_name == "Lou" and rows["100"].author_ip_hash
        assert rows["100"].created_at.isoformat() == "2026-11-20T10:00:00+00:00"
        with session_scope(env["settings"].database_url) as s:
            state = s.scalar(select(IntegrationConfig.state))
            assert {k: v for k, v in state.items() if k != "auth"} == {"since": "2026-11-20T10:06:00"}
            from service.db.tables import Post

            assert s.get(Post, rows["100"].post_id).title == "Les oiseaux en hiver"
        lists = [r for r in disqus.requests if r.path == "/forums/listPosts.json"]
        assert lists[0].query["order"] == ["asc"] and lists[0].query["include"] == ["unapproved", "approved"]
        assert lists[1].query["cursor"] == ["2"]
        disqus.add_post(103, 7, "Merci", "2026-11-21T08:00:00")
        poll_due(settings, enqueue=rec)
        assert [r for r in disqus.requests if r.path == "/forums/listPosts.json"][-1].query["since"] == [
            "2026-11-20T10:06:00"]
        rows = comments_by_external(env)
        assert set(rows) == {"100", "101", "102", "103"} and len(rec.ids) == 4
        score_all(env, [c.id for c in rows.values()])
        moderate(env, env["a"], rows["101"].id, "reject", "toxic")
        moderate(env, env["a"], rows["102"].id, "reject", "spam")
        drain(env, lambda: deliveries(env) and all(d[2] == "delivered" for d in deliveries(env)))
        state = {p["id"]: (p["isApproved"], p["isSpam"], p["isDeleted"]) for p in disqus.posts}
        assert state == {"100": (True, False, False), "101": (False, False, True), "102": (False, True, False),
                         "103": (True, False, False)}
        verbs = [r for r in disqus.requests if r.method == "POST"]
        assert all(r.form()["access_token"] == [disqus.access_token] for r in verbs)


def test_disqus_refusal_is_dead_lettered(env):
    from service.db.integration_tables import Delivery
    from service.db.session import session_scope
    from service.integrations.pollers import poll_site

    with FakeDisqus() as disqus:
        disqus.add_post(200, 7, "bonjour", "2026-11-20T10:00:00")
        configure(env, env["a"], "disqus", secrets={"api_key": disqus.api_key, "access_token": "stale"},
                  forum=disqus.forum, api_base=disqus.url)
        poll_site(env["settings"], env["a"]["id"], "disqus")
        score_all(env, [c.id for c in comments_by_external(env).values()])
        drain(env, lambda: deliveries(env)[0][2] == "dead")
        with session_scope(env["settings"].database_url) as s:
            d = s.scalar(select(Delivery))
            assert d.attempts == 1 and "authenticated" in d.last_error and "stale" not in d.last_error
