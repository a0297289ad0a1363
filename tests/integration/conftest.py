from __future__ import annotations

import os
import sys

import pytest

from tests.conftest import (LOCAL_RECEIVERS, create_site_cli, forget_periodic_runs, production_env,
                            start_worker, stop_worker, wait_for)


@pytest.fixture(scope="session")
def prod_env(pg_url, session_redis_url, tmp_path_factory):
    """Environment of a production deployment: PostgreSQL + Redis broker."""
    data = tmp_path_factory.mktemp("prod")
    return production_env(pg_url, session_redis_url, data, COLOMBE_SWEEP_AFTER="2", COLOMBE_SWEEP_INTERVAL="1",
                          COLOMBE_OUTBOUND_ALLOWED_HOSTS=LOCAL_RECEIVERS)


@pytest.fixture(scope="module")
def worker(prod_env):
    """A real Celery worker process consuming from real Redis, writing to real PostgreSQL.

    Module-scoped: scoring tasks claim any waiting comment in the database, so a worker
    must not outlive the tests that started it (the database is shared by the session)."""
    proc = start_worker(prod_env, "--concurrency", "2", "--beat",
                        log_path=os.path.join(prod_env["COLOMBE_DATA_DIR"], "worker.log"))
    yield proc
    stop_worker(proc)
    forget_periodic_runs(prod_env["COLOMBE_DATABASE_URL"])


@pytest.fixture(scope="session")
def prod_app(prod_env):
    """The web tier in production mode (sends tasks to Redis by name)."""
    from service.app import create_app
    from service.config import Settings

    return create_app(Settings.from_env(prod_env, testing=True))


@pytest.fixture(scope="session")
def prod_site(prod_env):
    return create_site_cli(prod_env, "Intégration")


@pytest.fixture(scope="session")
def prod_site_b(prod_env):
    return create_site_cli(prod_env, "Other blog")
