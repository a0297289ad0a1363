"""Senders and the ledger of the fault tests: what the clients sent, what the server
acknowledged, and the audit that says what was lost or duplicated."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import requests

if TYPE_CHECKING:
    from tests.chaos.harness import Stack

FINAL = ("pending", "approved", "rejected")
SUMMARY: list[dict] = []  # one row per scenario, printed at the end of the session


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
