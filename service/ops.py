"""Operations endpoints: /healthz, /readyz, /metrics."""
from __future__ import annotations

import json
import threading
import time

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import func, select, text

from .db.session import session_scope
from .core.enqueue import LEARN_SITE_TASK, RESCORE_SITE_TASK, SCORE_TASK
from .db.tables import PENDING, RECEIVED, Comment, Site
from .integrations.common import integration_auth_health
from . import metrics
from .web import settings

bp = Blueprint("ops", __name__)
# The tasks that count their failed runs in colombe_task_failures_total{task}: shown from the
# first scrape, at 0, so an alert on its rate has a series before the first failure.
FAILURE_COUNTED_TASKS = (SCORE_TASK, LEARN_SITE_TASK, RESCORE_SITE_TASK)
_cache_lock = threading.Lock()
_cache: dict = {}


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


def model_version_on_disk(model_dir: str | None) -> str | None:
    """The configured artifact's version, from its manifest (cheap: no model load)."""
    key = model_dir or ""
    if key in _cache:
        return _cache[key]
    from pathlib import Path

    from .web import bundled_model_dir as bundled_artifact_dir

    path = Path(model_dir) if model_dir else bundled_artifact_dir()
    manifest = json.loads((path / "manifest.json").read_text())
    version = manifest.get("version") or path.name
    _cache[key] = version
    return version


def _check_broker(url: str) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@bp.get("/readyz")
def readyz():
    cfg = settings()
    checks = {}
    ok = True
    try:
        with session_scope(cfg.database_url) as s:
            s.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        ok, checks["database"] = False, f"error: {exc.__class__.__name__}"
    if cfg.broker_url:
        try:
            _check_broker(cfg.broker_url)
            checks["broker"] = "ok"
        except Exception as exc:
            ok, checks["broker"] = False, f"error: {exc.__class__.__name__}"
    else:
        checks["broker"] = "embedded"
    try:
        if cfg.embedded:
            from .core.jobs import settings_model

            checks["model"] = settings_model(cfg).version
        else:
            checks["model"] = model_version_on_disk(cfg.model_dir)
    except Exception as exc:
        ok, checks["model"] = False, f"error: {exc.__class__.__name__}: {exc}"
    if checks.get("database") == "ok":
        scheduler_ok, checks["scheduler"] = _scheduler_check(cfg)
        ok = ok and scheduler_ok
    return jsonify({"status": "ready" if ok else "not ready", "checks": checks}), (200 if ok else 503)


def _scheduler_check(cfg) -> tuple[bool, str]:
    """Periodic jobs (sweeper, outbox, pollers): not ready when one has not started for
    more than three intervals (its scheduler died or hangs, or no worker takes its tasks)."""
    from .core.periodic import OVERDUE_FACTOR, job_states

    try:
        states = job_states(cfg.database_url)
    except Exception as exc:
        return True, f"unknown ({exc.__class__.__name__})"
    late = [s for s in states if s["overdue"]]
    if late:
        return False, "overdue: " + "; ".join(
            f"{s['job']} last started {s['seconds_since']:.0f} s ago (every {s['interval_s']:g} s; "
            f"overdue after {OVERDUE_FACTOR} intervals)" for s in late)
    return True, "ok" if states else "no periodic job has run yet"


def _db_state(cfg) -> dict:
    """Gauges from the database, cached for a second (scrapes can be frequent)."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get("state")
        if hit and now - hit[0] < 1.0:
            return hit[1]
    state: dict = {"pending": {}, "unscored": 0, "model_versions": []}
    with session_scope(cfg.database_url) as s:
        # every site has a series, at 0 when its queue is empty (not a gap that looks like an outage)
        state["pending"] = dict.fromkeys(s.scalars(select(Site.id)), 0)
        for site_id, n in s.execute(
            select(Comment.site_id, func.count()).where(Comment.status == PENDING).group_by(Comment.site_id)
        ):
            state["pending"][site_id] = n
        state["unscored"] = s.scalar(select(func.count()).select_from(Comment).where(Comment.status == RECEIVED)) or 0
        state["integration_auth"] = integration_auth_health(s)
        from .core.site_learning_state import auc_gauges

        state["site_model_auc"] = auc_gauges(s)
    try:
        from .core.periodic import job_states

        state["periodic"] = [(j["job"], j["last_run_at"].timestamp(), j["interval_s"])
                             for j in job_states(cfg.database_url) if j["last_run_at"] is not None]
    except Exception:
        state["periodic"] = []
    try:
        state["model_versions"] = [model_version_on_disk(cfg.model_dir)]
    except Exception:
        state["model_versions"] = []
    with _cache_lock:
        _cache["state"] = (now, state)
    return state


@bp.get("/metrics")
def metrics_endpoint():
    cfg = settings()
    if cfg.metrics_token:  # site ids appear as labels: deployments may keep them private
        import hmac

        from flask import request

        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), cfg.metrics_token.encode()):
            return Response('{"error": "unauthorized", "message": "send Authorization: Bearer <metrics token>"}',
                            status=401, content_type="application/json",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    metrics.declare_task_failures(FAILURE_COUNTED_TASKS)
    body, content_type = metrics.render(lambda: _db_state(cfg))
    return Response(body, content_type=content_type)
