from __future__ import annotations

import threading

import pytest

from tests.fakes import FakeModel, RecordingDispatcher


class PlatformModel(FakeModel):
    """The unit-test keyword model, with spam levels the Akismet mapping can tell apart."""

    version = "fake-int-1"

    def score_batch(self, items):
        out = super().score_batch(items)
        for item, o in zip(items, out):
            text = item["text"].lower()
            if "viagra" in text:
                o["scores"]["spam"] = 0.99
            elif "casino" in text:
                o["scores"]["spam"] = 0.92
        return out


@pytest.fixture
def model(monkeypatch):
    from service.core import jobs

    m = PlatformModel()
    monkeypatch.setattr(jobs, "get_model", lambda model_dir=None, profile=None, encoder_threads=None: m)
    return m


@pytest.fixture
def fast_settings(sqlite_settings):
    """Backoff in milliseconds so retry tests run in real time, quickly."""
    return sqlite_settings.replace(notify_backoff_base_s=0.05, notify_backoff_max_s=0.2, notify_max_attempts=3,
                                   notify_timeout_s=3.0, poll_max_pages=20)


@pytest.fixture
def env(fast_settings, model):
    from service.app import create_app
    from service.core.sites import create_site
    from service.db.session import session_scope

    dispatcher = RecordingDispatcher()
    app = create_app(fast_settings, dispatcher=dispatcher)
    with session_scope(fast_settings.database_url) as s:
        a = create_site(s, "Blog A", fast_settings.secret_key).as_json()
        b = create_site(s, "Blog B", fast_settings.secret_key).as_json()
    return {"app": app, "client": app.test_client(), "a": a, "b": b, "settings": fast_settings,
            "dispatcher": dispatcher, "model": model}


@pytest.fixture
def live_app(env):
    """The Colombe app behind a real HTTP socket (for real clients such as the `akismet` package)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, env["app"], threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()



NODE_DIR = __import__("pathlib").Path(__file__).resolve().parent / "node"
NODE_MODULES = NODE_DIR.parents[3] / ".cache" / "node" / "node_modules"


def run_node(script: str, payload, needs: str, timeout: float = 60.0, args=()):
    """Run tests/unit/platforms/node/<script> with `payload` as JSON on stdin; the real npm package
    `needs` must be installed (scripts/ensure-node-packages.sh, run by `make test`)."""
    import json
    import os
    import shutil
    import subprocess

    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (NODE_MODULES / needs).is_dir():
        pytest.skip(f"npm package {needs} is not installed in {NODE_MODULES} "
                    "(scripts/ensure-node-packages.sh could not reach the npm registry)")
    proc = subprocess.run(["node", str(NODE_DIR / script), *args], input=json.dumps(payload), text=True,
                          capture_output=True, timeout=timeout,
                          env={**os.environ, "NODE_PATH": str(NODE_MODULES)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
