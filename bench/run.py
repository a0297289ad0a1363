"""`make bench`: Colombe's throughput, latency and memory, measured on this machine.

Production setup on loopback: `colombe serve` (gunicorn) + `colombe worker` (Celery,
prefork) + Redis + PostgreSQL, with load generators in other processes (wrk for
ingest, a Python open-loop sender for latency at 100/s, paced wrk at 80 % of
capacity). Prints a table and writes JSON under
bench/results/. Every figure comes with the command that reproduces it.

    python bench/run.py                 # everything (12 min on 2 cores before e5; 30-40 with full now, estimated)
    python bench/run.py --only ingest   # one phase: ingest, scoring, latency, memory, model, scaleout, embedded,
                                        # queue, client (a Python platform client), deliveries
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run_stack, run_phases

from run_phases import (phase_embedded, phase_ingest, phase_latency, phase_model, phase_queue,  # noqa: E402
                        phase_scaleout, phase_scoring)
from run_client import phase_client, phase_deliveries  # noqa: E402
from run_stack import RESULTS, ROOT, Stack  # noqa: E402


# ---------------------------------------------------------------- report

TARGETS = [
    ("ingest_single_rps", "signed single-comment webhooks/s", ">= 500", lambda v: v >= 500, "ingest"),
    ("ingest_batch_comments_per_s", "comments/s in batches of 100", ">= 3000", lambda v: v >= 3000, "ingest"),
    ("ingest_batch_replayed_comments_per_s", "  the same, one request file replayed by every run (as before)", "",
     None, "ingest"),
    ("bare_flask_rps", "bare Flask 202 endpoint, same gunicorn setup", "", None, "ingest"),
    ("ratio_ingest_vs_bare", "ingest / bare Flask (single-comment requests)", ">= 0.5", lambda v: v >= 0.5, "ingest"),
    ("ratio_batch_comments_vs_bare", "batched comments/s / bare Flask requests/s", "", None, "ingest"),
    ("scoring_1_worker_comments_per_s", "scored comments/s, 1 worker process", "", None, "scoring"),
    ("scoring_2_worker_comments_per_s", "scored comments/s, 2 worker processes", ">= 1500", lambda v: v >= 1500, "scoring"),
    ("model_batch1000_per_s", "model in-process, batches of 1,000 (comments/s)", ">= 5000", lambda v: v >= 5000, "model"),
    ("model_single_p50_ms", "model single comment p50 (ms), text only", "<= 2", lambda v: v <= 2, "model"),
    ("model_single_with_post_p50_ms", "model single comment p50 (ms), with its post (off-topic pair)", "<= 2",
     lambda v: v <= 2, "model"),
    ("model_load_s", "model load (s)", "<= 1", lambda v: v <= 1, "model"),
    ("ratio_scoring_vs_model", "2-worker scoring / in-process model", ">= 0.5", lambda v: v >= 0.5, "scoring model"),
    ("web_worker_rss_mb", "web worker RSS (MB)", "<= 150", lambda v: v <= 150, "latency"),
    ("scoring_worker_rss_mb", "scoring worker RSS with model (MB)", "<= 300", lambda v: v <= 300, "latency"),
    ("scaleout_ingest_comments_per_s", "2 web + 3 workers: ingest comments/s", "", None, "scaleout"),
    ("scaleout_scored_per_s", "2 web + 3 workers: scored comments/s", "", None, "scaleout"),
    ("embedded_end_to_end_per_s", "embedded mode (make run): comments/s end to end", ">= 300", lambda v: v >= 300, "embedded"),
    ("client_ingest_alone_per_s", "Python platform client, 4 senders × batches of 100: ingest, workers stopped (comments/s)",
     "", None, "client"),
    ("client_ingest_per_s", "Python platform client, 4 senders × batches of 100: ingest (comments/s)", "", None, "client"),
    ("client_end_to_end_per_s", "Python platform client: end to end, every comment decided (comments/s)", "", None,
     "client"),
    ("client_cpu_bound_per_s", "  ceiling from CPU seconds per comment (client + web + workers + PostgreSQL) on 2 cores",
     "", None, "client"),
    ("deliveries_per_s", "decisions delivered to a local receiver, a backlog drained (deliveries/s)", ">= 500",
     lambda v: v >= 500, "deliveries"),
    ("deliveries_end_to_end_per_s", "decisions delivered while the same workers score (deliveries/s)", "", None,
     "deliveries"),
]

# The stack scores with the profile the environment names (Settings' default: full). The
# targets above came with the n-gram-only model (issue #7, today's `fast`); issue #16 set
# the `full` profile's own: >= 100 comments/s with 2 workers, p50 <= 100 ms, load <= 3 s,
# worker RSS <= 400 MB.
PROFILE = os.environ.get("COLOMBE_MODEL_PROFILE", "full")
FULL_TARGETS = {
    "scoring_2_worker_comments_per_s": (">= 100", lambda v: v >= 100),
    "model_batch1000_per_s": ("", None),
    "model_single_p50_ms": ("<= 100", lambda v: v <= 100),
    "model_single_with_post_p50_ms": ("<= 100", lambda v: v <= 100),
    "model_load_s": ("<= 3", lambda v: v <= 3),
    "scoring_worker_rss_mb": ("<= 400", lambda v: v <= 400),
}


def report(out: dict) -> None:
    rows = [(f"model profile: {PROFILE}", "", "", "", "")]
    for key, label, target, check, phase in TARGETS:
        if key not in out:
            continue
        v = out[key]
        if PROFILE == "full" and key in FULL_TARGETS:
            target, check = FULL_TARGETS[key]
        ok = "" if check is None else ("ok" if check(v) else "MISSED")
        rows.append((label, f"{v:,.2f}", target, ok, f"python bench/run.py --only {phase.split()[0]}"))
    for key in ("latency_100", "latency_80pct"):
        if key in out:
            r = out[key]
            ok = "ok" if (key != "latency_100" or r["p99_ms"] <= 300) and r["lost"] == 0 else "MISSED"
            rows.append((f"202→decision at {r['achieved_rate']:.0f}/s (target {r['target_rate']:.0f}/s): p50/p95/p99 ms",
                         f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} / {r['p99_ms']:.0f}",
                         "p99 <= 300" if key == "latency_100" else "", ok, "python bench/run.py --only latency"))
            rows.append((f"  acknowledged / decided / lost / non-202", f"{r['acknowledged']} / {r['decided']} / {r['lost']} / {r['non_202']}",
                         "lost = 0", "ok" if r["lost"] == 0 else "MISSED", ""))
    c = out.get("client")
    if isinstance(c, dict) and "cpu_seconds_per_1000_comments" in c:
        cpu = c["cpu_seconds_per_1000_comments"]
        rows.append(("  CPU seconds per 1,000 comments: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()),
                     f"p50 {c['decision_latency_p50_ms']:.0f} ms", "", "", "python bench/run.py --only client"))
    d = out.get("deliveries")
    if isinstance(d, dict) and "decision_to_delivery_p50_ms" in d:
        rows.append(("  decision → delivery p50 / p99 (ms)",
                     f"{d['decision_to_delivery_p50_ms']:.0f} / {d['decision_to_delivery_p99_ms']:.0f}", "", "",
                     "python bench/run.py --only deliveries"))
    r = out.get("embedded_restart")
    if r:
        rows.append(("embedded restart mid-stream: acknowledged / stored / lost",
                     f"{r['acknowledged']} / {r.get('stored', '?')} / {r['lost']}", "lost = 0",
                     "ok" if r["lost"] == 0 else "MISSED", "python bench/run.py --only embedded"))
        rows.append(("  scored / still queued 120 s after the restart", f"{r['scored']} / {r.get('unscored_after_120s', '?')}",
                     "", "", "python bench/run.py --only embedded"))
    q = out.get("queue_page")
    if isinstance(q, dict) and "p95_ms" in q:
        rows.append(("queue page server time, worst scenario p50 / p95 (ms), 100k comments", f"{q.get('p50_ms', 0):.1f} / {q['p95_ms']:.1f}",
                     "p95 < 150", "ok" if q["p95_ms"] < 150 else "MISSED", "python bench/queue_page_bench.py"))
    w = [max(len(str(r[i])) for r in rows) for i in range(5)] if rows else [0] * 5
    print()
    for r in rows:
        print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append",
                    choices=["ingest", "scoring", "latency", "memory", "model", "scaleout", "embedded", "queue",
                             "client", "deliveries", "profiles"])
    ap.add_argument("--runs", type=int, default=3, help="runs per wrk figure (the median is reported)")
    ap.add_argument("--seconds", type=int, default=8, help="seconds per wrk run")
    ap.add_argument("--window", type=int, default=15, help="seconds per scoring window")
    ap.add_argument("--latency-seconds", type=int, default=20)
    ap.add_argument("--scoring-backlog", type=int, default=30000)
    ap.add_argument("--single-requests", type=int, default=40000)
    ap.add_argument("--batch-requests", type=int, default=1500)
    ap.add_argument("--client-seconds", type=float, default=20, help="seconds the Python platform senders send")
    ap.add_argument("--delivery-comments", type=int, default=10000, help="decisions to deliver in the delivery phase")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk)")
    phases = set(args.only or ["ingest", "scoring", "latency", "model", "scaleout", "embedded", "queue", "client",
                               "deliveries", "profiles"])
    out: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}}
    def attempt(name, fn, *a):
        """A phase that fails is reported, and the others still run."""
        print(f"{name} …", flush=True)
        try:
            fn(*a)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            import traceback

            traceback.print_exc()
            out.setdefault("errors", {})[name] = f"{exc.__class__.__name__}: {exc}"

    if "model" in phases or "scoring" in phases:
        attempt("model", phase_model, args, out)
    if phases & {"ingest", "scoring", "latency", "memory"}:
        stack = Stack("main")
        try:
            stack._base = stack.start_web(workers=2)
            if "ingest" in phases:
                attempt("ingest", phase_ingest, stack, args, out)
            if "scoring" in phases:
                attempt("scoring", phase_scoring, stack, args, out)
            if phases & {"latency", "memory"}:
                attempt("latency + memory", phase_latency, stack, args, out)
        finally:
            stack.close()
    if "scoring_2_worker_comments_per_s" in out and "model_batch1000_per_s" in out:
        out["ratio_scoring_vs_model"] = out["scoring_2_worker_comments_per_s"] / out["model_batch1000_per_s"]
    if "scaleout" in phases:
        attempt("scale-out", phase_scaleout, args, out)
    if "embedded" in phases:
        attempt("embedded mode", phase_embedded, args, out)
    if "queue" in phases:
        attempt("queue page", phase_queue, args, out)
    if "client" in phases:
        attempt("Python platform client", phase_client, args, out)
    if "deliveries" in phases:
        attempt("deliveries", phase_deliveries, args, out)
    if "profiles" in phases:  # both model profiles: bench/profiles.py
        attempt("model profiles", __import__("profiles").phase_profiles, args, out)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    report(out)
    for name, error in out.get("errors", {}).items():
        print(f"phase {name} FAILED: {error}")
    print(f"raw figures: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
