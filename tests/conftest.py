from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PG_ADMIN_URL = os.environ.get("COLOMBE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("COLOMBE_TEST_REDIS", "redis://127.0.0.1:6379")
COLOMBE = str(Path(sys.executable).with_name("colombe"))
# Tests deliver to local receivers and fake platforms: the outbound check must allow them.
LOCAL_RECEIVERS = "127.0.0.1,localhost"


# Tests are grouped by kind, one folder each; the folder gives the marker
# (`pytest -m unit`, `-m integration`, ...). A new folder under tests/ needs an entry here.
KIND_MARKERS = {"unit": "unit", "integration": "integration", "e2e": "e2e", "models": "model", "chaos": "chaos"}


def kind_of(path) -> str | None:
    """The marker of the test file at `path` (its top folder under tests/), or None."""
    try:
        rel = Path(path).resolve().relative_to(ROOT / "tests")
    except ValueError:
        return None
    return KIND_MARKERS.get(rel.parts[0]) if len(rel.parts) > 1 else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        kind = kind_of(item.path)
        if kind is not None:
            item.add_marker(getattr(pytest.mark, kind))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict:
    from service.core.security import sign

    headers = sign(secret, body, timestamp)
    headers["Content-Type"] = "application/json"
    return headers


@pytest.fixture
def settings_factory(tmp_path):
    from service.config import Settings

    def make(**overrides):
        # local fake platforms and receivers listen on loopback: allow them (see service/integrations/net.py)
        env = {"COLOMBE_DATA_DIR": str(tmp_path / "var"), "COLOMBE_OUTBOUND_ALLOWED_HOSTS": LOCAL_RECEIVERS}
        return Settings.from_env(env, testing=True, **overrides)

    return make


@pytest.fixture
def sqlite_settings(settings_factory):
    from service.db.migrate import upgrade

    s = settings_factory()
    upgrade(s.database_url)
    return s


# ---- PostgreSQL: one fresh database per test session --------------------------------

def _admin_exec(sql: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


@contextlib.contextmanager
def fresh_pg_database(prefix: str = "colombe_test"):
    """A new, migrated PostgreSQL database, dropped afterwards; yields its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    _admin_exec(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    from service.db.migrate import upgrade

    try:
        upgrade(url)
        yield url
    finally:
        from service.db.session import _engines

        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url():
    with fresh_pg_database() as url:
        yield url


_redis_dbs = itertools.cycle(range(int(os.environ.get("COLOMBE_TEST_REDIS_DB", "3")), 13))


def fresh_redis_url() -> str:
    """A Redis database of our own (one per caller, so separate workers never share a
    broker and consume each other's tasks), emptied first."""
    import redis

    url = f"{REDIS_URL}/{next(_redis_dbs)}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def redis_db_url():
    return fresh_redis_url()


@pytest.fixture(scope="session")
def session_redis_url():
    return fresh_redis_url()


def run_cli(args, env, input_text=None, check=True, timeout=120):
    full_env = {**os.environ, **env}
    proc = subprocess.run([COLOMBE, *args], env=full_env, input=input_text, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"colombe {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def create_site_cli(env, name="Le blog") -> dict:
    proc = run_cli(["sites", "create", name, "--json"], env)
    return json.loads(proc.stdout)


def wait_for(predicate, timeout=60.0, interval=0.2, message="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}; last value: {last!r}")


def forget_periodic_runs(database_url: str) -> None:
    """A test's scheduler stopped on purpose: drop its periodic runs, or /readyz would
    rightly call them overdue for the tests that share the database afterwards."""
    import sqlalchemy as sa

    from service.db.session import get_engine

    with get_engine(database_url).begin() as conn:
        conn.execute(sa.text("DELETE FROM periodic_runs"))


def two_site_app(settings) -> dict:
    """A web app (no broker: a recording dispatcher) with sites "A" and "B"."""
    from service.app import create_app
    from service.core.sites import create_site
    from service.db.session import session_scope
    from tests.fakes import RecordingDispatcher

    app = create_app(settings, dispatcher=RecordingDispatcher())
    with session_scope(settings.database_url) as s:
        a = create_site(s, "A", settings.secret_key).as_json()
        b = create_site(s, "B", settings.secret_key).as_json()
    return {"app": app, "client": app.test_client(), "a": a, "b": b, "settings": settings}


def start_worker(env: dict, *args: str, log_path) -> subprocess.Popen:
    """`colombe worker ARGS` as a real process with ENV over os.environ, its output in LOG_PATH.
    Stop it with `stop_worker`."""
    log = open(log_path, "w")
    proc = subprocess.Popen([COLOMBE, "worker", *args], env={**os.environ, **env}, stdout=log,
                            stderr=subprocess.STDOUT)
    proc.colombe_log = log
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    """SIGTERM (a warm shutdown), SIGKILL after 30 s; closes its log."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.colombe_log.close()


def production_env(database_url: str, broker_url: str, data_dir, **extra: str) -> dict:
    """The environment of a deployment on PostgreSQL + Redis, data under DATA_DIR; EXTRA
    adds or overrides COLOMBE_* variables."""
    return {
        "COLOMBE_DATABASE_URL": database_url,
        "COLOMBE_BROKER_URL": broker_url,
        "COLOMBE_DATA_DIR": str(data_dir),
        "COLOMBE_SECRET_KEY": "integration-secret-key",
        "COLOMBE_METRICS_DIR": str(os.path.join(data_dir, "metrics")),
        **extra,
    }
