"""Server time of the moderator queue page with 100,000 comments in PostgreSQL.

    .venv/bin/python bench/queue_page_bench.py [--comments 100000] [--requests 60] [--keep]

Seeds a scratch database (COPY, a few seconds), logs in through the real login form,
then times GET /queue in-process with Flask's test client (so the number is server
time: routing, queries, template) for several filters and pages. Prints a table and
writes bench/results/queue-<timestamp>.json. Target: p95 under 150 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("COLOMBE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_NAME = f"colombe_bench_queue_{os.getpid()}"  # per run: the PostgreSQL server may be shared
LABELS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene", "spam", "off_topic")
WORDS = ("vélo ville article merci super idée bravo nul pas d'accord je pense que le maire devrait "
         "great post thanks bike lane city council idiot spam buy now cheap really disagree agree").split()
TARGET_P95_MS = 150.0


def admin_exec(sql: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


def seed(url: str, n_comments: int, secret_key: str) -> dict:
    """Sites, posts, users via the ORM; comments and audit rows via COPY."""
    import psycopg

    from service.core.sites import create_site
    from service.db.session import session_scope
    from service.moderation.auth import create_user

    rng = random.Random(42)
    with session_scope(url) as s:
        sites = [create_site(s, f"Blog {i}", secret_key).site.id for i in range(3)]
        create_user(s, "bench_admin", "bench password", "admin")
        create_user(s, "bench_mod", "bench password", "moderator", [sites[0]])
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(timezone.utc)
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            posts = []
            with cur.copy("COPY posts (site_id, external_id, title, url, lang, created_at, updated_at) FROM STDIN") as cp:
                for i in range(600):
                    site = sites[i % 3]
                    cp.write_row((site, f"post-{i}", f"Article numéro {i}", f"https://blog.example/{i}", "fr", now, now))
            cur.execute("SELECT id, site_id FROM posts ORDER BY id")
            posts = cur.fetchall()
            columns = ("id", "site_id", "external_id", "post_id", "parent_id", "text", "format", "lang", "lang_given",
                       "author_name", "author_key", "received_at", "created_at", "status", "scores", "reasons",
                       "flag_labels", "priority", "model_version", "scored_at", "decided_at")
            cur.execute("SELECT nextval('comments_id_seq')")
            first_id = cur.fetchone()[0]
            by_site: dict[str, list[int]] = {s_: [] for s_ in sites}
            actions = []
            with cur.copy(f"COPY comments ({', '.join(columns)}) FROM STDIN") as cp:
                for k in range(n_comments):
                    cid = first_id + k
                    post_id, site = posts[rng.randrange(len(posts))]
                    scores = {lab: round(rng.random() ** 4, 4) for lab in LABELS}
                    if rng.random() < 0.35:
                        hot = rng.choice(LABELS)
                        scores[hot] = round(0.5 + rng.random() / 2, 4)
                    reasons = [{"label": lab, "score": sc, "threshold": 0.5, "kind": "approve_below"}
                               for lab, sc in sorted(scores.items(), key=lambda kv: -kv[1]) if sc >= 0.5]
                    if reasons:
                        status = rng.choices(("pending", "approved", "rejected"), (0.6, 0.2, 0.2))[0]
                    else:
                        status = "approved"
                    flags = ("," + ",".join(sorted(r["label"] for r in reasons)) + ",") if reasons else None
                    parent = rng.choice(by_site[site]) if by_site[site] and rng.random() < 0.3 else None
                    by_site[site].append(cid)
                    author = rng.randrange(5000)
                    at = now - timedelta(seconds=(n_comments - k) * 20)
                    text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 60)))
                    cp.write_row((cid, site, f"c-{cid}", post_id, parent, text, "text", rng.choice(("fr", "en")), False,
                                  f"Auteur {author}", f"author-{author}", at, at, status, json.dumps(scores),
                                  json.dumps(reasons), flags, max(scores.values()), "bench-1", at,
                                  at if status != "received" else None))
                    actions.append((cid, site, "auto", {"pending": "hold", "approved": "approve", "rejected": "reject"}[status],
                                    "received", status, reasons[0]["label"] if reasons else None, "bench-1", at))
            cur.execute("SELECT setval('comments_id_seq', %s)", (first_id + n_comments,))
            with cur.copy("COPY moderation_actions (comment_id, site_id, actor, action, from_status, to_status, reason, "
                          "model_version, created_at) FROM STDIN") as cp:
                for row in actions:
                    cp.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
    return {"sites": sites}


def login(client, username: str) -> None:
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": username, "password": "bench password", "csrf_token": token})
    assert resp.status_code == 302, resp.status_code


def timed(client, url: str, n: int, warmup: int = 5) -> dict:
    for _ in range(warmup):
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
    samples = []
    items = 0
    for _ in range(n):
        t0 = time.perf_counter()
        resp = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200
        items = resp.data.count(b"data-comment-id=")
    samples.sort()
    return {"url": url, "n": n, "items": items, "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2),
            "max_ms": round(samples[-1], 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--comments", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = ap.parse_args(argv)

    from service.app import create_app
    from service.config import Settings
    from service.db.migrate import upgrade

    admin_exec(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin_exec(f'CREATE DATABASE "{DB_NAME}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + DB_NAME
    try:
        upgrade(url)
        data_dir = tempfile.mkdtemp(prefix="colombe-bench-")
        settings = Settings.from_env({"COLOMBE_DATA_DIR": data_dir, "COLOMBE_DATABASE_URL": url,
                                      "COLOMBE_LOG_LEVEL": "WARNING"})
        t0 = time.perf_counter()
        world = seed(url, args.comments, settings.secret_key)
        seed_s = time.perf_counter() - t0
        print(f"seeded {args.comments} comments in {seed_s:.1f}s", file=sys.stderr)
        app = create_app(settings, dispatcher=_NoDispatcher())
        site = world["sites"][0]
        results = []
        admin = app.test_client()
        login(admin, "bench_admin")
        # the page after 20 pages of keyset pagination (deep page, same cost)
        deep = "/queue"
        for _ in range(20):
            m = re.search(rb'rel="next" href="([^"]+)"', admin.get(deep).data)
            deep = m.group(1).decode().replace("&amp;", "&")
        scenarios = [
            ("admin, all sites, priority", admin, "/queue"),
            ("admin, one site, priority", admin, f"/queue?site={site}"),
            ("admin, oldest first", admin, "/queue?sort=oldest"),
            ("admin, label=insult", admin, "/queue?label=insult"),
            ("admin, lang=fr, newest", admin, "/queue?lang=fr&sort=newest"),
            ("admin, status=all", admin, "/queue?status=all"),
            ("admin, page 21 (keyset)", admin, deep),
            ("admin, search text", admin, "/queue?q=idiot"),
        ]
        mod = app.test_client()
        login(mod, "bench_mod")
        scenarios.append(("moderator (1 site)", mod, "/queue"))
        # not part of the target: the other pages, for reference
        scenarios += [("(ref) audit log", admin, "/audit"), ("(ref) dashboard", admin, "/dashboard")]
        for name, client, url_ in scenarios:
            r = timed(client, url_, args.requests)
            r["scenario"] = name
            results.append(r)
        with app.app_context():
            from sqlalchemy import func, select

            from service.db.session import session_scope
            from service.db.tables import Comment
            with session_scope(url) as s:
                pending = s.scalar(select(func.count()).select_from(Comment).where(Comment.status == "pending"))
    finally:
        from service.db.session import _engines

        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        if not args.keep:
            admin_exec(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')

    print(f"load average during the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          "(other work on the machine inflates the numbers)")
    width = max(len(r["scenario"]) for r in results)
    print(f"\nqueue page server time, {args.comments} comments ({pending} pending), {args.requests} requests each")
    print(f"{'scenario'.ljust(width)}  items   p50 ms   p95 ms   max ms")
    for r in results:
        print(f"{r['scenario'].ljust(width)}  {r['items']:5d}  {r['p50_ms']:7.1f}  {r['p95_ms']:7.1f}  {r['max_ms']:7.1f}")
    worst = max(r["p95_ms"] for r in results if "search" not in r["scenario"] and "(ref)" not in r["scenario"])
    ok = worst < TARGET_P95_MS
    print(f"\nworst p95 of the queue page (without free-text search): {worst:.1f} ms -> {'OK' if ok else 'OVER'} (target {TARGET_P95_MS:.0f} ms)")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"queue-{stamp}.json"
    path.write_text(json.dumps({"comments": args.comments, "pending": pending, "requests": args.requests,
                                "seed_seconds": round(seed_s, 1), "target_p95_ms": TARGET_P95_MS,
                                "worst_p95_ms": worst, "ok": ok, "results": results,
                                "python": sys.version.split()[0], "at": stamp,
                                "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0 if ok else 1


class _NoDispatcher:
    def score(self, ids):
        return True

    def close(self):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
