"""Issue #15 in a real browser (Debian's chromium): the redirect after login stays on the
site (items 1), a copied session cookie dies with logout (item 2), and a thread hundreds
of replies deep renders (item 8)."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.e2e.conftest import login

EVIL = ["/%09/evil.example/", "/%0A/evil.example/", "/%5C/evil.example/", "//evil.example/",
        "/%09%09//evil.example/", "https://evil.example/"]


def _watch_hosts(page) -> list[str]:
    """Every host the page tries to load; evil.example is answered here, never by a network."""
    hosts: list[str] = []

    def handle(route):
        host = urlsplit(route.request.url).hostname or ""
        hosts.append(host)
        if host.endswith("evil.example"):
            route.fulfill(status=200, body="<h1>evil</h1>", content_type="text/html")
        else:
            route.continue_()

    page.context.route("**/*", handle)
    return hosts


def test_login_never_lands_off_site(page, world):
    base = world["url"]
    hosts = _watch_hosts(page)
    # a fresh login through the hidden `next` field
    page.goto(f"{base}/login?next={EVIL[0]}")
    from tests.unit.moderation.seed import PASSWORD

    page.fill("input[name=username]", world["moderator"])
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("load")
    assert urlsplit(page.url).hostname == "127.0.0.1" and urlsplit(page.url).path == "/queue", page.url
    # and already logged in
    for target in EVIL:
        page.goto(f"{base}/login?next={target}")
        assert urlsplit(page.url).hostname == "127.0.0.1", (target, page.url)
    assert not any(h.endswith("evil.example") for h in hosts), hosts


def test_a_copied_cookie_dies_with_logout(chromium, page, world):
    base = world["url"]
    login(page, base, world["moderator"])
    cookies = [c for c in page.context.cookies() if c["name"] == "colombe_session"]
    thief = chromium.new_context()
    try:
        thief.add_cookies(cookies)
        other = thief.new_page()
        other.goto(f"{base}/queue")
        assert urlsplit(other.url).path == "/queue"  # the copy works while the session lives
        page.click("#logout")
        page.wait_for_url(f"{base}/login")
        other.goto(f"{base}/queue")
        assert urlsplit(other.url).path == "/login", other.url
    finally:
        thief.close()


def test_a_reply_chain_300_deep_renders(page, world):
    from service.db.session import session_scope
    from tests.unit.moderation import seed

    base, settings = world["url"], world["settings"]
    with session_scope(settings.database_url) as s:
        post = seed.post(s, world["a"], "deep-e2e", "Un fil très long")
        parent, ids = None, []
        for i in range(300):
            c = seed.comment(s, world["a"], post.id, f"deep-e2e-{i}", f"réponse numéro {i}", parent_id=parent)
            parent = c.id
            ids.append(c.id)
    login(page, base, world["moderator"])
    page.goto(f"{base}/comments/{ids[-1]}")
    assert page.locator(".tnode").count() == 300
    assert page.locator("#focus-comment").is_visible()
    assert not page.js_errors, page.js_errors
