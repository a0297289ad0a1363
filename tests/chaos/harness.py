"""Real processes for the fault tests: the production-mode deployment under test
(`Stack`: gunicorn web tier + Celery workers on private Redis and PostgreSQL), and,
re-exported for the tests, the private servers (`tests/chaos/servers.py`) and the
senders and ledger (`tests/chaos/ledger.py`).

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): every test runs
against private instances on free ports, started and stopped by the tests.
"""
from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import requests

from tests.chaos.ledger import (FINAL, SUMMARY, Audit, Ledger, audit, comment, report,  # noqa: F401  (re-exported)
                                run_senders, signed_post)
from tests.chaos.servers import (COLOMBE, ROOT, SECRET_KEY, WORKER_ENTRY, PrivatePostgres,  # noqa: F401
                                 PrivateRedis, Proc, free_port, say, stop_all, wait_for)


# ---- the deployment under test --------------------------------------------------------

class Stack:
    """One production-mode deployment: gunicorn web tier + Celery workers on private services."""

    def __init__(self, name: str, pg: PrivatePostgres, workdir: Path, *, sweep_after: int = 2,
                 sweep_interval: int = 1, web_workers: int = 2, backlog_limit: int | None = None):
        self.name = name
        self.pg = pg
        self.workdir = workdir
        self.redis = PrivateRedis(workdir).start()
        self.db_url = pg.create_database(f"chaos_{name}_{os.getpid()}")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.mark_dir = workdir / "marks"
        self.mark_dir.mkdir(exist_ok=True)
        self.env = {
            "COLOMBE_DATABASE_URL": self.db_url,
            "COLOMBE_BROKER_URL": self.redis.url(0),
            "COLOMBE_DATA_DIR": str(workdir / "data"),
            "COLOMBE_METRICS_DIR": str(workdir / "metrics"),
            "COLOMBE_SECRET_KEY": SECRET_KEY,
            "COLOMBE_SWEEP_AFTER": str(sweep_after),
            "COLOMBE_SWEEP_INTERVAL": str(sweep_interval),
            "COLOMBE_WEB_WORKERS": str(web_workers),
            "COLOMBE_HOST": "127.0.0.1",
            "COLOMBE_PORT": str(self.port),
            "COLOMBE_SECURE_COOKIES": "0",
            "COLOMBE_LOG_LEVEL": "INFO",
            "COLOMBE_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1,localhost",  # local receivers
        }
        if backlog_limit is not None:
            self.env["COLOMBE_BACKLOG_LIMIT"] = str(backlog_limit)
        self.web: Proc | None = None
        self.workers: list[Proc] = []
        self.crashes: list[str] = []
        self._closing = threading.Event()
        self._supervisors: list[threading.Thread] = []
        self._engine = None

    # processes
    def start_web(self) -> Proc:
        self.web = Proc(f"web:{self.port}", [COLOMBE, "serve", "--port", str(self.port)], self.env,
                        self.workdir / "web.log")
        wait_for(lambda: (not self.web.alive()) or requests.get(self.base + "/healthz", timeout=1).status_code == 200,
                 30, 0.1, "gunicorn /healthz")
        assert self.web.alive(), f"web tier died:\n{self.web.tail()}"
        return self.web

    def start_worker(self, *, concurrency: int = 2, beat: bool = True, delay: float = 0.0, label: str = "",
                     poison: str | None = None, supervise: bool = False) -> Proc:
        """A `colombe worker` process. With `supervise`, a crashed worker is restarted at
        once, like a process manager would (docker `restart: unless-stopped`, systemd
        `Restart=always`); each crash is recorded in `self.crashes`."""
        kwargs = dict(concurrency=concurrency, beat=beat, delay=delay, label=label, poison=poison)
        proc = self._spawn_worker(**kwargs)
        if supervise:
            self._supervise(proc, kwargs)
        return proc

    def _supervise(self, proc: Proc, kwargs: dict) -> None:
        def watch():
            current = proc
            while not self._closing.is_set():
                if current.popen.poll() is not None and not self._closing.is_set():
                    why = "no error logged"
                    for line in current.log_text().splitlines():
                        if '"critical"' in line or "Unrecoverable" in line:
                            try:
                                why = json.loads(line).get("msg", line)[:200]
                            except ValueError:
                                why = line[:200]
                    self.crashes.append(f"{current.name} (pid {current.pid}) exited with code "
                                        f"{current.popen.returncode}: {why}")
                    say(f"supervisor: {self.crashes[-1]}; restarting it")
                    try:
                        current = self._spawn_worker(**kwargs)
                    except AssertionError as exc:  # pragma: no cover - could not start again
                        self.crashes.append(f"restart failed: {exc}")
                        return
                self._closing.wait(0.2)

        t = threading.Thread(target=watch, daemon=True)
        t.start()
        self._supervisors.append(t)

    def _spawn_worker(self, *, concurrency: int, beat: bool, delay: float, label: str, poison: str | None) -> Proc:
        n = len(self.workers) + 1
        env = {**self.env, "COLOMBE_CHAOS_SCORE_DELAY": str(delay), "COLOMBE_CHAOS_MARK_DIR": str(self.mark_dir),
               "COLOMBE_CHAOS_POISON": poison or ""}
        argv = [sys.executable, WORKER_ENTRY, "--concurrency", str(concurrency), "--loglevel", "INFO"]
        if beat:
            argv.append("--beat")
        log = self.workdir / f"worker{n}.log"
        proc = Proc(f"worker{n}{label}", argv, env, log)
        wait_for(lambda: "worker ready" in proc.log_text() or not proc.alive(), 60, 0.2, f"worker {n} ready")
        assert proc.alive(), f"worker {n} died:\n{proc.tail()}"
        self.workers.append(proc)
        return proc

    def close(self) -> None:
        self._closing.set()
        for t in self._supervisors:
            t.join(5)
        for w in self.workers:
            w.stop(8)  # warm shutdown is tested on its own (scenario 7); after a broker outage it can hang
        if self.web is not None:
            self.web.stop(20)
        self.redis.stop()
        if self._engine is not None:
            self._engine.dispose()
        from service.db.session import _engines

        engine = _engines.pop(self.db_url, None)
        if engine is not None:
            engine.dispose()

    # sites and database
    def create_site(self, name: str = "Chaos blog") -> dict:
        from service.core.sites import create_site
        from service.db.session import session_scope

        with session_scope(self.db_url) as s:
            return create_site(s, name, SECRET_KEY).as_json()

    def engine(self):
        if self._engine is None:
            import sqlalchemy as sa
            from sqlalchemy.pool import NullPool

            self._engine = sa.create_engine(self.db_url, poolclass=NullPool)
        return self._engine

    def query(self, sql: str, **params) -> list:
        import sqlalchemy as sa

        with self.engine().connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def held_batches(self) -> dict[int, str]:
        out = {}
        for p in self.mark_dir.glob("*.batch"):
            try:
                out[int(p.stem)] = p.read_text()
            except (ValueError, FileNotFoundError):
                pass
        return out
