"""The phases of `make bench` (ingest, scoring, latency, memory, model, scale-out,
embedded mode, queue page); `bench/run.py` runs them and prints the report."""
from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from run_stack import (COLOMBE, RESULTS, ROOT, TEXTS, Stack, children, comment, free_port, median_of, now, pct,
                       rss_mb, send_batch, signed, wait_http, write_requests, wrk)


def phase_ingest(stack: Stack, args, out: dict) -> None:
    """Signed single-comment webhooks/s and comments/s in batches of 100, workers stopped.

    Each wrk run replays its own file of unique, pre-signed requests (a replayed request
    is a duplicate, which costs the server far less than a new comment: the old figures
    replayed one file three times, see `ingest_batch_replayed_*`)."""
    base = stack.base_url()
    path = f"/api/v1/sites/{stack.site['id']}/comments"
    work = stack.dir

    def unique_runs(batch: int, n_requests: int, connections: int) -> list[dict]:
        runs = []
        for k in range(args.runs):
            prefix = f"{'s' if batch == 1 else 'b'}{k}{secrets.token_hex(2)}"
            reqfile = work / f"{prefix}.txt"
            write_requests(reqfile, stack.site, prefix, n_requests, batch)
            run = wrk(base + path, path, reqfile, args.seconds, connections=connections)
            run["stored"] = stack.scalar("SELECT count(*) FROM comments WHERE external_id LIKE :p", p=prefix + "-%")
            runs.append(run)
        return runs

    runs = unique_runs(1, args.single_requests, 32)
    out["ingest_single_rps"] = median_of(runs, "rps")
    out["ingest_single_non2xx"] = sum(r["non_2xx"] for r in runs)
    out["ingest_single_unique_fraction"] = min(r["stored"] / max(r["requests"], 1) for r in runs)
    runs = unique_runs(100, args.batch_requests, 8)
    out["ingest_batch_comments_per_s"] = median_of(runs, "rps") * 100
    out["ingest_batch_non2xx"] = sum(r["non_2xx"] for r in runs)
    out["ingest_batch_unique_fraction"] = min(r["stored"] / max(r["requests"] * 100, 1) for r in runs)
    # the old way, for comparison: one file replayed by every run (later runs: duplicates)
    replayed = work / "replayed.txt"
    prefix = f"r{secrets.token_hex(2)}"
    write_requests(replayed, stack.site, prefix, args.batch_requests, 100)
    runs = [wrk(base + path, path, replayed, args.seconds, connections=8) for _ in range(args.runs)]
    out["ingest_batch_replayed_comments_per_s"] = median_of(runs, "rps") * 100
    stored = stack.scalar("SELECT count(*) FROM comments WHERE external_id LIKE :p", p=prefix + "-%")
    out["ingest_batch_replayed_duplicate_fraction"] = 1 - stored / max(sum(r["requests"] for r in runs) * 100, 1)
    single = work / "bare.txt"
    write_requests(single, stack.site, f"x{secrets.token_hex(2)}", args.single_requests, 1)
    # The web tier's own limit: a bare Flask endpoint under the same gunicorn settings.
    port = free_port()
    bare = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_app.py"), "127.0.0.1", str(port), "2", "4"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(1.5)
        runs = [wrk(f"http://127.0.0.1:{port}{path}", path, single, args.seconds) for _ in range(args.runs)]
        out["bare_flask_rps"] = median_of(runs, "rps")
    finally:
        bare.terminate()
        bare.wait(10)
    out["ratio_ingest_vs_bare"] = out["ingest_single_rps"] / out["bare_flask_rps"]
    # the same web tier's limit counted in comments: a platform sending batches of 100
    out["ratio_batch_comments_vs_bare"] = out["ingest_batch_comments_per_s"] / out["bare_flask_rps"]


def phase_scoring(stack: Stack, args, out: dict) -> None:
    """Comments/s through the workers (1 and 2 processes), draining a stored backlog.

    The rate is scored comments / (last scored_at - first scored_at) of the run: end to end
    through Redis, the claim query, the model and the writes; worker start-up excluded."""
    stack.reset_backlog()
    base = stack.base_url()
    for procs in (1, 2):
        prefix = f"q{procs}{secrets.token_hex(2)}"
        for start in range(0, args.scoring_backlog, 500):
            send_batch(base, stack.site, [comment(prefix, i)
                                          for i in range(start, min(args.scoring_backlog, start + 500))])
        t0 = datetime.now(timezone.utc)
        stack.start_worker(procs, name=f"score{procs}")
        deadline = now() + 300
        while now() < deadline and stack.scalar("SELECT count(*) FROM comments WHERE status = 'received'"):
            time.sleep(0.5)
        first, last, n = stack.rows(
            "SELECT min(scored_at), max(scored_at), count(*) FROM comments WHERE scored_at >= :t0", t0=t0)[0]
        secs = (last - first).total_seconds() if n > 1 else float("nan")
        out[f"scoring_{procs}_worker_comments_per_s"] = n / secs if secs and secs > 0 else 0.0
        out[f"scoring_{procs}_worker_scored"] = n
        stack.stop_workers()
    stack.reset_backlog()


