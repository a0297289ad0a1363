"""Colombe against a real WordPress (Debian's package, PHP's server, MariaDB), in production
mode (gunicorn web tier, a Celery worker with beat, PostgreSQL, Redis).

A visitor comments through WordPress's REST API; the forwarder plugin of
contrib/wordpress (what docs/integrations.md tells users to install) sends it to Colombe;
Colombe scores it and writes its decision back with an application password. Checked:
the decision lands in WordPress, holding an already-held comment costs no request and no
dead letter, moderators' later decisions land too, the visitor's IP address and browser
survive Colombe's write-backs, and on a site that refuses no-op status writes (500
rest_comment_failed_edit) Colombe's write-back still ends delivered at its first attempt."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import COLOMBE, create_site_cli, free_port, fresh_redis_url, run_cli, wait_for
from tests.integration import wordpress_real

WHY_NOT = wordpress_real.missing()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"no real WordPress here: {WHY_NOT}")
VISITOR_IP, VISITOR_AGENT = "127.0.0.2", "Mozilla/5.0 (X11; Linux x86_64) visitor-test"


def visitor_comment(wp, text: str, author: str) -> int:
    """A visitor's comment through the REST API from another loopback address (127.0.0.2)."""
    host, port = wp.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(VISITOR_IP, 0))
    body = json.dumps({"post": wp.post_id, "content": text, "author_name": author,
                       "author_email": f"{author.lower()}@example.org"})
    conn.request("POST", "/wp-json/wp/v2/comments", body=body,
                 headers={"Content-Type": "application/json", "User-Agent": VISITOR_AGENT})
    resp = conn.getresponse()
    doc = json.loads(resp.read())
    conn.close()
    assert resp.status == 201, doc
    return doc["id"]


