"""The moderator UI in a real browser: log in, decide with the keyboard, bulk, undo, audit, access, XSS."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login, screenshot, statuses


def item(page, cid):
    return page.locator(f'.item[data-comment-id="{cid}"]')


def focused_id(page):
    return page.evaluate("document.querySelector('.item.is-focused')?.getAttribute('data-comment-id')")


def test_keyboard_approve_reject_undo(page, world):
    base, c = world["url"], world["c"]
    login(page, base, world["moderator"])
    items = page.locator(".item:visible")
    # six held comments of site A, highest score first; the other site's comment is not there
    assert items.count() == 6
    assert not page.locator(f'.item[data-comment-id="{world["other"]}"]').count()
    assert not page.locator(f'.item[data-comment-id="{c["c1"]}"]').count()  # auto-approved
    assert items.last.get_attribute("data-comment-id") == str(c["c3"])  # spam 0.70 is the lowest
    first = items.first.get_attribute("data-comment-id")
    assert focused_id(page) == first
    # why, scores, reply context, author history, highlighted words
    bob = item(page, c["c2"])
    assert "insult 0.95 ≥ 0.90" in bob.inner_text()
    assert "In reply to Alice" in bob.inner_text()
    assert bob.locator("meter").count() == 8
    page.wait_for_selector('#items[data-spans-loaded="1"]')
    assert bob.locator("mark.hl").first.inner_text() == "idiot"
    screenshot(page, "queue")

    page.keyboard.press("j")
    second = items.nth(1).get_attribute("data-comment-id")
    assert focused_id(page) == second
    page.keyboard.press("k")
    assert focused_id(page) == first

    page.keyboard.press("a")  # approve the focused item: it leaves the view, the next gets focus
    expect_hidden(page, first)
    assert focused_id(page) == second
    page.keyboard.press("r")
    page.wait_for_selector("#reason-picker:not([hidden])")
    page.keyboard.press("Enter")  # suggested reason
    expect_hidden(page, second)
    third = focused_id(page)
    page.keyboard.press("r")
    page.keyboard.press("2")  # spam
    expect_hidden(page, third)
    got = statuses(world["settings"], [int(first), int(second), int(third)])
    assert got == {int(first): "approved", int(second): "rejected", int(third): "rejected"}

    page.keyboard.press("u")  # undo the last action: the third comment comes back, focused
    page.wait_for_selector(f'.item[data-comment-id="{third}"]:visible')
    assert item(page, third).get_attribute("data-status") == "pending"
    assert focused_id(page) == third
    assert statuses(world["settings"], [int(third)]) == {int(third): "pending"}

    page.keyboard.press("?")
    page.wait_for_selector("#help:not([hidden])")
    assert "Keyboard shortcuts" in page.inner_text("#help")
    page.keyboard.press("Escape")
    page.wait_for_selector("#help", state="hidden")
    assert page.js_errors == []


def expect_hidden(page, cid):
    page.wait_for_selector(f'.item[data-comment-id="{cid}"]', state="hidden")


def test_click_focuses_and_typing_never_triggers_shortcuts(page, world):
    base, c = world["url"], world["c"]
    login(page, base, world["moderator"])
    item(page, c["c3"]).locator(".ctext").click()
    assert focused_id(page) == str(c["c3"])
    page.fill("input[name=q]", "")
    page.click("input[name=q]")
    page.keyboard.type("arju")  # a, r, j, u typed in the search box do nothing
    assert page.input_value("input[name=q]") == "arju"
    assert focused_id(page) == str(c["c3"])
    assert statuses(world["settings"], [c["c3"]]) == {c["c3"]: "pending"}
    page.keyboard.press("Enter")  # submits the search form
    page.wait_for_url(re.compile(r".*q=arju.*"))
    assert page.locator(".item").count() == 0


def test_bulk_approve_undo_and_audit_log(page, world):
    base, c = world["url"], world["c"]
    login(page, base, world["moderator"])
    item(page, c["c4"]).locator(".sel").check()
    item(page, c["c5"]).locator(".ctext").click()
    page.keyboard.press("x")
    assert "2 selected" in page.inner_text("#selected-count")
    page.click("#bulk-approve")
    expect_hidden(page, c["c4"])
    expect_hidden(page, c["c5"])
    assert statuses(world["settings"], [c["c4"], c["c5"]]) == {c["c4"]: "approved", c["c5"]: "approved"}
    page.keyboard.press("u")
    page.wait_for_selector(f'.item[data-comment-id="{c["c4"]}"]:visible')
    assert statuses(world["settings"], [c["c4"], c["c5"]]) == {c["c4"]: "pending", c["c5"]: "pending"}
    # reject everything matching a filter (the spam label) with a reason
    page.goto(f"{base}/queue?label=spam")
    assert page.locator(".item").count() == 1
    page.check("#select-matching")
    page.select_option("#bulk-reason", "spam")
    page.click("#bulk-reject")
    page.wait_for_selector("#confirm:not([hidden])")  # acting on a whole filter asks first, with the count
    assert page.inner_text("#confirm-text") == "Reject 1 comment?"
    assert statuses(world["settings"], [c["c3"]]) == {c["c3"]: "pending"}
    page.click("#confirm-yes")
    expect_hidden(page, c["c3"])
    assert statuses(world["settings"], [c["c3"]]) == {c["c3"]: "rejected"}

    page.goto(f"{base}/audit?moderator={world['moderator']}")
    rows = page.locator("#audit tbody tr")
    text = page.inner_text("#audit")
    assert rows.count() == 5  # 2 approvals, 2 undos, 1 rejection
    assert f"user:{world['moderator']}" in text and "pending → rejected" in text and "approved → pending" in text
    page.select_option("select[name=action]", "undo")
    page.click(".audit-filters button[type=submit]")
    page.wait_for_url(re.compile(r".*action=undo.*"))
    assert page.locator("#audit tbody tr").count() == 2
    screenshot(page, "audit")


def test_moderator_cannot_open_other_sites_comment(page, world):
    base = world["url"]
    login(page, base, world["moderator"])
    resp = page.goto(f"{base}/comments/{world['other']}")
    assert resp.status == 404
    resp = page.goto(f"{base}/queue?site={world['b']}")
    assert resp.status == 404
    resp = page.goto(f"{base}/comments/{world['c']['c2']}")
    assert resp.status == 200


def test_markup_in_comments_is_inert(page, world):
    base, c = world["url"], world["c"]
    login(page, base, world["moderator"])
    text = item(page, c["c7"]).locator(".ctext").inner_text()
    assert "<script>window.__xss=3</script>" in text and 'onerror="window.__xss=4"' in text
    assert item(page, c["c6"]).inner_text().count("<img src=x onerror=alert(1)>") == 1  # author name, as text
    page.goto(f"{base}/comments/{c['c6']}")
    target = page.locator("#focus-comment")
    assert "Regardez" in target.inner_text()
    assert target.locator("script").count() == 0 and target.locator("img").count() == 0
    href = target.locator("a").first.get_attribute("href")
    assert href is None or not href.startswith("javascript")
    assert page.evaluate("window.__xss") is None
    # thread: the post and the reply tree (Bob replied to Alice)
    page.goto(f"{base}/comments/{c['c2']}")
    assert page.locator(f'.tree > li > .item[data-comment-id="{c["c1"]}"] + ol .item[data-comment-id="{c["c2"]}"]').count() == 1
    assert "Vélo en ville" in page.inner_text("section.post")
    screenshot(page, "thread")
    page.goto(f"{base}/queue")
    assert page.evaluate("window.__xss") is None
    assert page.js_errors == []


def test_dashboard_french_and_logout(page, world):
    base = world["url"]
    login(page, base, world["moderator"])
    # the shortcut's request runs in the page: wait for its answer, or the dashboard can be read before it commits
    with page.expect_response(lambda r: r.url.endswith("/ui/actions") and r.request.method == "POST") as answer:
        page.keyboard.press("a")
    assert answer.value.status == 200 and answer.value.json()["count"] == 1
    page.goto(f"{base}/dashboard")
    # per day in / automatic / held / people, the wait, overturns per label, hold reasons
    today = page.locator("#dash-days tbody tr").first.locator("td")
    assert [today.nth(i).inner_text() for i in (1, 4, 5)] == ["7", "6", "1"]  # 7 in, 6 held, 1 decision by a person
    assert page.locator("#dash-wait .big").inner_text() != "–"
    assert page.locator('#dash-overturns tr[data-label="insult"] td').nth(2).inner_text().startswith("100%")
    assert "insult" in page.inner_text("#dash-reasons")
    screenshot(page, "dashboard")
    page.click(".lang-switch button[value=fr]")
    page.wait_for_selector("text=Taille de la file par site")
    page.goto(f"{base}/queue")
    assert page.locator("button.approve").first.inner_text().startswith("Approuver")
    page.wait_for_selector('#items[data-spans-loaded="1"]')
    screenshot(page, "queue_fr")
    page.click(".lang-switch button[value=en]")
    page.click("#logout")
    page.wait_for_url(re.compile(r".*/login$"))
    assert page.goto(f"{base}/queue").url.endswith("/login?next=/queue") or "/login" in page.url


def test_deliveries_page_shows_and_retries_dead_letters(page, world):
    from service.db.integration_tables import Delivery
    from service.db.session import session_scope
    from service.db.tables import Comment
    from tests.unit.moderation import seed

    base, c = world["url"], world["c"]
    with session_scope(world["settings"].database_url) as s:
        mine = seed.delivery(s, s.get(Comment, c["c2"]), last_error="<img src=x onerror=\"window.__xss=5\"> HTTP 500").id
        other = seed.delivery(s, s.get(Comment, world["other"])).id
    login(page, base, world["moderator"])
    assert page.inner_text("#dead-count").startswith("1")
    page.click("#nav-deliveries")
    page.wait_for_url(re.compile(r".*/deliveries\?status=dead$"))
    row = page.locator(f'tr[data-delivery-id="{mine}"]')
    assert "<img src=x" in row.locator(".last-error").inner_text()
    assert not page.locator(f'tr[data-delivery-id="{other}"]').count()
    row.locator("button.retry").click()
    page.wait_for_selector("#delivery-notice")
    assert not page.locator(f'tr[data-delivery-id="{mine}"]').count()
    with session_scope(world["settings"].database_url) as s:
        assert s.get(Delivery, mine).status == "pending" and s.get(Delivery, other).status == "dead"
    assert page.evaluate("window.__xss") is None
    assert page.js_errors == []
