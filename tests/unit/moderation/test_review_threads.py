"""Issue #15, item 8: reply chains hundreds deep render (thread page and thread API),
iteratively, with a capped displayed depth; every comment is still shown."""
from __future__ import annotations

import json
import re

import pytest

from tests.unit.moderation import seed


def _chain(db_session, depth: int, with_post: bool = True):
    a = seed.site(db_session, "Deep")
    post = seed.post(db_session, a.site.id, "deep-post", "Article") if with_post else None
    ids, parent = [], None
    for i in range(depth):
        c = seed.comment(db_session, a.site.id, post.id if post else None, f"d{i}", f"réponse {i}", parent_id=parent)
        parent = c.id
        ids.append(c.id)
    seed.user(db_session, "admin", "admin")
    db_session.commit()
    return a, ids


def _json_depth(value) -> int:
    depth, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        depth = max(depth, d)
        if isinstance(v, dict):
            stack += [(x, d + 1) for x in v.values()]
        elif isinstance(v, list):
            stack += [(x, d + 1) for x in v]
    return depth


def _max_ol_nesting(html: str) -> int:
    level = best = 0
    for tag in re.findall(r"</?ol\b", html):
        level += -1 if tag.startswith("</") else 1
        best = max(best, level)
    return best


@pytest.mark.parametrize("depth, with_post", [(300, True), (600, True), (500, False)])
def test_deep_reply_chains_render(browser, db_session, depth, with_post):
    from service.core.threads import API_MAX_DEPTH, UI_MAX_DEPTH

    a, ids = _chain(db_session, depth, with_post)
    browser.login("admin")
    for focus in (ids[-1], ids[0], ids[depth // 2]):
        r = browser.get(f"/comments/{focus}")
        assert r.status_code == 200, (depth, focus)
        html = r.data.decode()
        assert all(f'data-comment-id="{i}"' in html for i in ids)  # every comment shown
        assert _max_ol_nesting(html) <= UI_MAX_DEPTH + 1
        assert html.count("<li>") == html.count("</li>") and html.count("<ol") == html.count("</ol>")
    token = a.api_token
    r = browser.client.get(f"/api/v1/comments/{ids[-1]}/thread", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    doc = r.get_json()
    seen, stack = [], list(doc["comments"])
    while stack:
        node = stack.pop()
        seen.append(node["id"])
        stack += node["replies"]
    assert sorted(seen) == sorted(ids)
    assert _json_depth(doc) <= 2 * API_MAX_DEPTH + 6
    assert json.loads(r.data)  # plain JSON any client can parse with default recursion limits


def test_shallow_threads_keep_their_shape():
    from service.core.threads import build_tree, flatten_tree

    class C:
        def __init__(self, id, parent_id=None):
            self.id, self.parent_id = id, parent_id

    import service.core.threads as threads

    original = threads.comment_json
    threads.comment_json = lambda m, post, brief=True: {"id": m.id, "parent_id": m.parent_id}
    try:
        members = [C(1), C(2, 1), C(3, 2), C(4, 1), C(5), C(6, 7), C(7, 6), C(8, 3)]
        shapes = {d: {n["id"]: [r["id"] for r in n["replies"]] for n in _walk(build_tree(members, max_depth=d))}
                  for d in (3, 2, 1)}
        roots = build_tree(members, max_depth=1)
    finally:
        threads.comment_json = original
    # 6 and 7 answer each other: both roots. 8 is 3 levels deep.
    assert shapes[3] == {1: [2, 4], 2: [3], 3: [8], 4: [], 5: [], 6: [], 7: [], 8: []}
    assert shapes[2][2] == [3, 8] and shapes[2][3] == []  # shown at level 2, under 2
    assert shapes[1][1] == [2, 3, 4, 8] and shapes[1][2] == []
    steps = flatten_tree(roots)
    assert [s[0] for s in steps].count("open") == len(members)
    assert sum(1 for s in steps if s[0] == "down") == sum(1 for s in steps if s[0] == "up")


def _walk(roots):
    stack = list(roots)
    while stack:
        n = stack.pop()
        yield n
        stack += n["replies"]