def _sender(base: str, site: dict, prefix: str, rate: float, seconds: float, threads: int, q) -> None:
    """Open-loop sender (own process): single signed comments at a fixed arrival rate."""
    import http.client
    from urllib.parse import urlparse

    sys.path.insert(0, str(ROOT))
    u = urlparse(base)
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = time.monotonic() + 0.5
    interval = threads / rate
    n_total = int(rate * seconds)

    def run(t: int) -> None:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        k = t
        while k < n_total:
            due = start + (k / rate)
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            body = json.dumps(comment(prefix, k)).encode()
            ts, sig = signed(site["webhook_secret"], body)
            try:
                conn.request("POST", f"/api/v1/sites/{site['id']}/comments", body=body, headers={
                    "Content-Type": "application/json", "X-Colombe-Timestamp": ts, "X-Colombe-Signature": sig})
                resp = conn.getresponse()
                resp.read()
                code = resp.status
            except OSError:
                code = 0
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            with lock:
                statuses[code] = statuses.get(code, 0) + 1
            k += threads

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    t0 = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    q.put({"statuses": statuses, "elapsed": time.monotonic() - t0 - 0.5, "sent": n_total, "interval": interval})


def decision_latencies_ms(stack: Stack, prefix: str, wait_s: float = 60.0) -> list[float]:
    """received_at → decided_at of the comments whose ids start with `prefix`, once every
    one of them is decided (or `wait_s` has passed)."""
    deadline = now() + wait_s
    while now() < deadline and stack.scalar(
            "SELECT count(*) FROM comments WHERE external_id LIKE :p AND decided_at IS NULL", p=prefix + "-%"):
        time.sleep(0.5)
    rows = stack.rows("SELECT EXTRACT(EPOCH FROM (decided_at - received_at)) FROM comments "
                      "WHERE external_id LIKE :p AND decided_at IS NOT NULL", p=prefix + "-%")
    return [float(r[0]) * 1000 for r in rows]


