"""Every screen in both languages: in French no English interface text is left, in English
no raw label key (off_topic, identity_attack, approved_count…) shows."""
from __future__ import annotations

import itertools
import re

import pytest

from service.moderation.i18n import FR, PLURALS
from tests.e2e.conftest import login, screenshot

RAW_KEY = re.compile(r"\b(?:off_topic|severe_toxicity|identity_attack|banned_word|suspect_word|trusted_author|"
                     r"author_rule|[a-z]+_count|[a-z]+_action)\b")
# English interface words that must not appear on a French page (whole words, case-sensitive)
ENGLISH_WORDS = ["Approve", "Reject", "Undo", "Pending", "Approved", "Rejected", "Thread", "Author", "Queue",
                 "Dashboard", "Why held", "comments match", "selected", "Keyboard shortcuts", "Scores", "Cancel",
                 "Filters", "Search", "Language", "Reason", "Settings", "Users", "Log out", "low score"]
_admins = itertools.count(1)


def english_leftovers(text: str) -> list[str]:
    phrases = {k for k, v in FR.items() if k != v and " " in k and len(k) > 12 and "{" not in k}
    phrases |= {p for pair in PLURALS for p in pair if "{" not in p}
    found = [p for p in phrases if p in text]
    found += [w for w in ENGLISH_WORDS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    return sorted(set(found))


def visible_text(page) -> str:
    # the visible interface text; comment texts, author names and post titles are people's words, not ours
    return page.evaluate("""() => {
      const clone = document.body.cloneNode(true);
      clone.querySelectorAll('.ctext, .ctext-html, .parent-text, .post-link, .author strong, code, .secret, '
        + '.last-error, .post-text, h1, .tnode strong, .hidden-from-scan, [hidden], .actor').forEach(e => e.remove());
      return clone.innerText;
    }""")


def screens(world, admin_site):
    c = world["c"]
    return [
        ("queue", "/queue"), ("queue_approved", "/queue?status=approved"), ("queue_rejected", "/queue?status=rejected"),
        ("queue_spam", "/queue?status=spam"), ("queue_all", "/queue?status=all"), ("thread", f"/comments/{c['c2']}"),
        ("dashboard", "/dashboard?fresh=1"), ("audit", "/audit"), ("deliveries", "/deliveries"),
        ("admin_sites", "/admin/sites"), ("admin_site", f"/admin/sites/{admin_site}"), ("admin_users", "/admin/users"),
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_screen_in_both_languages(page, world, lang):
    from service.db.session import session_scope
    from tests.unit.moderation import seed

    base = world["url"]
    admin = f"admin{next(_admins)}{lang}"
    with session_scope(world["settings"].database_url) as s:
        seed.user(s, admin, "admin")
    login(page, base, admin)
    # some history first: an approval, a spam rejection, an author rule
    page.keyboard.press("a")
    page.wait_for_function("document.querySelector('[data-status-tab=approved]').dataset.count !== '1'")
    page.click(".lang-switch button[value=%s]" % lang)
    page.wait_for_load_state()
    problems = {}
    for name, path in screens(world, world["a"]):
        resp = page.goto(base + path)
        assert resp.status == 200, path
        text = visible_text(page)
        bad = RAW_KEY.findall(text)
        if lang == "fr":
            bad += english_leftovers(text)
        elif name == "queue":  # the scanner sees the interface: the English page is full of it
            assert {"Approve", "Reject", "Pending", "Keyboard shortcuts"} <= set(english_leftovers(text))
        header = page.evaluate("() => document.querySelector('header.top').getBoundingClientRect().height")
        if header > 60:  # the top bar wraps onto a second line at 1280 px
            bad.append(f"top bar {header:.0f} px high")
        if bad:
            problems[name] = sorted(set(bad))
        if name in ("queue", "dashboard", "thread"):
            screenshot(page, f"{name}_{lang}")
    assert problems == {}
    assert page.js_errors == []


def test_dashboard_text_is_at_least_12px(page, world):
    login(page, world["url"], world["moderator"])
    page.goto(world["url"] + "/dashboard?fresh=1")
    smallest = page.evaluate("""() => {
      let min = 99;
      for (const el of document.querySelectorAll('main *')) {
        if (!el.childNodes.length || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
        let size = parseFloat(getComputedStyle(el).fontSize);
        const svg = el.closest('svg');
        if (svg) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        min = Math.min(min, size);
      }
      return min;
    }""")
    assert smallest >= 12
    # every table fits in its card: no column cut off at 1280 px
    clipped = page.evaluate("""() => [...document.querySelectorAll('main table')]
        .filter(t => t.getBoundingClientRect().right > t.closest('section').getBoundingClientRect().right + 1)
        .map(t => t.closest('section').id || t.closest('section').querySelector('h2').textContent)""")
    assert clipped == []
