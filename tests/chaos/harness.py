"""Real processes for the fault tests: private Redis and PostgreSQL, gunicorn web tier,
Celery workers, signed HTTP senders, and the ledger that says what was lost.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): every test runs
against private instances on free ports, started and stopped by the tests.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
COLOMBE = str(Path(sys.executable).with_name("colombe"))
WORKER_ENTRY = str(Path(__file__).with_name("worker_entry.py"))
SECRET_KEY = "chaos-secret-key-not-for-production"
FINAL = ("pending", "approved", "rejected")

SUMMARY: list[dict] = []  # one row per scenario, printed at the end of the session
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


# ---- senders and the ledger -----------------------------------------------------------

def signed_post(http: requests.Session, base: str, site: dict, payload, timeout: float = 30.0) -> requests.Response:
    from service.core.security import sign

    body = json.dumps(payload).encode()
    headers = sign(site["webhook_secret"], body)
    headers["Content-Type"] = "application/json"
    return http.post(f"{base}/api/v1/sites/{site['id']}/comments", data=body, headers=headers, timeout=timeout)


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged."""

    sent: set = field(default_factory=set)  # external ids
    acked: dict = field(default_factory=dict)  # external id -> colombe id
    statuses: Counter = field(default_factory=Counter)  # HTTP status (or exception name) -> count
    retries: int = 0
    gave_up: set = field(default_factory=set)
    latencies: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status) -> None:
        with self.lock:
            self.statuses[status] += 1

    def latency(self) -> str:
        if not self.latencies:
            return "-"
        xs = sorted(self.latencies)
        pick = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]  # noqa: E731
        return f"p50 {pick(0.5) * 1000:.0f} ms, p99 {pick(0.99) * 1000:.0f} ms, max {xs[-1] * 1000:.0f} ms"

    def five_xx(self, *, allow_503: bool = False) -> int:
        return sum(n for s, n in self.statuses.items()
                   if isinstance(s, int) and s >= 500 and not (allow_503 and s == 503))

    def deliver(self, http: requests.Session, base: str, site: dict, comments: list[dict], *,
                retry_until: float | None = None, retry_on_error: bool = False, timeout: float = 30.0) -> bool:
        """POST one webhook (one comment or a batch). With `retry_until` (a monotonic
        deadline) a 503 or, with `retry_on_error`, a connection error is retried, honouring
        Retry-After (capped at 1 s to keep the test short)."""
        payload = comments[0] if len(comments) == 1 else {"comments": comments}
        with self.lock:
            self.sent.update(c["id"] for c in comments)
        while True:
            started = time.monotonic()
            try:
                r = signed_post(http, base, site, payload, timeout)
                status = r.status_code
            except requests.RequestException as exc:
                r, status = None, exc.__class__.__name__
            with self.lock:
                self.latencies.append(time.monotonic() - started)
            self.record(status)
            if r is not None and r.status_code == 202:
                with self.lock:
                    for item in r.json()["comments"]:
                        self.acked[item["external_id"]] = item["id"]
                return True
            retryable = (status == 503) or (r is None and retry_on_error)
            if retry_until is None or not retryable or time.monotonic() > retry_until:
                with self.lock:
                    self.gave_up.update(c["id"] for c in comments)
                return False
            with self.lock:
                self.retries += 1
            wait = 0.3
            if r is not None:
                try:
                    wait = min(float(r.headers.get("Retry-After", "0.3")), 1.0)
                except ValueError:
                    pass
            time.sleep(wait)


def comment(ext_id: str, text: str | None = None, **extra) -> dict:
    texts = ("Merci pour cet article très clair.", "You are a complete idiot.",
             "Je ne suis pas d'accord avec l'auteur.", "Great post, thanks for sharing!")
    c = {"id": ext_id, "text": text or f"{texts[hash(ext_id) % len(texts)]} ({ext_id})",
         "post": {"id": "chaos-post", "title": "Les négociations de paix"}}
    c.update(extra)
    return c


@dataclass
class Audit:
    sent: int
    acknowledged: int
    stored: int
    scored: int
    lost: int
    duplicated: int
    unacked_stored: int
    details: dict

    def row(self) -> dict:
        return {"sent": self.sent, "acknowledged": self.acknowledged, "stored": self.stored, "scored": self.scored,
                "lost": self.lost, "duplicated": self.duplicated}