def latency_run(stack: Stack, rate: float, seconds: float) -> dict:
    prefix = f"lat{int(rate)}-{secrets.token_hex(2)}"
    q = multiprocessing.Queue()
    threads = max(4, min(64, int(rate / 10)))
    p = multiprocessing.Process(target=_sender, args=(stack.base_url(), stack.site, prefix, rate, seconds, threads, q))
    p.start()
    result = q.get()
    p.join()
    lat = decision_latencies_ms(stack, prefix)
    acked = result["statuses"].get(202, 0)
    return {"target_rate": rate, "achieved_rate": result["sent"] / max(result["elapsed"], 1e-9),
            "acknowledged": acked, "decided": len(lat), "lost": acked - len(lat),
            "non_202": sum(v for k, v in result["statuses"].items() if k != 202),
            "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99)}


def latency_run_wrk(stack: Stack, rate: float, seconds: float) -> dict:
    """Like `latency_run`, for rates a Python sender cannot sustain on this machine: wrk
    replays pre-signed requests, each of 64 connections pausing between requests so that
    the total is about `rate` (re-tuned once from the achieved rate)."""
    connections = 64
    path = f"/api/v1/sites/{stack.site['id']}/comments"
    pace = connections * 1000.0 / rate
    result: dict = {}
    for _attempt in range(3):
        prefix = f"latw{int(rate)}-{secrets.token_hex(2)}"
        reqfile = stack.dir / f"{prefix}.txt"
        write_requests(reqfile, stack.site, prefix, int(rate * seconds * 1.5) + 100, 1)
        run = wrk(stack.base_url() + path, path, reqfile, int(seconds), connections=connections, pace_ms=pace)
        achieved = run["requests"] / seconds
        lat = decision_latencies_ms(stack, prefix)
        stored = stack.scalar("SELECT count(*) FROM comments WHERE external_id LIKE :p", p=prefix + "-%")
        # wrk does not count the requests still in flight when it stops; they are stored too
        acked = max(stored, run["requests"] - run["non_2xx"])
        result = {"target_rate": rate, "achieved_rate": achieved, "acknowledged": acked, "decided": len(lat),
                  "lost": acked - len(lat), "non_202": run["non_2xx"],
                  "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99), "sender": "wrk (paced)"}
        if abs(achieved - rate) <= 0.1 * rate:
            break
        pace = max(1.0, pace * achieved / rate)  # responses take time too: shorten the pause
    return result


def phase_latency(stack: Stack, args, out: dict) -> None:
    """Latency on its own fresh deployment (the earlier phases leave ~250k rows and a
    bloated `received` index behind, which is another experiment: see the notes)."""
    web_stack = stack
    stack = Stack("latency")
    try:
        stack._base = stack.start_web(workers=2)
        _latency(stack, args, out)
        # memory of the loaded web tier and workers of the main deployment too
        out["web_worker_rss_mb_main"] = max((rss_mb(pid) for p in web_stack.web for pid in children(p.pid)),
                                            default=0.0)
    finally:
        stack.close()


def _latency(stack: Stack, args, out: dict) -> None:
    stack.start_worker(2, name="lat")
    stack.wait_workers_ready()
    out["latency_100"] = latency_run(stack, 100, args.latency_seconds)
    capacity = min(out.get("ingest_single_rps") or 1e9, out.get("scoring_2_worker_comments_per_s") or 1e9)
    if capacity < 1e9:
        out["latency_80pct"] = latency_run_wrk(stack, 0.8 * capacity, args.latency_seconds)
        out["latency_80pct"]["capacity_basis"] = capacity
    phase_memory(stack, args, out)
    stack.stop_workers()


def phase_memory(stack: Stack, args, out: dict) -> None:
    web_pids = [c for p in stack.web for c in children(p.pid)]
    out["web_worker_rss_mb"] = max((rss_mb(pid) for pid in web_pids), default=0.0)
    worker_pids = []
    for p in stack.workers:
        worker_pids += children(p.pid)
    out["scoring_worker_rss_mb"] = max((rss_mb(pid) for pid in worker_pids), default=0.0)
    out["scoring_worker_main_rss_mb"] = max((rss_mb(p.pid) for p in stack.workers), default=0.0)


def phase_model(args, out: dict) -> None:
    """In-process model throughput: batches of 1,000 vs single calls (one core)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from models.registry import default_model

    t = now()
    model = default_model()
    out["model_load_s"] = now() - t
    items = [{"text": TEXTS[i % len(TEXTS)] + f" ({i})", "post_title": "Les négociations de paix"} for i in range(5000)]
    model.score_batch(items[:100])
    best = 0.0
    for _ in range(3):
        t = now()
        for start in range(0, len(items), 1000):
            model.score_batch(items[start:start + 1000])
        best = max(best, len(items) / (now() - t))
    out["model_batch1000_per_s"] = best
    for key, sample in (("model_single", [{"text": it["text"]} for it in items[:1000]]),
                        ("model_single_with_post", items[:1000])):
        times = []
        for item in sample:
            t = now()
            model.score_batch([item])
            times.append((now() - t) * 1000)
        out[f"{key}_p50_ms"] = pct(times, 50)
        out[f"{key}_per_s"] = 1000 / statistics.mean(times)


def phase_scaleout(args, out: dict) -> None:
    """2 web + 3 worker processes as separate 'hosts' on loopback (127.0.0.2, 127.0.0.3)."""
    stack = Stack("scale")
    try:
        port = free_port()
        bases = [stack.start_web("127.0.0.2", port, workers=1), stack.start_web("127.0.0.3", port, workers=1)]
        stack._base = bases[0]
        for i in range(3):
            stack.start_worker(1, name=f"host{i + 1}")
        stack.wait_workers_ready()
        path = f"/api/v1/sites/{stack.site['id']}/comments"
        files = []
        for i, base in enumerate(bases):
            f = stack.dir / f"scale{i}.txt"
            write_requests(f, stack.site, f"x{i}{secrets.token_hex(2)}", 400, 100)
            files.append(f)
        t0 = datetime.now(timezone.utc)
        results: list[dict] = [{}, {}]

        def load(i):
            results[i] = wrk(bases[i] + path, path, files[i], args.window, threads=1, connections=4)

        ts = [threading.Thread(target=load, args=(i,)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        t1 = datetime.now(timezone.utc)
        secs = (t1 - t0).total_seconds()
        out["scaleout_ingest_comments_per_s"] = sum(r["rps"] for r in results) * 100
        out["scaleout_scored_per_s"] = stack.scalar(
            "SELECT count(*) FROM comments WHERE scored_at >= :a AND scored_at < :b", a=t0, b=t1) / secs
        out["scaleout_non2xx"] = sum(r["non_2xx"] for r in results)
    finally:
        stack.close()


def phase_embedded(args, out: dict) -> None:
    """`make run`'s mode (SQLite, in-process worker): end-to-end comments/s, then a restart
    in the middle of a stream: every acknowledged comment must still be scored (e5: every core)."""
    import sqlalchemy as sa

    work = Path(tempfile.mkdtemp(prefix="colombe-embedded-"))
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("COLOMBE_", "PROMETHEUS_"))},
           "COLOMBE_DATA_DIR": str(work), "COLOMBE_PORT": str(port), "COLOMBE_LOG_LEVEL": "WARNING",
           "COLOMBE_BACKLOG_LIMIT": "10000000", "COLOMBE_MODEL_PROFILE": os.getenv("COLOMBE_MODEL_PROFILE", "full"),
           "COLOMBE_ENCODER_THREADS": os.environ.get("COLOMBE_ENCODER_THREADS", "0")}
    site = json.loads(subprocess.run([COLOMBE, "sites", "create", "Embedded", "--json"], env=env, check=True,
                                     capture_output=True, text=True).stdout)
    base = f"http://127.0.0.1:{port}"
    engine = sa.create_engine(f"sqlite:///{work / 'colombe.db'}")

    def count(sql):
        with engine.connect() as c:
            return c.execute(sa.text(sql)).scalar()

    def start():
        log = open(work / "serve.log", "a")
        p = subprocess.Popen([COLOMBE, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_http(base + "/readyz", 90)
        return p

    proc = start()
    try:
        acked = 0
        t0 = now()
        n = 0
        while now() - t0 < args.window:  # closed loop: batches of 100 as fast as they are accepted
            send_batch(base, site, [comment(f"emb{n}", i) for i in range(100)])
            acked += 100
            n += 1
        deadline = now() + 120
        while now() < deadline and count("SELECT count(*) FROM comments WHERE status = 'received'"):
            time.sleep(0.2)
        elapsed = now() - t0
        out["embedded_end_to_end_per_s"] = count("SELECT count(*) FROM comments WHERE status <> 'received'") / elapsed
        # Restart in the middle of a stream.
        stop = threading.Event()
        sent = {"acked": 0, "failed": 0}

        def stream():
            k = 0
            while not stop.is_set():
                try:
                    send_batch(base, site, [comment(f"rst{k}", i) for i in range(20)])
                    sent["acked"] += 20
                except OSError:
                    sent["failed"] += 1
                    time.sleep(0.1)
                k += 1

        t = threading.Thread(target=stream)
        t.start()
        time.sleep(3)
        proc.terminate()  # graceful: in-flight batch finishes, queued ids stay `received`
        proc.wait(60)
        time.sleep(1)
        proc = start()
        time.sleep(3)
        stop.set()
        t.join()
        deadline = now() + 120
        while now() < deadline and count("SELECT count(*) FROM comments WHERE status = 'received'"):
            time.sleep(0.2)
        stored = count("SELECT count(*) FROM comments WHERE external_id LIKE 'rst%'")
        scored = count("SELECT count(*) FROM comments WHERE external_id LIKE 'rst%' AND status <> 'received'")
        # lost = acknowledged but not in the database; a stored comment not yet scored is a backlog, not a loss
        out["embedded_restart"] = {"acknowledged": sent["acked"], "stored": stored, "scored": scored,
                                   "lost": sent["acked"] - stored, "unscored_after_120s": stored - scored,
                                   "refused_during_restart": sent["failed"]}
    finally:
        proc.terminate()
        proc.wait(60)
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)


def phase_queue(args, out: dict) -> None:
    """bench/queue_page_bench.py: queue page server time with 100,000 comments in PostgreSQL."""
    script = ROOT / "bench" / "queue_page_bench.py"
    before = set(RESULTS.glob("queue-*.json"))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT)
    new = sorted(set(RESULTS.glob("queue-*.json")) - before)
    if proc.returncode != 0 or not new:
        out["queue_page"] = {"error": (proc.stderr or proc.stdout)[-500:]}
        return
    data = json.loads(new[-1].read_text())
    rows = [r for r in data.get("results", []) if "search" not in r.get("scenario", "")]
    out["queue_page"] = {"p50_ms": max((r["p50_ms"] for r in rows), default=float("nan")),
                         "p95_ms": max((r["p95_ms"] for r in rows), default=float("nan")),
                         "comments": data.get("comments"), "file": str(new[-1].relative_to(ROOT))}
