"""Scenarios 4 and 5: repeated and out-of-order deliveries against the production setup
(gunicorn web tier + Celery worker + private Redis and PostgreSQL)."""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.chaos.harness import Ledger, audit, comment, report, say, signed_post


def test_4_same_webhook_three_times_concurrently(stack_factory):
    stack = stack_factory()
    stack.start_worker(concurrency=2)
    stack.start_web()
    site = stack.create_site()
    ledger = Ledger()
    rounds = 25
    outcomes = []  # per round: sorted duplicate flags and the distinct colombe ids
    bad = []

    def one_round(i: int):
        payload = comment(f"dup-{i}")
        barrier = threading.Barrier(3)

        def deliver(_):
            http = requests.Session()
            try:
                barrier.wait(5)
                return signed_post(http, stack.base, site, payload)
            finally:
                http.close()

        with ThreadPoolExecutor(3) as pool:
            responses = list(pool.map(deliver, range(3)))
        ledger.sent.add(payload["id"])
        for r in responses:
            ledger.record(r.status_code)
        if any(r.status_code != 202 for r in responses):
            bad.append((i, [r.status_code for r in responses]))
            return
        docs = [r.json()["comments"][0] for r in responses]
        ledger.acked[payload["id"]] = docs[0]["id"]
        outcomes.append((sorted(d["duplicate"] for d in docs), {d["id"] for d in docs}))

    for i in range(rounds):
        one_round(i)
    # and a batch that repeats one comment inside itself, delivered 3 times at once
    batch = [comment("dup-batch-a"), comment("dup-batch-b"), comment("dup-batch-a")]
    with ThreadPoolExecutor(3) as pool:
        batch_responses = list(pool.map(lambda _: signed_post(requests.Session(), stack.base, site,
                                                              {"comments": batch}), range(3)))
    for r in batch_responses:
        ledger.record(r.status_code)
        if r.status_code == 202:
            for item in r.json()["comments"]:
                ledger.acked[item["external_id"]] = item["id"]
    ledger.sent.update({"dup-batch-a", "dup-batch-b"})

    result = audit(stack, site, ledger, wait_s=60)
    flags_ok = sum(1 for flags, ids in outcomes if flags == [False, True, True] and len(ids) == 1)
    report("4. same webhook x3 concurrently",
           [f"{rounds} comments, each POSTed 3 times at the same instant (threads behind a barrier)",
            "one batch [a, b, a] POSTed 3 times at once"],
           result, ledger,
           {"rounds with exactly one 'duplicate: false' and one id": f"{flags_ok}/{rounds}"})
    assert not bad, bad
    assert all(r.status_code == 202 for r in batch_responses)
    assert flags_ok == rounds
    assert result.acknowledged == rounds + 2
    assert result.lost == 0 and result.duplicated == 0
    rows = stack.query("SELECT count(*) FROM comments WHERE site_id = :s", s=site["id"])
    assert rows[0][0] == rounds + 2


