"""COLOMBE_WEB_MODEL decides whether a production web worker loads the model at start."""
from __future__ import annotations

import pytest

from service.config import Settings


def test_default_is_lazy_and_values_are_checked(tmp_path):
    base = {"COLOMBE_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).web_model == "lazy"
    assert Settings.from_env({**base, "COLOMBE_WEB_MODEL": "EAGER"}).web_model == "eager"
    with pytest.raises(ValueError, match="COLOMBE_WEB_MODEL"):
        Settings.from_env({**base, "COLOMBE_WEB_MODEL": "sometimes"})


@pytest.mark.parametrize("env,expected", [
    ({"COLOMBE_BROKER_URL": "redis://127.0.0.1:1/0"}, False),                               # production, lazy
    ({"COLOMBE_BROKER_URL": "redis://127.0.0.1:1/0", "COLOMBE_WEB_MODEL": "eager"}, True),  # production, eager
    ({}, True),                                                                             # embedded: scores anyway
])
def test_warm_up_follows_the_setting(tmp_path, monkeypatch, env, expected):
    import service.app as app_module

    started = []
    monkeypatch.setattr(app_module, "_warm_model", lambda settings: started.append(settings))
    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path), **env})  # testing=False, like a server
    from flask import Flask

    app = Flask(__name__)
    settings = settings.replace(background_thread=False)
    app.extensions["colombe"] = {"settings": settings, "dispatcher": lambda: None}
    app_module._start_background(app, settings)
    import time

    deadline = time.monotonic() + 2
    while expected and not started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bool(started) is expected
