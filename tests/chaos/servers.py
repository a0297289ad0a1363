"""Real server processes for the fault tests: private Redis and PostgreSQL, and the
process wrapper every child (gunicorn, Celery workers) runs in.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): every test runs
against private instances on free ports, started and stopped by the tests.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLOMBE = str(Path(sys.executable).with_name("colombe"))
WORKER_ENTRY = str(Path(__file__).with_name("worker_entry.py"))
SECRET_KEY = "chaos-secret-key-not-for-production"

_PROCS: list["Proc"] = []  # every process started, stopped at teardown even on failure


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(msg: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- processes ------------------------------------------------------------------------

class Proc:
    """A child in its own process group (so a signal reaches its children too)."""

    def __init__(self, name: str, argv: list[str], env: dict | None, log_path: Path, cwd: Path = ROOT,
                 preexec=None, user: str | None = None):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "ab")
        full_env = {**os.environ, **(env or {})}
        full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
        self.popen = subprocess.Popen(argv, env=full_env, cwd=str(cwd), stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True, user=user)
        self.pid = self.popen.pid
        _PROCS.append(self)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def kill_hard(self) -> None:
        """SIGKILL the whole group (the process and the pool children it forked)."""
        self.signal_group(signal.SIGKILL)
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def stop(self, timeout: float = 20.0) -> float:
        """SIGTERM (graceful), then SIGKILL after `timeout`. Returns the seconds it took."""
        started = time.monotonic()
        if self.alive():
            try:
                self.popen.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                say(f"{self.name} (pid {self.pid}) ignored SIGTERM for {timeout:.0f} s: SIGKILL")
                self.kill_hard()
        # stragglers left in the group (e.g. pool children) must not outlive the test
        self.signal_group(signal.SIGKILL)
        self._log.close()
        if self in _PROCS:
            _PROCS.remove(self)
        return time.monotonic() - started

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, n: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])


def stop_all() -> None:
    for proc in list(reversed(_PROCS)):
        try:
            proc.stop(timeout=10)
        except Exception:  # pragma: no cover - best effort
            pass


def wait_for(predicate, timeout: float, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as exc:  # noqa: BLE001 - keep polling through transient faults
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}; last value: {last!r}")


# ---- private Redis --------------------------------------------------------------------

class PrivateRedis:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: Proc | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "PrivateRedis":
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = Proc(f"redis:{self.port}", [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                                "--appendonly", "no", "--dir", str(self.workdir)],
                         None, self.workdir / f"redis-{self.port}.log")
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: client.ping(), 10, 0.05, f"private redis on {self.port}")
        client.close()
        return self

    def kill(self) -> None:
        """Abrupt stop: SIGKILL, no persistence, so every queued message is gone too."""
        if self.proc is not None:
            self.proc.kill_hard()
            self.proc.stop(1)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(10)
            self.proc = None


# ---- private PostgreSQL ---------------------------------------------------------------

class PrivatePostgres:
    """A throwaway cluster on a free port, owned by the `postgres` user when we are root."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not bins:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = Path(bins[-1]).parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="colombe-chaos-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_root = os.geteuid() == 0

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:2])} failed: {proc.stdout}\n{proc.stderr}\n{self.log_tail()}")
        return proc

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return ""

    def init(self) -> "PrivatePostgres":
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        with open(self.data / "postgresql.conf", "a") as fh:
            fh.write("\nmax_connections = 300\nshared_buffers = 64MB\nlisten_addresses = '127.0.0.1'\n"
                     f"unix_socket_directories = '{self.dir}'\n")
            if os.environ.get("COLOMBE_CHAOS_PG_LOG_STATEMENTS"):  # debugging aid: every statement, with xids
                fh.write("log_statement = 'all'\nlog_line_prefix = '%m [%p] xid=%x '\n")
        return self

    def _ctl(self, action: str, *extra: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-o", f"-p {self.port} -k {self.dir}", "-l", str(self.log),
                  "-w", "-t", "30", *extra, action)

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._ctl("stop", "-m", "immediate")
        finally:
            if os.environ.get("COLOMBE_CHAOS_PG_LOG_STATEMENTS"):
                shutil.copy(self.log, Path(tempfile.gettempdir()) / "colombe-chaos-postgres.log")
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = self.url(name)
        from service.db.migrate import upgrade

        upgrade(url)
        return url
