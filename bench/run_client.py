"""Phases of `make bench` that measure what a platform sees (issue #15 and #16):

- `phase_deliveries`: decisions leaving Colombe. A fresh deployment (2 worker processes)
  with an outbound decision webhook to a local receiver; comments arrive, are scored,
  and every decision is POSTed to the receiver (deliver on commit). Deliveries/s =
  delivered rows / (last delivered_at - first delivered_at); latency = decided_at →
  delivered_at.
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


def phase_deliveries(args, out: dict) -> None:
    """Decisions delivered to a local receiver per second (target >= 500/s)."""
    stack = Stack("deliver")
    receiver, url = _receiver()
    try:
        subprocess.run([COLOMBE, "integrations", "set", stack.site["id"], "--outbound-url", url + "/hook"],
                       env=stack.env, check=True, capture_output=True)
        stack._base = stack.start_web(workers=2)
        stack.start_worker(2, name="deliver")
        stack.wait_workers_ready()
        stack.run("DELETE FROM integration_deliveries")
        n = args.delivery_comments
        prefix = f"dl{secrets.token_hex(2)}"
        t0 = datetime.now(timezone.utc)
        for start in range(0, n, 500):
            send_batch(stack.base_url(), stack.site, [comment(prefix, i) for i in range(start, min(n, start + 500))])
        deadline = now() + 300
        while now() < deadline and stack.scalar(
                "SELECT count(*) FROM integration_deliveries WHERE status = 'delivered'") < n:
            time.sleep(0.5)
        first, last, delivered = stack.rows(
            "SELECT min(delivered_at), max(delivered_at), count(*) FROM integration_deliveries "
            "WHERE status = 'delivered' AND created_at >= :t0", t0=t0)[0]
        secs = (last - first).total_seconds() if delivered > 1 else float("nan")
        lat = [float(r[0]) * 1000 for r in stack.rows(
            "SELECT EXTRACT(EPOCH FROM (d.delivered_at - c.decided_at)) FROM integration_deliveries d "
            "JOIN comments c ON c.id = d.comment_id WHERE d.status = 'delivered' AND d.created_at >= :t0", t0=t0)]
        other = dict(stack.rows("SELECT status, count(*) FROM integration_deliveries GROUP BY status"))
        out["deliveries_per_s"] = delivered / secs if secs and secs > 0 else 0.0
        out["deliveries"] = {"comments": n, "delivered": delivered, "by_status": other,
                             "decision_to_delivery_p50_ms": pct(lat, 50), "decision_to_delivery_p99_ms": pct(lat, 99),
                             "seconds": secs}
    finally:
        receiver.terminate()
        receiver.wait(10)
        stack.close()
