"""Issue #15, item 3: the scheduler cannot die silently. `colombe worker --beat` runs Celery
beat as a supervised child (restarted when it exits, with a logged error); every periodic
job records its runs; /readyz and `colombe_periodic_last_run_timestamp_seconds` report a
job overdue by more than three intervals (a scheduler that hangs). Real worker and beat
processes, real Redis and PostgreSQL (a database of its own: other workers must not
record runs into it)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import COLOMBE, LOCAL_RECEIVERS, fresh_pg_database, start_worker, stop_worker, wait_for

JOBS = {"sweep-unscored", "deliver-notifications", "poll-blogger", "poll-disqus"}


@pytest.fixture
def own_db():
    with fresh_pg_database("colombe_beat") as url:
        yield url


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(x) for x in out]


def _beat_pid(worker_pid: int) -> int | None:
    for pid in _children(worker_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"beat" in cmdline:
            return pid
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return state not in ("Z", "X")


def test_beat_is_supervised_recorded_and_reported(own_db, redis_db_url, tmp_path):
    from service.app import create_app
    from service.config import Settings

    env = {"COLOMBE_DATABASE_URL": own_db, "COLOMBE_BROKER_URL": redis_db_url, "COLOMBE_DATA_DIR": str(tmp_path),
           "COLOMBE_SECRET_KEY": "beat-secret", "COLOMBE_METRICS_DIR": str(tmp_path / "metrics"),
           "COLOMBE_SWEEP_INTERVAL": "1", "COLOMBE_NOTIFY_INTERVAL": "1", "COLOMBE_POLL_BEAT": "1",
           "COLOMBE_OUTBOUND_ALLOWED_HOSTS": LOCAL_RECEIVERS}
    log_path = tmp_path / "worker.log"
    worker = start_worker(env, "--concurrency", "1", "--beat", log_path=log_path)
    app = create_app(Settings.from_env(env, testing=True))
    client = app.test_client()
    try:
        beat = wait_for(lambda: _beat_pid(worker.pid), 60, 0.2, "a beat child process")

        def recorded_jobs():
            r = client.get("/metrics")
            return set(re.findall(r'colombe_periodic_last_run_timestamp_seconds\{job="([^"]+)"\}', r.get_data(True)))

        wait_for(lambda: recorded_jobs() >= JOBS, 90, 0.5, "every periodic job recorded")
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.get_json()["checks"]["scheduler"] == "ok", ready.get_json()

        # 1. the scheduler is killed: restarted (a new child), the death logged
        os.kill(beat, signal.SIGKILL)
        killed_at = time.monotonic()
        new_beat = wait_for(lambda: (p := _beat_pid(worker.pid)) not in (None, beat) and p, 30, 0.2, "a new beat")
        assert time.monotonic() - killed_at < 5
        assert "scheduler (celery beat) exited; restarting it" in log_path.read_text()

        def job_stamp(job: str) -> float:
            m = re.search(rf'colombe_periodic_last_run_timestamp_seconds\{{job="{job}"\}} ([0-9.e+]+)',
                          client.get("/metrics").get_data(True))
            return float(m.group(1))

        before = job_stamp("sweep-unscored")
        wait_for(lambda: job_stamp("sweep-unscored") > before, 60, 0.5, "sweeps after the restart")

        # 2. the scheduler hangs (stopped, alive): reported by /readyz within 3 intervals (+ slack)
        os.kill(new_beat, signal.SIGSTOP)
        try:
            stopped_at = time.monotonic()
            wait_for(lambda: client.get("/readyz").status_code == 503, 20, 0.5, "/readyz reports the hang")
            detected = time.monotonic() - stopped_at
            body = client.get("/readyz").get_json()
            assert body["status"] == "not ready" and body["checks"]["scheduler"].startswith("overdue: "), body
            assert "sweep-unscored" in body["checks"]["scheduler"]
            assert detected < 3 * 1 + 5, detected
        finally:
            os.kill(new_beat, signal.SIGCONT)
        wait_for(lambda: client.get("/readyz").status_code == 200, 30, 0.5, "/readyz ready again")

        # 3. the worker is SIGKILLed: its scheduler child does not linger (no second scheduler later)
        worker.kill()
        worker.wait(10)
        wait_for(lambda: not _alive(new_beat), 10, 0.2, "the orphaned scheduler exits")
    finally:
        stop_worker(worker)


def test_colombe_beat_runs_alone(own_db, redis_db_url, tmp_path):
    env = {"COLOMBE_DATABASE_URL": own_db, "COLOMBE_BROKER_URL": redis_db_url, "COLOMBE_DATA_DIR": str(tmp_path),
           "COLOMBE_SECRET_KEY": "beat-secret", "COLOMBE_SWEEP_INTERVAL": "1"}
    proc = subprocess.Popen([COLOMBE, "beat"], env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        import redis

        r = redis.Redis.from_url(redis_db_url)
        wait_for(lambda: r.llen("scoring") > 0, 60, 0.3, "beat sends the sweep task to the scoring queue")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out[-2000:]
