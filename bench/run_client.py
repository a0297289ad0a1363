"""Phases of `make bench` that measure what a platform sees (issue #15 and #16):

- `phase_deliveries`: decisions leaving Colombe. A fresh deployment (2 worker processes)
  with an outbound decision webhook to a local receiver: a backlog of decisions drained
  (the sending alone), then comments arriving, scored and their decisions POSTed (deliver
  on commit, end to end). Deliveries/s = delivered rows / (last delivered_at - first
  delivered_at); latency = decided_at → delivered_at.
- `phase_client`: the way a platform sends. A fresh deployment; 4 Python sender
  processes (urllib, a new connection per request, each request signed as it is sent),
  batches of 100 unique comments, one post; ingest comments/s (202s over the sending
  window) and end to end (every comment decided; from the first send to the last
  decision), and the same stored comments counted by stage to show where the time goes.
"""
from __future__ import annotations

import json
import multiprocessing
import secrets
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from run_stack import COLOMBE, ROOT, Stack, comment, now, pct, send_batch, signed


def _receiver() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "receiver.py")], stdout=subprocess.PIPE,
                            text=True, start_new_session=True)
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def _delivery_stats(stack: Stack, t0) -> tuple[float, dict]:
    first, last, delivered = stack.rows(
        "SELECT min(delivered_at), max(delivered_at), count(*) FROM integration_deliveries "
        "WHERE status = 'delivered' AND created_at >= :t0", t0=t0)[0]
    secs = (last - first).total_seconds() if delivered > 1 else float("nan")
    lat = [float(r[0]) * 1000 for r in stack.rows(
        "SELECT EXTRACT(EPOCH FROM (d.delivered_at - c.decided_at)) FROM integration_deliveries d "
        "JOIN comments c ON c.id = d.comment_id WHERE d.status = 'delivered' AND d.created_at >= :t0", t0=t0)]
    rate = delivered / secs if secs and secs > 0 else 0.0
    return rate, {"delivered": delivered, "seconds": secs, "decision_to_delivery_p50_ms": pct(lat, 50),
                  "decision_to_delivery_p99_ms": pct(lat, 99),
                  "by_status": dict(stack.rows("SELECT status, count(*) FROM integration_deliveries "
                                               "WHERE created_at >= :t0 GROUP BY status", t0=t0))}


def _wait_delivered(stack: Stack, t0, n: int) -> None:
    deadline = now() + 300
    while now() < deadline and stack.scalar(
            "SELECT count(*) FROM integration_deliveries WHERE status = 'delivered' AND created_at >= :t0", t0=t0) < n:
        time.sleep(0.5)


def _send_comments(stack: Stack, prefix: str, n: int) -> None:
    for start in range(0, n, 500):
        send_batch(stack.base_url(), stack.site, [comment(prefix, i) for i in range(start, min(n, start + 500))])


def phase_deliveries(args, out: dict) -> None:
    """Decisions delivered to a local receiver per second (target >= 500/s), 2 worker
    processes: draining a backlog of decisions (the sending alone), and end to end while
    the same workers score the comments that make the decisions."""
    stack = Stack("deliver")
    receiver, url = _receiver()
    try:
        subprocess.run([COLOMBE, "integrations", "set", stack.site["id"], "--outbound-url", url + "/hook"],
                       env=stack.env, check=True, capture_output=True)
        stack._base = stack.start_web(workers=2)
        n = args.delivery_comments
        # 1. a backlog: scored by workers that do not consume the notify queue, then sent
        scorer = stack._spawn(["worker", "--concurrency", "2", "-Q", "scoring,celery", "--name", "scorer@bench",
                               "--loglevel", "WARNING"], "worker-scorer")
        stack.workers.append(scorer)
        stack.wait_workers_ready()
        t0 = datetime.now(timezone.utc)
        _send_comments(stack, f"db{secrets.token_hex(2)}", n)
        deadline = now() + 300
        while now() < deadline and stack.scalar("SELECT count(*) FROM integration_deliveries "
                                                "WHERE created_at >= :t0", t0=t0) < n:
            time.sleep(0.5)
        stack.stop_workers()
        stack.start_worker(2, name="sender")
        _wait_delivered(stack, t0, n)
        out["deliveries_per_s"], out["deliveries"] = _delivery_stats(stack, t0)
        # 2. end to end: the same workers score and deliver
        t0 = datetime.now(timezone.utc)
        _send_comments(stack, f"de{secrets.token_hex(2)}", n)
        _wait_delivered(stack, t0, n)
        out["deliveries_end_to_end_per_s"], out["deliveries_end_to_end"] = _delivery_stats(stack, t0)
    finally:
        receiver.terminate()
        receiver.wait(10)
        stack.close()


# ---------------------------------------------------------------- the way a platform sends

CLIENT_POST = {"id": "client-post", "title": "Les négociations de paix", "url": "https://blog.example.org/paix"}


