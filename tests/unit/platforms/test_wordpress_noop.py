"""WordPress write-back that changes nothing: not sent when the known status already matches,
and a `rest_comment_failed_edit` answer (WordPress's refusal of a no-op status change) ends
in a read-back, not a dead letter. The same against a real WordPress (a site with such a filter):
tests/integration/test_wordpress_real.py::test_a_status_only_site_refuses_a_no_op_and_colombe_still_delivers."""
from __future__ import annotations

from tests.unit.platforms.platforms import FakeWordPress, WPComment, configure, deliveries, drain, score_all, send


class RefusingWordPress(FakeWordPress):
    """Answers a status change to the current status the way WordPress's REST controller
    does when the status is the only field it prepares."""

    def handle(self, rec):
        if rec.method == "POST" and rec.path.startswith("/wp-json/wp/v2/comments/"):
            c = self.comments.get(int(rec.path.rsplit("/", 1)[1]))
            wanted = {"approve": "approved"}.get(rec.json().get("status"), rec.json().get("status"))
            if c is not None and c.status == wanted:
                return 500, {}, {"code": "rest_comment_failed_edit", "message": "Updating comment status failed.",
                                 "data": {"status": 500}}
        return super().handle(rec)


def test_holding_a_comment_wordpress_already_holds_sends_nothing(env):
    with FakeWordPress() as wp:
        wp.comments = {5: WPComment(5, 12, "Quel idiot, cet auteur", status="hold")}
        configure(env, env["a"], "wordpress", secrets={"app_password": wp.app_password}, url=wp.url, user="editor")
        [cid] = send(env, env["a"], [wp.rest_object(wp.comments[5])], path=f"/integrations/wordpress/{env['a']['id']}")
        score_all(env, [cid])  # held by the keyword model: "hold", which WordPress already has
        drain(env, lambda: all(d[2] == "delivered" for d in deliveries(env)))
        assert [(d[1], d[2], d[4]["op"]) for d in deliveries(env)] == [("wordpress", "delivered", "hold")]
        assert wp.requests == []  # not even a read
        r = env["client"].post(f"/api/v1/comments/{cid}/decision", json={"action": "reject", "reason": "toxic"},
                               headers={"Authorization": f"Bearer {env['a']['api_token']}"})
        assert r.status_code == 200
        drain(env, lambda: all(d[2] == "delivered" for d in deliveries(env)))
        assert wp.comments[5].status == "trash"
        posted = [r.json() for r in wp.requests if r.method == "POST"]
        # the visitor's IP and browser go back unchanged (WordPress would put ours otherwise)
        assert posted == [{"status": "trash", "author_ip": "203.0.113.9", "author_user_agent": "Mozilla/5.0"}]


def test_rest_comment_failed_edit_is_read_back_not_dead_lettered(env):
    from service.db.integration_tables import PlatformStatus
    from service.db.session import session_scope

    with RefusingWordPress() as wp:
        wp.comments = {6: WPComment(6, 12, "Quel idiot, cet auteur", status="hold")}
        configure(env, env["a"], "wordpress", secrets={"app_password": wp.app_password}, url=wp.url, user="editor")
        [cid] = send(env, env["a"], [wp.rest_object(wp.comments[6])], path=f"/integrations/wordpress/{env['a']['id']}")
        with session_scope(env["settings"].database_url) as s:  # Colombe has not learnt the status
            s.query(PlatformStatus).delete()
        reads = {"n": 0}
        original = wp.handle

        def first_read_stale(rec):  # the comment changes to "hold" between our read and our write
            if rec.method == "GET":
                reads["n"] += 1
                if reads["n"] == 1:
                    return 200, {}, wp.rest_object(WPComment(6, 12, "x", status="approved"))
            return original(rec)

        wp.handle = first_read_stale
        score_all(env, [cid])
        drain(env, lambda: all(d[2] != "pending" for d in deliveries(env)))
        assert [(d[2], d[3]) for d in deliveries(env)] == [("delivered", 1)]
        assert [(r.method, r.json()["status"] if r.method == "POST" else None) for r in wp.requests] == [
            ("GET", None), ("POST", "hold"), ("GET", None)]