def _thread(stack, site, cid: int) -> dict:
    r = requests.get(f"{stack.base}/api/v1/comments/{cid}/thread",
                     headers={"Authorization": f"Bearer {site['api_token']}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def _edges(nodes, parent=None, out=None):
    out = {} if out is None else out
    for n in nodes:
        out[n["external_id"]] = parent
        _edges(n.get("replies", []), n["external_id"], out)
    return out


def test_5_reply_before_parent(stack_factory):
    stack = stack_factory()
    stack.start_worker(concurrency=2)
    stack.start_web()
    site = stack.create_site()
    ledger = Ledger()
    http = requests.Session()

    # a) sequential: grandchild, then child, then the root, in separate requests
    for ext, parent in (("t1-grandchild", "t1-child"), ("t1-child", "t1-root"), ("t1-root", None)):
        c = comment(ext, post={"id": "t1-post", "title": "Réforme des retraites"})
        if parent:
            c["parent_id"] = parent
        assert ledger.deliver(http, stack.base, site, [c])
    # b) one batch listing the reply before its parent
    post = {"id": "t2-post", "title": "Budget de l'Etat"}
    batch = [comment("t2-reply", post=post, parent_id="t2-root"), comment("t2-root", post=post)]
    assert ledger.deliver(http, stack.base, site, batch)
    # c) reply and parent delivered at the same instant, in different requests (many pairs)
    pairs = int(os.environ.get("COLOMBE_CHAOS_RACE_PAIRS", "60"))
    racing = []
    for i in range(pairs):
        racing.append((comment(f"t3-{i}-reply", parent_id=f"t3-{i}-root", post={"id": f"race-post-{i}"}),
                       comment(f"t3-{i}-root", post={"id": f"race-post-{i}"})))

    def race(pair):
        barrier = threading.Barrier(2)

        def go(c):
            s = requests.Session()
            try:
                barrier.wait(5)
                return ledger.deliver(s, stack.base, site, [c])
            finally:
                s.close()

        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(go, pair))

    for pair in racing:
        assert all(race(pair))
    # d) no post at all: the thread view walks parent links only
    for ext, parent in (("t4-reply", "t4-root"), ("t4-root", None)):
        c = {"id": ext, "text": f"sans billet {ext}"}
        if parent:
            c["parent_id"] = parent
        assert ledger.deliver(http, stack.base, site, [c])

    result = audit(stack, site, ledger, wait_s=60)
    rows = {r.external_id: r for r in stack.query(
        "SELECT c.external_id, c.id, c.parent_id, p.external_id AS parent_ext FROM comments c "
        "LEFT JOIN comments p ON p.id = c.parent_id WHERE c.site_id = :s", s=site["id"])}
    expected = {"t1-grandchild": "t1-child", "t1-child": "t1-root", "t2-reply": "t2-root", "t4-reply": "t4-root"}
    expected.update({f"t3-{i}-reply": f"t3-{i}-root" for i in range(pairs)})
    broken = {e: rows[e].parent_ext for e, p in expected.items() if rows[e].parent_ext != p}
    race_broken = sorted(e for e in broken if e.startswith("t3-"))
    # thread views from the API
    t1 = _edges(_thread(stack, site, ledger.acked["t1-grandchild"])["comments"])
    t2 = _edges(_thread(stack, site, ledger.acked["t2-root"])["comments"])
    t4 = _edges(_thread(stack, site, ledger.acked["t4-reply"])["comments"])
    report("5. reply before parent",
           ["3-level thread delivered leaf first, in 3 requests",
            "one batch listing a reply before its parent",
            f"{pairs} reply/parent pairs POSTed at the same instant in separate requests",
            "reply before parent with no post (thread = parent links only)"],
           result, ledger,
           {"parent links wrong (sequential/batch)": {e: p for e, p in broken.items() if not e.startswith("t3-")},
            "parent links wrong (concurrent pairs)": f"{len(race_broken)}/{pairs} {race_broken[:5]}"})
    assert t1 == {"t1-root": None, "t1-child": "t1-root", "t1-grandchild": "t1-child"}, t1
    assert t2 == {"t2-root": None, "t2-reply": "t2-root"}, t2
    assert t4 == {"t4-root": None, "t4-reply": "t4-root"}, t4
    assert result.lost == 0 and result.duplicated == 0
    if broken:
        detail = stack.query(
            "SELECT c.external_id, c.id, c.parent_id, c.parent_external_id, c.status, c.received_at, c.scored_at "
            "FROM comments c WHERE c.site_id = :s AND (c.external_id = ANY(:e) OR c.external_id = ANY(:p)) "
            "ORDER BY c.id", s=site["id"], e=list(broken), p=[expected[e] for e in broken])
        print("broken rows:\n" + "\n".join(map(str, detail)))
    assert not broken, f"replies left without their parent: {broken}"


def test_5b_reply_and_parent_in_concurrent_transactions(private_pg):
    """The first race the HTTP pairs above hit by luck, made deterministic: the reply and
    its parent are inserted by two open transactions (READ COMMITTED), so neither
    in-transaction link pass sees the other row; the webhook's post-commit link
    (service.core.ingest.link_after_commit) must repair it.

    (A second race, found by the HTTP pairs with PostgreSQL statement logs: the reply's
    post-commit link, blocked on the row a scoring worker holds, used to overwrite the
    parent's link with its stale NULL; `link_parents` now only sets a missing, findable
    parent. It depends on lock wake-up order, so only the HTTP test catches it.)"""
    from service.core.ingest import ingest_comments, link_after_commit
    from service.core.intake import CommentIn
    from service.core.sites import create_site
    from service.db.session import session_factory

    url = private_pg.create_database(f"chaos_relink_{id(private_pg) % 10000}")
    make = session_factory(url)
    with make() as s:
        site = create_site(s, "Race", "k").site
        s.commit()
        site_id = site.id
    a, b = make(), make()
    try:
        site_a, site_b = a.get(type(site), site_id), b.get(type(site), site_id)
        reply_in, parent_in = [CommentIn("r", "a reply", parent_external_id="p")], [CommentIn("p", "the parent")]
        reply = ingest_comments(a, site_a, reply_in)  # with the in-transaction link pass
        parent = ingest_comments(b, site_b, parent_in)
        a.commit()
        b.commit()
        linked_before = a.scalar(sa_text("SELECT parent_id FROM comments WHERE external_id = 'r'"))
        say(f"interleaved transactions: reply.parent_id before relink = {linked_before}")
        # what core.intake.accept does after each commit (reply request, then parent request)
        link_after_commit(a, site_id, reply_in, reply)
        link_after_commit(b, site_id, parent_in, parent)
        linked = a.scalar(sa_text("SELECT parent_id FROM comments WHERE external_id = 'r'"))
    finally:
        a.close()
        b.close()
    assert linked_before is None  # the race is real: the in-transaction pass alone misses it
    assert linked == parent[0].id


def sa_text(sql):
    from sqlalchemy import text

    return text(sql)