def _platform_sender(base: str, site: dict, prefix: str, seconds: float, batch: int, q) -> None:
    """One sender process: batches of `batch` unique comments about one post, each request
    built and signed when it is sent, urllib with a new connection per request."""
    import os
    import urllib.request

    sys.path.insert(0, str(ROOT))
    statuses: dict[int, int] = {}
    sent = 0
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < seconds:
        comments = [{**comment(f"{prefix}-{n}", j), "post": CLIENT_POST} for j in range(batch)]
        body = json.dumps({"comments": comments}).encode()
        ts, sig = signed(site["webhook_secret"], body)
        req = urllib.request.Request(f"{base}/api/v1/sites/{site['id']}/comments", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-Colombe-Timestamp": ts,
                                              "X-Colombe-Signature": sig})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
                code = r.status
        except urllib.error.HTTPError as exc:
            code = exc.code
        except OSError:
            code = 0
        statuses[code] = statuses.get(code, 0) + 1
        sent += batch if code == 202 else 0
        n += 1
    times = os.times()
    q.put({"statuses": statuses, "acked": sent, "elapsed": time.monotonic() - t0,
           "cpu_s": times.user + times.system})


def _cpu_s(pids) -> float:
    """User + system CPU seconds of these processes so far (clock ticks from /proc)."""
    import os

    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _run_senders(stack: Stack, prefix: str, senders: int, seconds: float, batch: int) -> dict:
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_platform_sender,
                                     args=(stack.base_url(), stack.site, f"{prefix}{i}", seconds, batch, q))
             for i in range(senders)]
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    statuses: dict = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    return {"acked": sum(r["acked"] for r in results), "elapsed": max(r["elapsed"] for r in results),
            "statuses": statuses, "client_cpu_s": sum(r["cpu_s"] for r in results)}


def _component_pids(stack: Stack) -> dict[str, list[int]]:
    from run_stack import children

    pg = [int(r[0]) for r in stack.rows("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")]
    return {"web": [c for p in stack.web for c in [p.pid, *children(p.pid)]],
            "workers": [c for p in stack.workers for c in [p.pid, *children(p.pid)]], "postgresql": pg}


def phase_client(args, out: dict) -> None:
    """4 Python senders, batches of 100 unique comments, one post: ingest and end to end on
    a fresh deployment (2 web processes, 2 worker processes), with where the CPU goes."""
    stack = Stack("client")
    try:
        stack._base = stack.start_web(workers=2)
        # 1. ingest alone (workers stopped): what the web tier and PostgreSQL take
        alone = _run_senders(stack, f"ia{secrets.token_hex(2)}", 4, args.client_seconds, 100)
        out["client_ingest_alone_per_s"] = alone["acked"] / alone["elapsed"]
        stack.reset_backlog()
        # 2. the real thing: workers running, end to end
        stack.start_worker(2, name="client")
        stack.wait_workers_ready()
        prefix = f"ie{secrets.token_hex(2)}"
        pids = _component_pids(stack)
        cpu0 = {k: _cpu_s(v) for k, v in pids.items()}
        t0 = datetime.now(timezone.utc)
        run = _run_senders(stack, prefix, 4, args.client_seconds, 100)
        deadline = now() + 300
        while now() < deadline and stack.scalar(
                "SELECT count(*) FROM comments WHERE external_id LIKE :p AND status = 'received'", p=prefix + "%"):
            time.sleep(0.5)
        cpu1 = {k: _cpu_s(v) for k, v in _component_pids(stack).items()}
        last, decided, p50, p99 = stack.rows(
            "SELECT max(decided_at), count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY "
            "EXTRACT(EPOCH FROM decided_at - received_at)), percentile_cont(0.99) WITHIN GROUP (ORDER BY "
            "EXTRACT(EPOCH FROM decided_at - received_at)) FROM comments WHERE external_id LIKE :p "
            "AND decided_at IS NOT NULL", p=prefix + "%")[0]
        e2e_s = (last - t0).total_seconds() if last else float("nan")
        # the sending side per comment acknowledged, the workers per comment decided (with a backlog
        # left at the deadline, per acknowledged comment would understate what a decision costs)
        per_k = 1000 / max(run["acked"], 1)
        cpu = {k: round((cpu1[k] - cpu0[k]) * (1000 / max(decided, 1) if k == "workers" else per_k), 3)
               for k in cpu0}
        cpu["client"] = round(run["client_cpu_s"] * per_k, 3)
        total_ms = sum(cpu.values())  # CPU seconds per 1,000 comments = CPU ms per comment
        out["client_cpu_bound_per_s"] = 2 * 1000 / total_ms if total_ms else 0.0
        out["client_ingest_per_s"] = run["acked"] / run["elapsed"]
        out["client_end_to_end_per_s"] = decided / e2e_s if e2e_s == e2e_s and e2e_s > 0 else 0.0
        out["client"] = {"acked": run["acked"], "decided": decided, "statuses": run["statuses"],
                         "sending_s": run["elapsed"], "first_send_to_last_decision_s": e2e_s,
                         "decision_latency_p50_ms": float(p50 or 0) * 1000, "decision_latency_p99_ms":
                         float(p99 or 0) * 1000, "cpu_seconds_per_1000_comments": cpu,
                         "ingest_alone_statuses": alone["statuses"]}
    finally:
        stack.close()
