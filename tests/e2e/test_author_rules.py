"""Per-author actions from the card: trust an author, always hold another, show all their
comments; each change is in the audit log and can be taken back."""
from __future__ import annotations

import re

from tests.e2e.conftest import login, post_webhook, statuses


def item(page, cid):
    return page.locator(f'.item[data-comment-id="{cid}"]')


def score_new(world, ext, text, author):
    from sqlalchemy import select

    from service.db.session import session_scope
    from service.db.tables import Comment
    from tests.unit.moderation import seed

    post_webhook(world["url"], world["a"], world["a_secret"],
                 {"id": ext, "text": text, "author": {"name": author}, "post": {"id": "px", "title": "X"}})
    with session_scope(world["settings"].database_url) as s:
        c = s.scalar(select(Comment).where(Comment.site_id == world["a"], Comment.external_id == ext))
        seed.score(s, [c], seed.ExplainingFake())
        return c.id, c.status, list(c.reasons or [])


def test_trust_hold_and_take_back(page, world):
    base, c = world["url"], world["c"]
    login(page, base, world["moderator"])
    bob = item(page, c["c2"]).locator(".author-actions")
    assert bob.get_attribute("data-rule") == ""
    assert not bob.locator(".rule-trust").is_visible() and not bob.locator('[data-author-rule=""]').is_visible()
    bob.locator('[data-author-rule="trust"]').click()
    page.wait_for_selector(f'.item[data-comment-id="{c["c2"]}"] .author-actions[data-rule="trust"]')
    assert bob.locator(".rule-trust").is_visible() and not bob.locator('[data-author-rule="trust"]').is_visible()
    # Bob's next comment is approved even though its words would hold it
    cid, status, reasons = score_new(world, "bob-2", "Encore un idiot de maire", "Bob")
    assert status == "approved" and reasons[0]["kind"] == "author_trusted"

    carl = item(page, c["c4"]).locator(".author-actions")
    carl.locator('[data-author-rule="hold"]').click()
    page.wait_for_selector(f'.item[data-comment-id="{c["c4"]}"] .author-actions[data-rule="hold"]')
    cid2, status, reasons = score_new(world, "carl-2", "Merci pour cet article très clair.", "Carl")
    assert status == "pending" and reasons[0]["kind"] == "author_held"
    page.reload()
    assert "author always held" in item(page, cid2).inner_text()
    assert item(page, cid2).locator(".author-actions").get_attribute("data-rule") == "hold"

    # take the trust back: Bob's comments are scored normally again
    item(page, c["c2"]).locator('[data-author-rule=""]').click()
    page.wait_for_selector(f'.item[data-comment-id="{c["c2"]}"] .author-actions[data-rule=""]')
    _, status, _ = score_new(world, "bob-3", "Encore un idiot", "Bob")
    assert status == "pending"

    # all their comments: every status, this author only
    item(page, c["c2"]).locator("a.author-link").click()
    page.wait_for_url(re.compile(r".*author=.*"))
    assert page.locator("[data-status-tab=all]").get_attribute("aria-current") == "page"
    ids = {int(x) for x in page.locator(".item").evaluate_all("els => els.map(e => e.dataset.commentId)")}
    assert c["c2"] in ids and cid in ids and c["c4"] not in ids
    assert statuses(world["settings"], [cid]) == {cid: "approved"}

    page.goto(f"{base}/audit")
    rows = page.locator("#author-rules tbody tr")
    assert rows.count() == 3
    text = page.inner_text("#author-rules")
    assert "no rule → trusted author" in text and "trusted author → no rule" in text and "no rule → always held" in text
    assert f"user:{world['moderator']}" in text
    assert page.js_errors == []


def test_author_rule_endpoint_refuses_bad_input_and_other_sites(page, world):
    base = world["url"]
    login(page, base, world["moderator"])
    token = page.get_attribute('meta[name="csrf-token"]', "content")

    def post(body):
        return page.request.post(f"{base}/ui/author-rule", data=body,
                                 headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
    assert post({"comment_id": world["other"], "rule": "trust"}).status == 404  # another site's comment
    assert post({"comment_id": world["c"]["c2"], "rule": "ban"}).status == 422
    assert post({"comment_id": "x", "rule": "trust"}).status == 422
    assert post([1, 2]).status == 400
    resp = page.request.post(f"{base}/ui/author-rule", data={"comment_id": world["c"]["c2"], "rule": "trust"},
                             headers={"Content-Type": "application/json"})
    assert resp.status in (400, 403)  # no CSRF token
