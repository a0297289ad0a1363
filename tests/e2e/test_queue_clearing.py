"""A moderator clears a 50-comment mixed queue with the keyboard alone: no reload, and after
every step every number on the page (tab counts, "n comments match", "All matching (n)")
equals what the database says."""
from __future__ import annotations

import itertools

import pytest

from tests.e2e.conftest import login, screenshot

_n = itertools.count(1)

TEXTS = [
    "Tu es un idiot, rien compris.",                 # insult → held, reject as toxic
    "Buy now cheap bikes http://spam.example",       # spam → held, reject as spam
    "Quel connard ce maire, buy now http://x.example",  # both
    "idiot idiot idiot",
    "Lien utile : http://velo.example/guide",        # spam score only: a human approves
]


@pytest.fixture
def queue50(e2e_server):
    from service.db.session import session_scope
    from tests.unit.moderation import seed

    n = next(_n)
    settings = e2e_server["settings"]
    with session_scope(settings.database_url) as s:
        site = seed.site(s, f"Clearing {n}", settings.secret_key).site
        seed.user(s, f"clear{n}", "moderator", [site.id])
        post = seed.post(s, site.id, ext=f"p{n}")
        rows = [seed.comment(s, site.id, post.id, f"c{i}", TEXTS[i % len(TEXTS)] + f" #{i}", author=f"a{n}_{i % 7}",
                             age_s=1000 - i) for i in range(50)]
        rows += [seed.comment(s, site.id, post.id, f"ok{i}", f"Merci pour l'article {i}", author=f"b{n}")
                 for i in range(3)]
        seed.score(s, rows, seed.ExplainingFake())
        site_id = site.id
    return {"site": site_id, "user": f"clear{n}", "url": e2e_server["url"], "settings": settings}


def db_counts(settings, site_id) -> dict:
    """The tab counts computed here, independently of the page's code."""
    from sqlalchemy import select

    from service.db.session import session_scope
    from service.db.tables import Comment

    with session_scope(settings.database_url) as s:
        rows = s.execute(select(Comment.status, Comment.flag_labels).where(Comment.site_id == site_id)).all()
    out = {"pending": 0, "approved": 0, "rejected": 0, "spam": 0, "all": len(rows)}
    for status, flags in rows:
        if status == "rejected" and ",spam," in (flags or ""):
            out["spam"] += 1
        elif status in out:
            out[status] += 1
    return out


READ_NUMBERS = """() => {
  const tabs = {};
  document.querySelectorAll('[data-status-tab]').forEach(t => {
    tabs[t.dataset.statusTab] = {count: t.dataset.count, text: t.innerText};
  });
  return {tabs, match: document.getElementById('match-text').innerText,
          matching: document.getElementById('matching-label').innerText,
          total: document.getElementById('bulk').dataset.total,
          visible: [...document.querySelectorAll('.item')].filter(e => !e.hidden).length,
          empty: (() => { const e = document.querySelector('#items .empty'); return e && !e.hidden ? e.innerText : null; })(),
          marker: window.__noReload === 1};
}"""


def check_numbers(page, settings, site_id) -> dict:
    want = db_counts(settings, site_id)
    got = page.evaluate(READ_NUMBERS)
    assert got["marker"], "the page was reloaded"
    for tab, n in want.items():
        assert got["tabs"][tab]["count"] == str(n), (tab, got["tabs"], want)
        assert f"({n})" in got["tabs"][tab]["text"]
    p = want["pending"]
    assert got["match"] == (f"{p} comment matches" if p == 1 else f"{p} comments match")
    assert got["matching"] == f"All matching the filter ({p})"
    assert got["total"] == str(p)
    return want


def wait_pending(page, n: int) -> None:
    page.wait_for_function(
        "n => document.querySelector('[data-status-tab=pending]').dataset.count === String(n)", arg=n)


def test_clear_50_comment_queue_with_the_keyboard(page, queue50):
    settings, site = queue50["settings"], queue50["site"]
    login(page, queue50["url"], queue50["user"])
    page.evaluate("window.__noReload = 1")
    start = check_numbers(page, settings, site)
    assert start["pending"] == 50 and start["approved"] == 3 and start["all"] == 53
    assert page.locator("[data-status-tab=pending]").get_attribute("aria-current") == "page"
    pending = 50
    step = 0
    while pending:
        page.wait_for_selector(".item.is-focused:not([hidden])")
        text = page.locator(".item.is-focused .ctext").inner_text()
        if step % 9 == 4:  # now and then: approve, then take it back
            page.keyboard.press("a")
            wait_pending(page, pending - 1)
            check_numbers(page, settings, site)
            page.keyboard.press("u")
            wait_pending(page, pending)
            check_numbers(page, settings, site)
            page.wait_for_selector(".item.is-focused:not([hidden])")
            text = page.locator(".item.is-focused .ctext").inner_text()
        if "Lien utile" in text:
            page.keyboard.press("a")
        else:
            suggested = page.locator(".item.is-focused").get_attribute("data-suggest")
            assert suggested == ("spam" if "Buy now" in text else "toxic"), text
            page.keyboard.press("r")
            page.wait_for_selector("#reason-picker:not([hidden])")
            page.keyboard.press("Enter")  # the suggested reason
        pending -= 1
        step += 1
        wait_pending(page, pending)
        check_numbers(page, settings, site)
    end = check_numbers(page, settings, site)
    assert end == {"pending": 0, "approved": 3 + 10, "rejected": 20, "spam": 20, "all": 53}
    page.wait_for_selector("#items .empty:not([hidden])")
    assert "The queue is empty" in page.inner_text("#items .empty")
    screenshot(page, "queue_cleared")
    assert page.js_errors == []


def visible_cards(page) -> int:
    return page.evaluate("""() => [...document.querySelectorAll('.item')].filter(e => {
      const r = e.getBoundingClientRect(); return !e.hidden && r.top >= 0 && r.top < innerHeight - 40; }).length""")


def test_density_and_bulk_numbers(page, queue50):
    settings, site = queue50["settings"], queue50["site"]
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, queue50["url"], queue50["user"])
    page.evaluate("window.__noReload = 1")
    assert visible_cards(page) >= 5  # comfortable: about 5 cards on a 1366x900 screen
    page.click("#density-toggle")
    assert visible_cards(page) >= 9  # compact: about 10
    assert page.inner_text("#density-toggle") == "Comfortable view"
    page.reload()  # the choice is remembered
    assert page.evaluate("document.body.classList.contains('compact')")
    page.evaluate("window.__noReload = 1")
    # bulk on selected items, then undo: every number follows
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.inner_text("#selected-count") == "2 selected"
    page.click("#bulk-approve")
    wait_pending(page, 48)
    check_numbers(page, settings, site)
    page.keyboard.press("u")
    wait_pending(page, 50)
    check_numbers(page, settings, site)
    # all matching the filter: asks with the count, Esc cancels, Enter confirms
    page.check("#select-matching")
    assert page.inner_text("#selected-count") == "50 selected"
    page.click("#bulk-approve")
    page.wait_for_selector("#confirm:not([hidden])")
    assert page.inner_text("#confirm-text") == "Approve 50 comments?"
    page.keyboard.press("Escape")
    page.wait_for_selector("#confirm", state="hidden")
    assert db_counts(settings, site)["pending"] == 50
    page.click("#bulk-approve")
    page.wait_for_selector("#confirm:not([hidden])")
    page.keyboard.press("Enter")
    wait_pending(page, 0)
    end = check_numbers(page, settings, site)
    assert end["approved"] == 53
    page.wait_for_selector("#items .empty:not([hidden])")
    assert page.js_errors == []
