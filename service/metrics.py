"""Prometheus metrics, correct across gunicorn workers and Celery worker processes.

Counters and histograms use prometheus_client's multiprocess mode: every process
(web worker, Celery worker, embedded scoring thread) writes to files under one
directory (`COLOMBE_METRICS_DIR`, default `<data dir>/metrics`), and `/metrics`
aggregates them. Gauges that describe state (queue size per site, model version)
are read from the database at scrape time, so they are right whichever process
changed the state. Nothing here runs at import time: `configure()` does the work.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

_lock = threading.Lock()
_m: dict = {}

SCORING_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800)


def configure(metrics_dir: Path | str) -> None:
    """Point this process at the shared metrics directory and create the metrics."""
    with _lock:
        if _m:
            return
        path = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or metrics_dir)
        if not path.is_dir():  # owner only, like the data dir (its files carry site ids)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.mkdir(mode=0o700, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
        from prometheus_client import Counter, Histogram, values

        if not isinstance(values.ValueClass, type) or values.ValueClass.__name__ != "MmapedValue":
            values.ValueClass = values.MultiProcessValue()
        _m["dir"] = path
        _m["received"] = Counter("colombe_comments_received",
                                 "Comments stored by intake (webhooks, APIs, pollers, imports).")
        _m["duplicates"] = Counter("colombe_comments_duplicate", "Comments already known (idempotent repeats).")
        _m["scored"] = Counter("colombe_comments_scored", "Comments scored by the model.")
        _m["decisions"] = Counter("colombe_decisions", "Status decisions.", ["status", "actor"])
        _m["scoring"] = Histogram("colombe_scoring_seconds", "Model time per scoring batch.", buckets=SCORING_BUCKETS)
        _m["latency"] = Histogram(
            "colombe_ingest_to_decision_seconds", "From webhook receipt to the first decision.", buckets=LATENCY_BUCKETS
        )
        _m["requests"] = Histogram(
            "colombe_http_request_seconds", "HTTP request time.", ["endpoint", "method", "status"],
            buckets=SCORING_BUCKETS,
        )
        _m["task_failures"] = Counter("colombe_task_failures", "Task runs that raised.", ["task"])
        _m["auth_failures"] = Counter("colombe_integration_auth_failures",
                                      "Platform credentials refused or not refreshed (polls, write-backs).",
                                      ["platform"])
        _m["site_promotions"] = Counter("colombe_site_model_promotions",
                                        "Site model promotions and rollbacks.", ["site", "action", "actor"])
        _m["site_training"] = Histogram("colombe_site_model_training_seconds",
                                        "Time to train and shadow-test one site model candidate.",
                                        buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600))
        _m["intake_skipped"] = Counter("colombe_intake_skipped", "Comments and posts intake refused, by source "
                                       "and reason (too long, invalid Unicode, ...).", ["source", "reason"])


def configured() -> bool:
    return bool(_m)


def received(n: int = 1) -> None:
    if _m and n:
        _m["received"].inc(n)


def duplicates(n: int = 1) -> None:
    if _m and n:
        _m["duplicates"].inc(n)


def ingested(new: int, duplicate: int) -> None:
    """One webhook delivery: comments stored, and repeats of known ones."""
    if _m:
        if new:
            _m["received"].inc(new)
        if duplicate:
            _m["duplicates"].inc(duplicate)


def decision(status: str, actor: str) -> None:
    if _m:
        _m["decisions"].labels(status=status, actor=actor).inc()


def scoring(seconds: float, n: int) -> None:
    if _m:
        _m["scoring"].observe(seconds)
        _m["scored"].inc(n)


def ingest_to_decision(seconds: float) -> None:
    if _m:
        _m["latency"].observe(max(0.0, seconds))


def request(endpoint: str, method: str, status: int, seconds: float) -> None:
    if _m:
        _m["requests"].labels(endpoint=endpoint or "unknown", method=method, status=str(status)).observe(seconds)


def intake_skipped(source: str, reason: str) -> None:
    if _m:
        _m["intake_skipped"].labels(source=source[:40], reason=reason[:40]).inc()


def task_failure(task: str) -> None:
    if _m:
        _m["task_failures"].labels(task=task).inc()


def declare_task_failures(tasks) -> None:
    """Give each of `tasks` its `colombe_task_failures_total{task}` series now, at 0 (a
    labelled counter has no series until a label is used)."""
    if _m:
        for task in tasks:
            _m["task_failures"].labels(task=task)


def integration_auth_failure(platform: str) -> None:
    if _m:
        _m["auth_failures"].labels(platform=platform).inc()


def site_model_promotion(site: str, action: str, actor: str) -> None:
    if _m:
        _m["site_promotions"].labels(site=site, action=action, actor=actor).inc()


def site_model_training(seconds: float) -> None:
    if _m:
        _m["site_training"].observe(seconds)


def mark_process_dead(pid: int) -> None:
    """Called by gunicorn when a worker exits (drops its live-gauge files)."""
    if _m:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, str(_m["dir"]))


class _StateCollector:
    """Gauges read from the database at scrape time."""

    def __init__(self, state_fn):
        self.state_fn = state_fn

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        state = self.state_fn()
        pending = GaugeMetricFamily("colombe_queue_pending", "Comments waiting for a moderator.", labels=["site"])
        for site, n in sorted(state.get("pending", {}).items()):
            pending.add_metric([site], n)
        yield pending
        backlog = GaugeMetricFamily("colombe_unscored_backlog", "Comments stored but not yet scored.")
        backlog.add_metric([], state.get("unscored", 0))
        yield backlog
        auth = GaugeMetricFamily("colombe_integration_auth_ok", "1 when a platform connection's credentials "
                                 "work (last poll or write-back), 0 when refused or not refreshed.",
                                 labels=["site", "platform"])
        for (site, platform), ok in sorted(state.get("integration_auth", {}).items()):
            auth.add_metric([site, platform], 1 if ok else 0)
        yield auth
        last_run = GaugeMetricFamily("colombe_periodic_last_run_timestamp_seconds",
                                     "When each periodic job (sweeper, outbox, pollers) last started (Unix time).",
                                     labels=["job"])
        interval = GaugeMetricFamily("colombe_periodic_interval_seconds", "How often each periodic job should run.",
                                     labels=["job"])
        for job, started, every in state.get("periodic", []):
            last_run.add_metric([job], started)
            interval.add_metric([job], every)
        yield last_run
        yield interval
        info = GaugeMetricFamily("colombe_model_info", "Model version in use.", labels=["version"])
        for version in state.get("model_versions", []):
            info.add_metric([version], 1)
        yield info
        auc = GaugeMetricFamily("colombe_site_model_auc", "ROC AUC of a site's live model and of its latest "
                                "candidate on the candidate's held-out newest decisions, per label.",
                                labels=["site", "label", "model"])
        for (site, label, model), value in sorted(state.get("site_model_auc", {}).items()):
            auc.add_metric([site, label, model], value)
        yield auc


def render(state_fn) -> tuple[bytes, str]:
    """The /metrics body: multiprocess counters + database gauges."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry()
    if _m:
        multiprocess.MultiProcessCollector(registry, path=str(_m["dir"]))
    registry.register(_StateCollector(state_fn))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def reset_dir(metrics_dir: Path | str) -> None:
    """Start a fresh metrics directory (at server start, before any worker runs)."""
    path = Path(metrics_dir)
    if path.is_dir():
        for f in path.glob("*.db"):
            f.unlink(missing_ok=True)