def audit(stack: Stack, site: dict | list[dict], ledger: Ledger, *, wait_s: float = 60.0) -> Audit:
    """Wait (bounded) until every acknowledged comment is scored, then count.

    lost       = acknowledged but not stored, or stored but still unscored at the deadline
    duplicated = extra comment rows for one external id, plus comments scored more than
                 once (more than one score row, or more than one automatic decision)
    """
    acked = dict(ledger.acked)
    site_ids = [s["id"] for s in (site if isinstance(site, list) else [site])]

    def unscored() -> int:
        rows = stack.query("SELECT count(*) FROM comments WHERE site_id = ANY(:s) AND status = 'received' "
                           "AND external_id = ANY(:e)", s=site_ids, e=list(acked))
        return rows[0][0]

    deadline = time.monotonic() + wait_s
    left = None
    while time.monotonic() < deadline:
        try:
            left = unscored()
        except Exception as exc:  # noqa: BLE001
            left = exc
        if left == 0:
            break
        time.sleep(0.5)
    rows = stack.query(
        "SELECT c.external_id, c.id, c.status, "
        " (SELECT count(*) FROM scores sc WHERE sc.comment_id = c.id) AS n_scores, "
        " (SELECT count(*) FROM moderation_actions a WHERE a.comment_id = c.id AND a.actor = 'auto') AS n_auto "
        "FROM comments c WHERE c.site_id = ANY(:s)", s=site_ids)
    by_ext: dict[str, list] = {}
    for r in rows:
        by_ext.setdefault(r.external_id, []).append(r)
    stored = sum(1 for e in acked if e in by_ext)
    scored = sum(1 for e in acked if e in by_ext and by_ext[e][0].status in FINAL)
    missing = [e for e in acked if e not in by_ext]
    unscored_ids = [e for e in acked if e in by_ext and by_ext[e][0].status not in FINAL]
    wrong_id = [e for e in acked if e in by_ext and by_ext[e][0].id != acked[e]]
    dup_rows = [e for e, rs in by_ext.items() if len(rs) > 1]
    dup_scores = [r.external_id for rs in by_ext.values() for r in rs if r.n_scores > 1 or r.n_auto > 1]
    unacked_stored = [e for e in by_ext if e not in acked]
    return Audit(
        sent=len(ledger.sent), acknowledged=len(acked), stored=stored, scored=scored,
        lost=len(missing) + len(unscored_ids) + len(wrong_id),
        duplicated=len(dup_rows) + len(dup_scores), unacked_stored=len(unacked_stored),
        details={"missing": missing[:10], "unscored": unscored_ids[:10], "wrong_id": wrong_id[:10],
                 "dup_rows": dup_rows[:10], "dup_scores": dup_scores[:10], "unscored_left": left},
    )


def report(scenario: str, injected: list[str], result: Audit, ledger: Ledger, extra: dict | None = None) -> None:
    """Print what was injected and what was found; remember it for the session summary."""
    status_line = ", ".join(f"{k}: {v}" for k, v in sorted(ledger.statuses.items(), key=lambda kv: str(kv[0])))
    lines = [f"", f"=== chaos: {scenario}", "injected:"]
    lines += [f"  - {i}" for i in injected]
    lines.append("found:")
    header = ("sent", "acknowledged", "scored", "lost", "duplicated")
    values = (result.sent, result.acknowledged, result.scored, result.lost, result.duplicated)
    lines.append("  " + " | ".join(f"{h:>12}" for h in header))
    lines.append("  " + " | ".join(f"{v:>12}" for v in values))
    lines.append(f"  HTTP responses: {status_line or '-'}; client retries: {ledger.retries}; "
                 f"gave up: {len(ledger.gave_up)}; stored without an acknowledgement: {result.unacked_stored}")
    lines.append(f"  webhook latency: {ledger.latency()}")
    for key, value in (extra or {}).items():
        lines.append(f"  {key}: {value}")
    if result.lost or result.duplicated:
        lines.append(f"  details: {result.details}")
    print("\n".join(lines), flush=True)
    SUMMARY.append({"scenario": scenario, **result.row(), "503": ledger.statuses.get(503, 0),
                    "other 5xx": ledger.five_xx(allow_503=True)})


def run_senders(n: int, seconds: float, fn) -> list[BaseException]:
    """`n` threads each calling fn(worker_index, http_session, stop_event) until `seconds` pass."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def body(i):
        http = requests.Session()
        try:
            fn(i, http, stop)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            http.close()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(60)
    return errors
