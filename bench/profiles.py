#!/usr/bin/env python
"""Both model profiles (COLOMBE_MODEL_PROFILE=full|fast), measured the way they run.

For each profile:
  * end to end: a stored backlog of comments (with their post) drained by 2 worker
    processes of the production setup (PostgreSQL, Redis, Celery, gunicorn), in
    scored comments per second (first to last ``scored_at``: through Redis, the
    claim query, the model and the writes);
  * the scoring worker's RSS once the model is loaded (the worker process tree);
  * in-process, one core: model load time in a fresh process, single-comment p50/p95,
    a 1,000-character comment p50/p95, batches of 1,000; for ``full``, the share of
    comments its second stage (e5) reads.
The comments are real ones at their natural toxic rate (``blog_pool.py``): the second
stage's cost depends on how many comments fall near a hold point.
And, for ``full`` (the profile of the synchronous APIs): the Perspective-compatible
endpoint answering a 1,000-character comment, p50/p95 over HTTP (Coral's default
phase timeout is 200 ms).

    .venv/bin/python bench/profiles.py [--backlog 3000] [--json-out FILE]

``bench/run.py`` calls ``phase_profiles`` (``--only profiles``).  Figures taken
while other work shares the two cores are noisy: rerun before quoting.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

LONG_FR = ("Je lis ce blog depuis longtemps et je voulais réagir à cet article sur les négociations de paix. "
           "Il me semble que l'auteur oublie une partie de la question : les réfugiés qui attendent de rentrer, "
           "les villages détruits et les familles séparées depuis deux ans. ")
LONG_COMMENT = (LONG_FR * 5)[:1000]
POST = {"post_title": "Les négociations de paix reprennent",
        "post_text": "Les délégations se retrouvent à Genève pour parler de cessez-le-feu et de reconstruction."}

LOAD_SNIPPET = r"""
import os, sys, time, json, resource
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(v, "1")
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
from models.registry import load_model
t1 = time.perf_counter()
m = load_model(None, sys.argv[2])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1,
                  "rss_after_load_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def in_process(profile: str, n_single: int = 300) -> dict:
    """Load (fresh process), single comment, 1,000-character comment, batches of 1,000 (one core)."""
    out = {}
    loads = []
    for _ in range(3):
        r = subprocess.run([sys.executable, "-c", LOAD_SNIPPET, str(ROOT), profile], capture_output=True, text=True,
                           check=True, env={**os.environ, "COLOMBE_MODEL_PROFILE": profile})
        loads.append(json.loads(r.stdout.strip().splitlines()[-1]))
    out["load_s"] = min(x["load_s"] for x in loads)
    out["import_s"] = min(x["import_s"] for x in loads)
    from blog_pool import blog_texts
    from models.registry import load_model
    model = load_model(None, profile)
    texts, out["comments"] = blog_texts(3000)
    items = [{"text": t, **POST} for t in texts]
    model.score_batch(items[:50])
    if getattr(model, "cascade", None):
        from models.pipeline import run_batch
        out["second_stage_share"] = float(len(run_batch(model, items).second)) / len(items)
    times = []
    for it in items[:n_single]:
        t = time.perf_counter()
        model.score_batch([it])
        times.append((time.perf_counter() - t) * 1000)
    out["single_p50_ms"], out["single_p95_ms"] = pct(times, 50), pct(times, 95)
    times = []
    for i in range(60):
        t = time.perf_counter()
        model.score_batch([{"text": LONG_COMMENT[i % 7:] + f" {i}", **POST}])
        times.append((time.perf_counter() - t) * 1000)
    out["chars1000_p50_ms"], out["chars1000_p95_ms"] = pct(times, 50), pct(times, 95)
    if getattr(model, "cascade", None):
        # the worst case: the same comment read by the second stage too (every band wide open), with
        # no deadline (a worker), and with the synchronous APIs' default budget of 100 ms
        saved = model.cascade
        model.cascade = {**saved, "bands": {lab: (-1.0, 2.0) for lab in saved["bands"]}}
        try:
            for key, deadline in (("chars1000_second_stage", None), ("chars1000_budget100", 0.1)):
                times = []
                for i in range(30):
                    t = time.perf_counter()
                    model.score_batch([{"text": LONG_COMMENT[i % 7:] + f" {i}", **POST}],
                                      deadline=None if deadline is None else t + deadline)
                    times.append((time.perf_counter() - t) * 1000)
                out[f"{key}_p50_ms"], out[f"{key}_p95_ms"] = pct(times, 50), pct(times, 95)
        finally:
            model.cascade = saved
    t = time.perf_counter()
    for s in range(0, len(items), 1000):
        model.score_batch(items[s:s + 1000])
    out["batch1000_per_s"] = len(items) / (time.perf_counter() - t)
    return out


