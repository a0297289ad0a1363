"""Browser tests: a real server (werkzeug thread) driven by Debian's chromium through Playwright.

The app runs in this process with a recording dispatcher; comments arrive through the
signed webhook over HTTP and are then scored with the deterministic fake model, so the
queue content is known. Each test seeds its own site and moderator, so tests do not
depend on each other's decisions.
"""
from __future__ import annotations

import itertools
import json
import os
import threading
import urllib.request
from pathlib import Path

import pytest


CHROMIUM = os.environ.get("COLOMBE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory):
    from werkzeug.serving import make_server

    from service.app import create_app
    from service.config import Settings
    from service.db.migrate import upgrade
    from tests.conftest import free_port
    from tests.fakes import RecordingDispatcher
    from tests.unit.moderation.seed import ExplainingFake

    data_dir = tmp_path_factory.mktemp("e2e")
    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(data_dir)}, testing=True)
    upgrade(settings.database_url)
    app = create_app(settings, dispatcher=RecordingDispatcher())
    app.extensions["colombe_moderation"]["model"] = ExplainingFake()
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{port}", "settings": settings}
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: run scripts/ensure-browser.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("dialog", lambda d: (errors.append(f"dialog opened: {d.message}"), d.dismiss()))
    # CSP violations and failed scripts show up as console errors; 404 pages are expected in some tests
    pg.on("console", lambda m: errors.append(f"console: {m.text}")
          if m.type == "error" and "404" not in m.text else None)
    pg.js_errors = errors
    yield pg
    context.close()


def post_webhook(base_url: str, site_id: str, secret: str, payload: dict) -> dict:
    from tests.conftest import sign_headers

    body = json.dumps(payload).encode()
    req = urllib.request.Request(f"{base_url}/api/v1/sites/{site_id}/comments", data=body, method="POST",
                                 headers=sign_headers(secret, body))
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture
def world(e2e_server):
    """A site of our own (with comments arriving by webhook, then scored), a second site,
    a moderator assigned to the first one only."""
    from sqlalchemy import select

    from service.db.session import session_scope
    from service.db.tables import Comment
    from tests.unit.moderation import seed

    n = next(_counter)
    settings = e2e_server["settings"]
    with session_scope(settings.database_url) as s:
        a = seed.site(s, f"Blog A{n}", settings.secret_key)
        b = seed.site(s, f"Blog B{n}", settings.secret_key)
        seed.user(s, f"mod{n}", "moderator", [a.site.id])
        ids = {"a": a.site.id, "b": b.site.id, "a_secret": a.webhook_secret, "b_secret": b.webhook_secret}
    post = {"id": f"post-{n}", "title": "Vélo en ville : retour d'expérience", "url": "https://blog.example/velo"}
    comments = [
        {"id": "c1", "text": "Super article, merci pour les conseils !", "author": {"name": "Alice"}, "post": post},
        {"id": "c2", "text": "Tu es un idiot, rien compris au vélo.", "author": {"name": "Bob"}, "post": post,
         "parent_id": "c1"},
        {"id": "c3", "text": "Buy now cheap bikes http://spam.example", "author": {"name": "Spammy"}, "post": post},
        {"id": "c4", "text": "Quel connard ce maire.", "author": {"name": "Carl"}, "post": post},
        {"id": "c5", "text": "idiot idiot idiot", "author": {"name": "Dan"}, "post": post},
        {"id": "c6", "format": "html", "author": {"name": "<img src=x onerror=alert(1)>"}, "post": post,
         "text": "<p>Regardez <script>window.__xss=1;alert(1)</script><img src=x onerror=\"window.__xss=2\"> "
                 "idiot <a href=\"javascript:alert(3)\">lien</a></p>"},
        {"id": "c7", "text": "<script>window.__xss=3</script><img src=x onerror=\"window.__xss=4\"> idiot",
         "author": {"name": "Mallory"}, "post": post},
    ]
    post_webhook(e2e_server["url"], ids["a"], ids["a_secret"], {"comments": comments})
    post_webhook(e2e_server["url"], ids["b"], ids["b_secret"],
                 {"id": "other", "text": "idiot on the other site", "post": {"id": "pb", "title": "B"}})
    with session_scope(settings.database_url) as s:
        rows = s.scalars(select(Comment).where(Comment.site_id.in_([ids["a"], ids["b"]]))).all()
        seed.score(s, rows, seed.ExplainingFake())
        ids["comments"] = {(c.site_id, c.external_id): c.id for c in rows}
    ids["c"] = {ext: cid for (site, ext), cid in ids["comments"].items() if site == ids["a"]}
    ids["other"] = ids["comments"][(ids["b"], "other")]
    ids["moderator"] = f"mod{n}"
    ids["url"] = e2e_server["url"]
    ids["settings"] = settings
    return ids


def login(page, base_url: str, username: str, password: str | None = None) -> None:
    from tests.unit.moderation.seed import PASSWORD

    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base_url}/queue")


def statuses(settings, ids) -> dict:
    from sqlalchemy import select

    from service.db.session import session_scope
    from service.db.tables import Comment

    with session_scope(settings.database_url) as s:
        return dict(s.execute(select(Comment.id, Comment.status).where(Comment.id.in_(list(ids)))).all())


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
