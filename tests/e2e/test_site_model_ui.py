"""The site settings page's site model section in Chromium: versions with their figures,
promote and roll back (CSRF forms), in English and French."""
from __future__ import annotations

import threading

import pytest

from tests.e2e.conftest import login


@pytest.fixture
def site_model_server(tmp_path):
    """A server of our own: its site jobs use the fake model (the rescoring after a promotion
    runs in the request, as in any process without the background thread)."""
    from werkzeug.serving import make_server

    from service.app import create_app
    from service.config import Settings
    from service.db.migrate import upgrade
    from tests.conftest import free_port
    from tests.fakes import RecordingDispatcher
    from tests.unit.moderation.seed import ExplainingFake
    from tests.unit.site_learning.fakes import SiteFakeModel

    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path / "var")}, testing=True, site_min_decisions=40)
    upgrade(settings.database_url)
    model = SiteFakeModel()
    app = create_app(settings, dispatcher=RecordingDispatcher())
    app.extensions["colombe_moderation"]["model"] = ExplainingFake()
    app.extensions["colombe"]["site_jobs"].model_getter = lambda: model
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{port}", "settings": settings, "model": model}
    server.shutdown()
    thread.join(5)


def _seed_two_versions(settings, model) -> tuple[str, str, str]:
    from service.core.scoring import score_comments
    from service.core.site_learning import learn_site
    from service.core.status_changes import moderate
    from service.db.session import session_scope
    from service.db.tables import Comment
    from tests.unit.moderation import seed
    from tests.unit.site_learning.fakes import site_rows

    with session_scope(settings.database_url) as s:
        site_id = seed.site(s, "Le blog du jardin", settings.secret_key).site.id
        seed.user(s, "gardener-admin", "admin", [])
    for batch, n in ((1, 150), (2, 80)):
        rows = site_rows(n, seed=batch)
        with session_scope(settings.database_url) as s:
            comments = [Comment(site_id=site_id, external_id=f"{batch}-{i}", text=t) for i, (t, _) in enumerate(rows)]
            s.add_all(comments)
            s.flush()
            ids = [c.id for c in comments]
        with session_scope(settings.database_url) as s:
            score_comments(s, ids, model)
        with session_scope(settings.database_url) as s:
            for cid, (_, toxic) in zip(ids, rows):
                moderate(s, s.get(Comment, cid), "reject" if toxic else "approve", "user:gardener",
                         reason="toxic" if toxic else None)
        promote = "auto" if batch == 1 else "never"
        version = learn_site(settings, site_id, promote_mode=promote, model=model)["candidate_version"]
        if batch == 1:
            v1 = version
        else:
            v2 = version
    return site_id, v1, v2


def test_promote_and_roll_back_from_the_settings_page(page, site_model_server):
    base, settings = site_model_server["url"], site_model_server["settings"]
    site_id, v1, v2 = _seed_two_versions(settings, site_model_server["model"])
    login(page, base, "gardener-admin")
    page.goto(f"{base}/admin/sites/{site_id}")
    section = page.locator("#site-model")
    assert section.get_attribute("data-live-version") == v1
    assert section.get_attribute("data-candidate-version") == v2
    assert page.locator(f'#site-model-versions tr[data-version="{v1}"]').get_attribute("data-status") == "live"
    assert page.locator("#site-model-figures tr[data-label=toxicity] td").count() == 5
    page.click(f'#site-model-versions tr[data-version="{v2}"] button[data-action=promote]')
    page.wait_for_selector("#site-model-flash")
    assert page.locator("#site-model").get_attribute("data-live-version") == v2
    assert "user:gardener-admin" in page.locator(f'#site-model-versions tr[data-version="{v2}"]').inner_text()
    page.click(f'#site-model-versions tr[data-version="{v2}"] button[data-action=rollback]')
    page.wait_for_selector("#site-model-flash")
    assert page.locator("#site-model").get_attribute("data-live-version") == v1
    events = page.locator("#site-model-events tr[data-event]")
    assert events.first.get_attribute("data-event") == "rollback"
    page.click(".lang-switch button[value=fr]")
    page.wait_for_selector("text=Modèle du site")
    assert "Revenir à la version précédente" in page.locator("#site-model").inner_text()
    page.click(".lang-switch button[value=en]")
    assert not page.js_errors, page.js_errors