@pytest.fixture(scope="module")
def stack(pg_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wordpress")
    port = free_port()
    env = {"COLOMBE_DATABASE_URL": pg_url, "COLOMBE_BROKER_URL": fresh_redis_url(), "COLOMBE_DATA_DIR": str(tmp),
           "COLOMBE_SECRET_KEY": "wordpress-real-key", "COLOMBE_METRICS_DIR": str(tmp / "metrics"),
           "COLOMBE_NOTIFY_INTERVAL": "1", "COLOMBE_NOTIFY_BACKOFF_BASE": "0.5", "COLOMBE_POLL_BEAT": "1",
           "COLOMBE_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1,localhost", "COLOMBE_PORT": str(port),
           "COLOMBE_WEB_WORKERS": "1", "COLOMBE_WEB_THREADS": "4"}
    site = create_site_cli(env, "Le carnet des oiseaux")
    colombe_url = f"http://127.0.0.1:{port}"
    wp = wordpress_real.start(tmp, colombe={"url": colombe_url, "site_id": site["id"],
                                            "secret": site["webhook_secret"]})
    logs = [open(tmp / "web.log", "w"), open(tmp / "worker.log", "w")]
    procs = []
    try:
        run_cli(["integrations", "set", site["id"], "--wordpress-url", wp.url, "--wordpress-user", wp.user,
                 "--wordpress-app-password-stdin"], env, input_text=wp.app_password + "\n")
        _set_rules(pg_url, site["id"], suspect=["connard"])
        full = {**os.environ, **env}
        procs.append(subprocess.Popen([COLOMBE, "serve"], env=full, stdout=logs[0], stderr=subprocess.STDOUT))
        procs.append(subprocess.Popen([COLOMBE, "worker", "--concurrency", "1", "--beat"], env=full,
                                      stdout=logs[1], stderr=subprocess.STDOUT))
        wait_for(lambda: _answers(colombe_url + "/healthz"), timeout=60, message="colombe serve")
        yield {"wp": wp, "site": site, "env": env, "url": colombe_url, "pg_url": pg_url, "tmp": tmp}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for f in logs:
            f.close()
        wordpress_real.stop(wp)


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _set_rules(url, site_id, suspect):
    from service.db.auth_tables import SiteRules
    from service.db.session import session_scope

    with session_scope(url) as s:
        s.merge(SiteRules(site_id=site_id, banned_words=[], suspect_words=suspect))


def _comment(url, site_id, external_id):
    from service.db.session import session_scope
    from service.db.tables import Comment

    with session_scope(url) as s:
        c = s.scalar(select(Comment).where(Comment.site_id == site_id, Comment.external_id == str(external_id)))
        return None if c is None else {"id": c.id, "status": c.status}


def _deliveries(url, site_id, comment_id=None):
    from service.db.integration_tables import Delivery
    from service.db.session import session_scope

    with session_scope(url) as s:
        q = select(Delivery).where(Delivery.site_id == site_id)
        if comment_id is not None:
            q = q.where(Delivery.comment_id == comment_id)
        return [(d.payload["op"], d.status, d.attempts, d.last_error) for d in s.scalars(q.order_by(Delivery.id))]


def _decide(stack, comment_id, action, reason=None):
    import urllib.request

    body = json.dumps({"action": action, **({"reason": reason} if reason else {})}).encode()
    req = urllib.request.Request(f"{stack['url']}/api/v1/comments/{comment_id}/decision", data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {stack['site']['api_token']}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200


def test_a_held_comment_is_held_with_no_request_and_no_dead_letter(stack):
    wp, site, pg = stack["wp"], stack["site"], stack["pg_url"]
    wp_id = visitor_comment(wp, "Espèce de connard, ferme-la donc, personne ne veut lire tes âneries.", "Brice")
    assert wp.comment_status(wp_id) == "hold"  # the blog holds every comment until moderated
    mine = wait_for(lambda: (_comment(pg, site["id"], wp_id) or {}).get("status") not in (None, "received")
                    and _comment(pg, site["id"], wp_id), timeout=60, message="the forwarded comment to be decided")
    assert mine["status"] == "pending"  # a suspect word: Colombe holds it for a moderator
    done = wait_for(lambda: [d for d in _deliveries(pg, site["id"], mine["id"]) if d[1] != "pending"] or None,
                    timeout=30, message="the write-back")
    assert done == [("hold", "delivered", 1, None)]  # no-op: known to be held already
    assert wp.comment_status(wp_id) == "hold"
    # a moderator rejects it: WordPress trashes it, and the visitor's address and browser stay
    _decide(stack, mine["id"], "reject", "toxic")
    wait_for(lambda: wp.comment_status(wp_id) == "trash", timeout=60, message="the rejection to land in WordPress")
    status, doc = wp.request("GET", f"/wp/v2/comments/{wp_id}?context=edit")
    assert (doc["author_ip"], doc["author_user_agent"]) == (VISITOR_IP, VISITOR_AGENT)


def test_colombe_decisions_land_in_wordpress(stack):
    wp, site, pg = stack["wp"], stack["site"], stack["pg_url"]
    wp_id = visitor_comment(wp, "Merci pour ces conseils, les mésanges sont revenues à la mangeoire ce matin.",
                            "Claire")
    mine = wait_for(lambda: (_comment(pg, site["id"], wp_id) or {}).get("status") not in (None, "received")
                    and _comment(pg, site["id"], wp_id), timeout=60, message="the forwarded comment to be decided")
    expected = {"approved": "approved", "pending": "hold", "rejected": "spam"}[mine["status"]]
    wait_for(lambda: wp.comment_status(wp_id) == expected, timeout=60,
             message=f"Colombe's {mine['status']} to land in WordPress")
    if mine["status"] != "approved":  # the model held it: a moderator approves it
        _decide(stack, mine["id"], "approve")
        wait_for(lambda: wp.comment_status(wp_id) == "approved", timeout=60, message="the approval to land")
    # spam: rejected as spam by a moderator → WordPress's spam folder
    spam_id = visitor_comment(wp, "Cheap pills online, best prices, click http://pills.example.com now!!!", "Spammy")
    spam = wait_for(lambda: (_comment(pg, site["id"], spam_id) or {}).get("status") not in (None, "received")
                    and _comment(pg, site["id"], spam_id), timeout=60, message="the spam comment to be decided")
    if spam["status"] != "rejected":
        _decide(stack, spam["id"], "reject", "spam")
    wait_for(lambda: wp.comment_status(spam_id) == "spam", timeout=60, message="spam to land in WordPress")
    status, doc = wp.request("GET", f"/wp/v2/comments/{wp_id}?context=edit")
    assert (doc["author_ip"], doc["author_user_agent"]) == (VISITOR_IP, VISITOR_AGENT)


def _answers_recorded(wp) -> list[str]:
    """WordPress's answers to comment updates while the status-only plugin is on."""
    return [a for a in (wordpress_real.get_option(wp, "colombe_test_answers") or "").split(";") if a]


def _held_by_colombe(stack, text: str, author: str):
    """A visitor's comment that Colombe holds (a suspect word) and WordPress already holds."""
    wp, site, pg = stack["wp"], stack["site"], stack["pg_url"]
    wp_id = visitor_comment(wp, text, author)
    mine = wait_for(lambda: (_comment(pg, site["id"], wp_id) or {}).get("status") not in (None, "received")
                    and _comment(pg, site["id"], wp_id), timeout=60, message="the forwarded comment to be decided")
    assert mine["status"] == "pending"
    wait_for(lambda: [d for d in _deliveries(pg, site["id"], mine["id"]) if d[1] != "pending"] or None,
             timeout=30, message="the no-op hold")
    return wp_id, mine


def test_a_status_only_site_refuses_a_no_op_and_colombe_still_delivers(stack):
    """A site whose `rest_preprocess_comment` filter drops every prepared field (the test
    plugin of wordpress_real, switched on for this test only): WordPress 6.1 answers a status
    write that changes nothing with 500 rest_comment_failed_edit; Colombe, whose write meets a
    comment a moderator has just given the same status in WordPress, reads it back and counts
    the delivery done; a real change still goes through."""
    wp, site, pg = stack["wp"], stack["site"], stack["pg_url"]
    first, mine = _held_by_colombe(stack, "Encore un connard qui croit tout savoir sur les mésanges.", "Gaston")
    wordpress_real.set_option(wp, "colombe_test_status_only", "1")
    try:
        # (a) WordPress itself: the same no-op write, with the plugin off then on
        status, doc = wp.request("POST", f"/wp/v2/comments/{first}", {"status": "hold", "author_ip": VISITOR_IP,
                                                                        "author_user_agent": VISITOR_AGENT})
        assert (status, doc["code"], doc["message"]) == (500, "rest_comment_failed_edit",
                                                         "Updating comment status failed.")
        wordpress_real.set_option(wp, "colombe_test_status_only", None)
        status, doc = wp.request("POST", f"/wp/v2/comments/{first}", {"status": "hold", "author_ip": VISITOR_IP,
                                                                        "author_user_agent": VISITOR_AGENT})
        assert (status, doc["status"]) == (200, "hold")  # elsewhere: a silent no-op
        wordpress_real.set_option(wp, "colombe_test_status_only", "1")
        assert wp.comment_status(first) == "hold"
        assert _answers_recorded(wp) == [f"POST {first} 500 rest_comment_failed_edit"]
        wordpress_real.set_option(wp, "colombe_test_answers", None)

        # (b) a moderator trashes it in WordPress right after Colombe has read it (still held),
        # so Colombe's trash is a no-op by the time it arrives
        wordpress_real.set_option(wp, "colombe_test_moderate_after_read", f"{first}:trash")
        _decide(stack, mine["id"], "reject", "toxic")
        done = wait_for(lambda: [d for d in _deliveries(pg, site["id"], mine["id"]) if d[0] == "trash"
                                 and d[1] != "pending"] or None, timeout=60, message="the trash write-back")
        assert done == [("trash", "delivered", 1, None)]
        assert wordpress_real.get_option(wp, "colombe_test_moderate_after_read") is None  # the race happened
        assert _answers_recorded(wp) == [f"POST {first} 500 rest_comment_failed_edit"]  # refused, for real
        assert wp.comment_status(first) == "trash"
        dead = run_cli(["integrations", "deliveries", site["id"], "--status", "dead"], stack["env"])
        assert json.loads(dead.stdout) == []

        # (c) a real change through the status-only path: a moderator approves a held comment
        second, other = _held_by_colombe(stack, "Quel connard ce voisin, il a encore coupé la haie.", "Honorine")
        _decide(stack, other["id"], "approve")
        wait_for(lambda: wp.comment_status(second) == "approved", timeout=60, message="the approval to land")
        assert [d for d in _deliveries(pg, site["id"], other["id"]) if d[0] == "approve"] == [
            ("approve", "delivered", 1, None)]
        assert _answers_recorded(wp)[1:] == [f"POST {second} 200 -"]
        # approving an approved comment is refused too ("approve" is not "approved", so it is
        # wp_set_comment_status, whose UPDATE changes no row, that fails; trash and spam fail
        # handle_status_param's own comparison)
        status, doc = wp.request("POST", f"/wp/v2/comments/{second}", {"status": "approve"})
        assert (status, doc["code"]) == (500, "rest_comment_failed_edit")
        status, doc = wp.request("GET", f"/wp/v2/comments/{second}?context=edit")
        assert (doc["author_ip"], doc["author_user_agent"]) == (VISITOR_IP, VISITOR_AGENT)
    finally:
        wordpress_real.set_option(wp, "colombe_test_status_only", None)
        wordpress_real.set_option(wp, "colombe_test_moderate_after_read", None)
        wordpress_real.set_option(wp, "colombe_test_answers", None)


def test_no_dead_letters_at_all(stack):
    proc = run_cli(["integrations", "deliveries", stack["site"]["id"], "--status", "dead"], stack["env"])
    assert json.loads(proc.stdout) == []
    assert all(d[1] in ("delivered", "superseded") for d in _deliveries(stack["pg_url"], stack["site"]["id"]))


def test_wordpress_itself_overwrites_the_author_ip_on_a_bare_status_change(stack):
    """Why Colombe reads before it writes: the REST API puts the requester's IP address and
    user agent on the comment when the body does not carry them (WordPress 6.1 and trunk)."""
    wp = stack["wp"]
    wp_id = visitor_comment(wp, "Un commentaire de contrôle, sans rapport avec Colombe.", "Temoin")
    status, doc = wp.request("POST", f"/wp/v2/comments/{wp_id}", {"status": "hold"})
    assert status == 200
    assert doc["author_ip"] == "127.0.0.1" and doc["author_user_agent"] != VISITOR_AGENT
