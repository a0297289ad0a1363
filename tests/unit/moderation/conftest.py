from __future__ import annotations

import re

import pytest


def _build_app(settings):
    from service.app import create_app
    from tests.fakes import RecordingDispatcher
    from tests.unit.moderation.seed import ExplainingFake

    app = create_app(settings, dispatcher=RecordingDispatcher())
    app.extensions["colombe_moderation"]["model"] = ExplainingFake()
    return app


@pytest.fixture
def ui_app(sqlite_settings):
    return _build_app(sqlite_settings)


@pytest.fixture
def db_session(sqlite_settings):
    from service.db.session import session_factory

    s = session_factory(sqlite_settings.database_url)()
    yield s
    s.close()


class Browser:
    """A test client that logs in and carries the CSRF token like the page's script."""

    def __init__(self, app):
        self.client = app.test_client()
        self.csrf = None

    def get(self, url, **kw):
        resp = self.client.get(url, **kw)
        m = re.search(rb'name="csrf-token" content="([^"]+)"', resp.data)
        if m:
            self.csrf = m.group(1).decode()
        return resp

    def login(self, username, password=None):
        from tests.unit.moderation.seed import PASSWORD

        self.get("/login")
        return self.client.post("/login", data={"username": username, "password": password or PASSWORD,
                                                "csrf_token": self.csrf})

    def form(self, url, data):
        self.get(url)
        return self.client.post(url, data={**data, "csrf_token": self.csrf})

    def act(self, body):
        return self.client.post("/ui/actions", json=body, headers={"X-CSRF-Token": self.csrf or ""})


@pytest.fixture
def browser(ui_app):
    return Browser(ui_app)
