from __future__ import annotations

import pytest

from tests.fakes import RecordingDispatcher
from tests.unit.site_learning.fakes import SiteFakeModel, site_rows


@pytest.fixture
def model():
    return SiteFakeModel()


@pytest.fixture
def env(sqlite_settings, model):
    """An embedded app on SQLite with two sites; `decide(rows, site)` stores comments, scores
    them with the fake model and records a moderator's decision for each."""
    from service.app import create_app
    from service.core.scoring import score_comments
    from service.core.sites import create_site
    from service.core.status_changes import moderate
    from service.db.session import session_scope
    from service.db.tables import Comment

    settings = sqlite_settings.replace(site_min_decisions=40)
    app = create_app(settings, dispatcher=RecordingDispatcher())
    app.extensions["colombe"]["site_jobs"].model_getter = lambda: model
    with session_scope(settings.database_url) as s:
        a = create_site(s, "A", settings.secret_key).as_json()
        b = create_site(s, "B", settings.secret_key).as_json()
    counter = {"n": 0}

    def add(texts, site=a):
        ids = []
        with session_scope(settings.database_url) as s:
            for text in texts:
                counter["n"] += 1
                c = Comment(site_id=site["id"], external_id=f"e{counter['n']}", text=text)
                s.add(c)
                s.flush()
                ids.append(c.id)
        with session_scope(settings.database_url) as s:
            score_comments(s, ids, model)
        return ids

    def decide(rows, site=a, actor="user:mod"):
        ids = add([t for t, _ in rows], site)
        with session_scope(settings.database_url) as s:
            for cid, (_, toxic) in zip(ids, rows):
                c = s.get(Comment, cid)
                moderate(s, c, "reject" if toxic else "approve", actor, reason="toxic" if toxic else None)
        return ids

    def api(method, path, site=None, token=None, **kw):
        site = site or a
        return app.test_client().open(path, method=method,
                                      headers={"Authorization": f"Bearer {token or site['api_token']}"}, **kw)

    return {"settings": settings, "app": app, "a": a, "b": b, "add": add, "decide": decide, "api": api,
            "model": model, "rows": site_rows}
