"""The periodic scheduler (Celery beat) as its own process, supervised.

`colombe beat` runs the scheduler alone (docker compose's `beat` service, a systemd unit).
`colombe worker --beat` runs it as a child process of the worker and restarts it when it
exits, however it exits (a crash, SIGKILL, the out-of-memory killer), with a logged error
and a growing pause (1 s, doubling to 30 s; back to 1 s after a minute of good health).
The child exits when the worker that supervises it is gone, so a restarted worker never
leaves a second scheduler behind. A scheduler that hangs instead of exiting is reported:
its jobs stop being recorded, and /readyz and the metric
`colombe_periodic_last_run_timestamp_seconds` show them overdue after three intervals.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

log = logging.getLogger("colombe.beat")

RESTART_MIN_S = 1.0
RESTART_MAX_S = 30.0
HEALTHY_AFTER_S = 60.0


def beat_command(loglevel: str = "INFO") -> list[str]:
    """`colombe beat` in a new interpreter (works whatever started this process)."""
    return [sys.executable, "-c", "from service.cli import main; main(prog_name='colombe')", "beat",
            "--loglevel", loglevel, "--exit-with-parent"]


class BeatSupervisor:
    def __init__(self, argv: list[str], env: dict | None = None):
        self.argv = argv
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "BeatSupervisor":
        self._thread = threading.Thread(target=self._run, name="colombe-beat-supervisor", daemon=True)
        self._thread.start()
        return self

    def _spawn(self) -> subprocess.Popen:
        proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL)
        log.info("scheduler started", extra={"pid": proc.pid, "restarts": self.restarts})
        return proc

    def _run(self) -> None:
        pause = RESTART_MIN_S
        while not self._stop.is_set():
            try:
                self.proc = self._spawn()
            except OSError as exc:
                log.error("scheduler could not start", extra={"error": str(exc)[:200]})
                self._stop.wait(pause)
                pause = min(RESTART_MAX_S, pause * 2)
                continue
            started = time.monotonic()
            while self.proc.poll() is None and not self._stop.is_set():
                self._stop.wait(0.5)
            if self._stop.is_set():
                return
            if time.monotonic() - started > HEALTHY_AFTER_S:
                pause = RESTART_MIN_S
            self.restarts += 1
            log.error("scheduler (celery beat) exited; restarting it", extra={
                "pid": self.proc.pid, "exit_code": self.proc.returncode, "restart_in_s": pause,
                "restarts": self.restarts})
            self._stop.wait(pause)
            pause = min(RESTART_MAX_S, pause * 2)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._thread is not None:
            self._thread.join(timeout)


def exit_with_parent(interval_s: float = 1.0) -> None:
    """In the scheduler child: stop when the supervising worker is gone (even SIGKILLed)."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent:
                log.warning("the supervising worker is gone; the scheduler stops")
                os._exit(0)

    threading.Thread(target=watch, name="colombe-beat-parent-watch", daemon=True).start()


def run_beat(app, schedule_path: str, loglevel: str = "INFO") -> None:
    """Run Celery beat in this process until it is stopped."""
    app.Beat(schedule=schedule_path, loglevel=loglevel, quiet=True, redirect_stdouts=False).run()
