"""The thread view shows each comment's status, reasons, scores and highlights, and only the
actions that apply to it."""
from __future__ import annotations

from tests.e2e.conftest import login, statuses


def test_thread_shows_scores_highlights_and_only_applicable_actions(page, world):
    base, c = world["url"], world["c"]
    login(page, base, world["moderator"])
    page.goto(f"{base}/comments/{c['c2']}")
    bob = page.locator(f'.item[data-comment-id="{c["c2"]}"]')
    alice = page.locator(f'.item[data-comment-id="{c["c1"]}"]')
    assert bob.locator(".badge").inner_text().lower() == "pending"
    assert "Why held" in bob.inner_text() and "Why held" not in alice.inner_text()  # Alice was approved
    assert bob.locator(".score").count() == 8
    assert bob.locator('.score.band-high[data-label="insult"]').count() == 1
    assert bob.locator('.score[data-label="spam"]').get_attribute("data-band") == "low"
    assert bob.get_attribute("data-suggest") == "toxic"
    page.wait_for_selector('#items[data-spans-loaded="1"]')
    assert bob.locator("mark.hl").first.inner_text() == "idiot"
    # actions: Alice is approved (no Approve), nobody has anything to undo yet
    assert alice.locator('button[data-act="reject"]').is_visible()
    assert not alice.locator('button[data-act="approve"]').is_visible()
    assert not bob.locator('button[data-act="undo"]').is_visible()
    page.keyboard.press("a")  # the thread focuses its target comment
    page.wait_for_selector(f'.item[data-comment-id="{c["c2"]}"][data-status="approved"]')
    assert not bob.locator('button[data-act="approve"]').is_visible()
    assert bob.locator('button[data-act="undo"]').is_visible() and bob.locator('button[data-act="reject"]').is_visible()
    assert statuses(world["settings"], [c["c2"]]) == {c["c2"]: "approved"}
    bob.locator('button[data-act="undo"]').click()
    page.wait_for_selector(f'.item[data-comment-id="{c["c2"]}"][data-status="pending"]')
    assert page.js_errors == []
