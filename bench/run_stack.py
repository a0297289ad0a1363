"""`make bench`'s building blocks: one production deployment on loopback (`Stack`),
load generators (wrk, signed senders) and small measuring helpers. Used by
`bench/run_phases.py`; run the benchmark with `python bench/run.py`."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
COLOMBE = str(BIN / "colombe")
PG_ADMIN = os.environ.get("COLOMBE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("COLOMBE_BENCH_REDIS", "redis://127.0.0.1:6379/13")
RESULTS = ROOT / "bench" / "results"

# Sample comments written for this benchmark (French and English, clean, rude, spammy).
TEXTS = [
    "Merci pour cet article, l'analyse des négociations est très claire.",
    "Je ne suis pas d'accord : les sanctions n'ont jamais fonctionné dans ce genre de conflit.",
    "Encore un texte de propagande, l'auteur est un idiot fini.",
    "Great write-up, the timeline of the talks helped me a lot.",
    "You clearly have no idea what you are talking about, moron.",
    "Gagnez 500 euros par jour depuis chez vous, écrivez-moi sur WhatsApp !",
    "Cheap followers and likes, visit my profile now!!!",
    "Quelqu'un a la source de la citation du vice-président ?",
    "Le crapaud peut bien baver, la colombe vole toujours plus haut.",
    "I think both sides will keep talking until the winter, then we will see.",
]


def now() -> float:
    return time.monotonic()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(x) for x in out]


def wait_http(url: str, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = now() + timeout
    while now() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def sql_engine(url: str):
    import sqlalchemy as sa

    return sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_size=2)


class Stack:
    """One production deployment on loopback, with its own database and Redis db."""

    def __init__(self, tag: str):
        import redis
        import sqlalchemy as sa

        self.db_name = f"colombe_bench_{tag}_{secrets.token_hex(3)}"
        admin = sql_engine(PG_ADMIN)
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{self.db_name}"'))
        admin.dispose()
        self.db_url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db_name
        redis.Redis.from_url(REDIS).flushdb()
        self.dir = Path(tempfile.mkdtemp(prefix="colombe-bench-"))
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("COLOMBE_", "PROMETHEUS_"))},
            "COLOMBE_DATABASE_URL": self.db_url,
            "COLOMBE_BROKER_URL": REDIS,
            "COLOMBE_DATA_DIR": str(self.dir),
            "COLOMBE_SECRET_KEY": "bench-" + secrets.token_hex(8),
            "COLOMBE_BACKLOG_LIMIT": "10000000",
            "COLOMBE_LOG_LEVEL": "WARNING",
            "COLOMBE_WEB_THREADS": "4",
            # the profile the bench reports (``run.py``'s PROFILE): the other COLOMBE_ settings are dropped
            "COLOMBE_MODEL_PROFILE": os.environ.get("COLOMBE_MODEL_PROFILE", "full"),
            "COLOMBE_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1,localhost",  # the bench's decision receiver
        }
        subprocess.run([COLOMBE, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        site = subprocess.run([COLOMBE, "sites", "create", "Bench", "--json"], env=self.env, check=True,
                              capture_output=True, text=True)
        self.site = json.loads(site.stdout)
        self.engine = sql_engine(self.db_url)
        self.web: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self._logs = []

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.dir / f"{name}.log", "w")
        self._logs.append(log)
        return subprocess.Popen([COLOMBE, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start_web(self, host: str = "127.0.0.1", port: int | None = None, workers: int = 2) -> str:
        port = port or free_port()
        proc = self._spawn(["serve", "--host", host, "--port", str(port), "--workers", str(workers)],
                           f"web-{host}-{port}")
        self.web.append(proc)
        base = f"http://{host}:{port}"
        wait_http(base + "/healthz")
        return base

    def start_worker(self, concurrency: int, name: str = "w1") -> subprocess.Popen:
        proc = self._spawn(["worker", "--concurrency", str(concurrency), "--name", f"{name}@bench",
                            "--loglevel", "WARNING"], f"worker-{name}")
        self.workers.append(proc)
        return proc

    def wait_workers_ready(self, timeout: float = 60.0) -> None:
        """A probe comment scored proves the workers consume and have loaded the model."""
        probe = f"probe-{secrets.token_hex(4)}"
        send_batch(self.base_url(), self.site, [{"id": probe, "text": "probe"}])
        deadline = now() + timeout
        while now() < deadline:
            if self.scalar("SELECT count(*) FROM comments WHERE external_id = :e AND status <> 'received'", e=probe):
                return
            time.sleep(0.2)
        raise RuntimeError("workers did not score a probe comment")

    def base_url(self) -> str:
        return self._base

    def stop_workers(self) -> None:
        for p in self.workers:
            p.terminate()
        for p in self.workers:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        self.workers.clear()

    def scalar(self, sql: str, **params):
        import sqlalchemy as sa

        with self.engine.connect() as c:
            return c.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params):
        import sqlalchemy as sa

        with self.engine.connect() as c:
            return c.execute(sa.text(sql), params).all()

    def run(self, sql: str, **params) -> None:
        import sqlalchemy as sa

        with self.engine.connect() as c:
            c.execute(sa.text(sql), params)

    def reset_backlog(self) -> None:
        import redis

        self.run("DELETE FROM comments WHERE status = 'received'")
        self.run("VACUUM ANALYZE comments")
        redis.Redis.from_url(REDIS).flushdb()

    def close(self) -> None:
        import sqlalchemy as sa

        self.stop_workers()
        for p in self.web:
            p.terminate()
        for p in self.web:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in self._logs:
            log.close()
        self.engine.dispose()
        admin = sql_engine(PG_ADMIN)
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)


def comment(prefix: str, i: int) -> dict:
    return {"id": f"{prefix}-{i}", "text": TEXTS[i % len(TEXTS)],
            "post": {"id": f"post-{i % 50}", "title": "Les négociations de paix"},
            "author": {"name": f"lecteur{i % 300}", "email": f"r{i % 300}@example.org"}}


def signed(secret: str, body: bytes) -> tuple[str, str]:
    from service.core.security import sign

    h = sign(secret, body)
    return h["X-Colombe-Timestamp"], h["X-Colombe-Signature"]


def send_batch(base: str, site: dict, comments: list[dict]) -> int:
    import urllib.request

    body = json.dumps({"comments": comments}).encode()
    ts, sig = signed(site["webhook_secret"], body)
    req = urllib.request.Request(f"{base}/api/v1/sites/{site['id']}/comments", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Colombe-Timestamp": ts, "X-Colombe-Signature": sig})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def write_requests(path: Path, site: dict, prefix: str, n: int, batch: int) -> None:
    with open(path, "w") as f:
        for r in range(n):
            if batch == 1:
                body = json.dumps(comment(prefix, r), ensure_ascii=False).encode()
            else:
                body = json.dumps({"comments": [comment(prefix, r * batch + j) for j in range(batch)]},
                                  ensure_ascii=False).encode()
            ts, sig = signed(site["webhook_secret"], body)
            f.write(f"{ts}\t{sig}\t{body.decode()}\n")


def wrk(url: str, path: str, reqfile: Path, seconds: int, threads: int = 2, connections: int = 32,
        pace_ms: float = 0.0) -> dict:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
           "-s", str(ROOT / "bench" / "webhook.lua"), url, "--", str(reqfile), path, str(threads), f"{pace_ms:.3f}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec:")))
    non2xx = 0
    for line in out.splitlines():
        if "Non-2xx or 3xx responses:" in line:
            non2xx = int(line.split(":")[1])
    total = int(next(line.split()[0] for line in out.splitlines() if "requests in" in line))
    return {"rps": rps, "non_2xx": non2xx, "requests": total}


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)