def end_to_end(profile: str, backlog: int) -> dict:
    """2 worker processes drain a stored backlog; worker RSS; (full) the sync API with 1,000 characters."""
    import run_stack as R
    out = {}
    stack = R.Stack(f"prof{profile}")
    stack.env["COLOMBE_MODEL_PROFILE"] = profile
    try:
        stack._base = stack.start_web(workers=2)
        base = stack.base_url()
        prefix = f"p{profile[:2]}{secrets.token_hex(2)}"
        from blog_pool import blog_texts
        texts, _ = blog_texts(backlog)
        for start in range(0, backlog, 500):
            batch = [{**R.comment(prefix, i), "text": texts[i], "post": {"id": f"post-{i % 20}", **{
                "title": POST["post_title"], "text": POST["post_text"]}}} for i in range(start, min(backlog, start + 500))]
            R.send_batch(base, stack.site, batch)
        t0 = datetime.now(timezone.utc)
        worker = stack.start_worker(2, name=f"prof{profile}")
        deadline = R.now() + 900
        while R.now() < deadline and stack.scalar("SELECT count(*) FROM comments WHERE status = 'received'"):
            time.sleep(0.5)
        first, last, n = stack.rows(
            "SELECT min(scored_at), max(scored_at), count(*) FROM comments WHERE scored_at >= :t0", t0=t0)[0]
        # a batch's comments carry the time its scoring ended: the comments of the first batch to end
        # were scored before `first`, so only those after it count over first -> last (counting them
        # all overstated the rate by up to the batch share of the backlog: 1.5 times with 3,000 and 500)
        after = stack.scalar("SELECT count(*) FROM comments WHERE scored_at > :first", first=first) if n else 0
        secs = (last - first).total_seconds() if n and n > 1 else float("nan")
        out["e2e_2_workers_comments_per_s"] = after / secs if secs and secs > 0 else 0.0
        out["e2e_scored"] = n
        versions = stack.rows("SELECT DISTINCT model_version FROM comments WHERE scored_at >= :t0", t0=t0)
        out["model_versions"] = sorted(v[0] for v in versions if v[0])
        pids = R.children(worker.pid)
        out["worker_rss_mb"] = max((R.rss_mb(p) for p in pids), default=0.0)
        out["worker_rss_total_mb"] = sum(R.rss_mb(p) for p in [worker.pid, *pids])
        stack.stop_workers()
        if profile == "full":
            out.update(sync_api(base, stack.site))
    finally:
        stack.close()
    return out


def sync_api(base: str, site: dict, n: int = 40) -> dict:
    """Perspective-compatible endpoint, 1,000-character comment (the web tier scores in-process, full)."""
    import requests
    token = site.get("api_token") or site.get("token")
    if not token:
        return {"sync_error": "no api token in the site JSON"}
    url = f"{base}/v1alpha1/comments:analyze?key={token}"
    body = {"comment": {"text": LONG_COMMENT}, "languages": ["fr"], "requestedAttributes": {"TOXICITY": {}}}
    requests.post(url, json=body, timeout=30)        # first call loads the model in that web worker
    requests.post(url, json=body, timeout=30)
    times = []
    for i in range(n):
        body["comment"]["text"] = LONG_COMMENT[: 990] + f" {i:04d}"
        t = time.perf_counter()
        r = requests.post(url, json=body, timeout=30)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    return {"sync_perspective_1000chars_p50_ms": pct(times, 50), "sync_perspective_1000chars_p95_ms": pct(times, 95)}


def phase_profiles(args, out: dict) -> None:
    """Hook for bench/run.py: both profiles, in-process and end to end."""
    backlog = getattr(args, "profile_backlog", 3000)
    res = {}
    for profile in ("full", "fast"):
        res[profile] = {**in_process(profile), **end_to_end(profile, backlog)}
    out["profiles"] = res
    print(format_profiles(res))


def format_profiles(res: dict) -> str:
    rows = [("end to end, 2 workers (comments/s)", "e2e_2_workers_comments_per_s", "{:.0f}"),
            ("single comment p50 (ms)", "single_p50_ms", "{:.1f}"),
            ("1,000-char comment p50 / p95 (ms)", ("chars1000_p50_ms", "chars1000_p95_ms"), "{:.1f}"),
            ("... read by the second stage too (ms)", ("chars1000_second_stage_p50_ms",
                                                      "chars1000_second_stage_p95_ms"), "{:.1f}"),
            ("... same, with the sync APIs' 100 ms budget (ms)", ("chars1000_budget100_p50_ms",
                                                                "chars1000_budget100_p95_ms"), "{:.1f}"),
            ("batches of 1,000, one core (comments/s)", "batch1000_per_s", "{:.0f}"),
            ("model load, fresh process (s)", "load_s", "{:.2f}"),
            ("scoring worker RSS (MB)", "worker_rss_mb", "{:.0f}"),
            ("comments the second stage (e5) reads (%)", "second_stage_pct", "{:.0f}"),
            ("sync API, 1,000 chars p50 / p95 (ms)", ("sync_perspective_1000chars_p50_ms",
                                                      "sync_perspective_1000chars_p95_ms"), "{:.0f}")]
    for r in res.values():
        if "second_stage_share" in r:
            r["second_stage_pct"] = 100 * r["second_stage_share"]
    lines = [f"{'':44} {'full':>14} {'fast':>14}"]
    for name, key, fmt in rows:
        cells = []
        for p in ("full", "fast"):
            r = res.get(p, {})
            keys = key if isinstance(key, tuple) else (key,)
            vals = [r.get(k) for k in keys]
            cells.append(" / ".join(fmt.format(v) for v in vals) if all(v is not None for v in vals) else "-")
        lines.append(f"{name:44} {cells[0]:>14} {cells[1]:>14}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backlog", type=int, default=3000, help="comments drained by the workers, per profile")
    ap.add_argument("--only", choices=["full", "fast"], action="append", help="profile(s) to measure")
    ap.add_argument("--no-e2e", action="store_true", help="in-process figures only (no PostgreSQL/Redis stack)")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    res = {}
    for profile in args.only or ("full", "fast"):
        res[profile] = in_process(profile)
        if not args.no_e2e:
            res[profile].update(end_to_end(profile, args.backlog))
    print(json.dumps(res, indent=1, default=str))
    print(format_profiles(res))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
