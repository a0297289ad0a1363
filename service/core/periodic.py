"""Periodic jobs (sweeper, outbox, pollers, the site-learning check): their names and intervals, the record of each
run, and which ones are overdue.

Whoever runs a job (a Celery beat task in production, an embedded thread) calls
`record_start` when it starts and `record_end` when it ends; the rows live in
`periodic_runs`. `/readyz` answers "not ready" when a job's last start is more than
`OVERDUE_FACTOR` intervals old, and `/metrics` exports
`colombe_periodic_last_run_timestamp_seconds{job}` and
`colombe_periodic_interval_seconds{job}`, so a scheduler that died or hangs is noticed by
every web process (and by Prometheus), not only by the process that ran it.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select, update

from ..config import Settings
from ..db.ops_tables import PeriodicRun
from ..db.session import get_engine, session_scope
from ..db.tables import utcnow
from .enqueue import DELIVER_TASK, POLL_BLOGGER_TASK, POLL_DISQUS_TASK, SITE_LEARNING_CHECK_TASK, SWEEP_TASK

log = logging.getLogger("colombe.periodic")

OVERDUE_FACTOR = 3  # a job is overdue when it has not started for this many intervals

SWEEP_JOB = "sweep-unscored"
DELIVER_JOB = "deliver-notifications"
POLL_BLOGGER_JOB = "poll-blogger"
POLL_DISQUS_JOB = "poll-disqus"
POLL_JOB = "poll"  # the embedded thread polls every platform in one pass
SITE_LEARNING_JOB = "check-site-learning"  # sites due a training run, queues left on an old site model


def beat_jobs(settings: Settings) -> dict[str, tuple[str, float]]:
    """job name -> (Celery task name, interval in seconds): the production schedule."""
    poll_every = max(1.0, settings.poll_beat_s)
    return {
        SWEEP_JOB: (SWEEP_TASK, float(settings.sweep_interval_s)),
        DELIVER_JOB: (DELIVER_TASK, max(1.0, settings.notify_interval_s)),
        POLL_BLOGGER_JOB: (POLL_BLOGGER_TASK, poll_every),
        POLL_DISQUS_JOB: (POLL_DISQUS_TASK, poll_every),
        SITE_LEARNING_JOB: (SITE_LEARNING_CHECK_TASK, max(1.0, settings.site_learn_check_s)),
    }


def _upsert(session, job: str, interval_s: float, now: datetime) -> None:
    table = PeriodicRun.__table__
    values = {"job": job, "interval_s": float(interval_s), "last_run_at": now, "last_duration_s": 0.0, "runs": 1}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.job], set_={
        "interval_s": stmt.excluded.interval_s, "last_run_at": stmt.excluded.last_run_at, "runs": table.c.runs + 1})
    session.execute(stmt)


def record_start(settings: Settings, job: str, interval_s: float) -> None:
    """This job started now (never raises: a failed record must not stop the job)."""
    try:
        with session_scope(settings.database_url) as session:
            _upsert(session, job, interval_s, utcnow())
    except Exception as exc:  # database down: the job itself will say so
        log.warning("could not record a periodic run", extra={"job": job, "error": str(exc).splitlines()[0][:200]})


def record_end(settings: Settings, job: str, seconds: float, error: str | None = None) -> None:
    try:
        with session_scope(settings.database_url) as session:
            session.execute(update(PeriodicRun).where(PeriodicRun.job == job)
                            .values(last_duration_s=float(seconds), last_error=(error or None) and error[:1000]))
    except Exception as exc:
        log.warning("could not record a periodic run", extra={"job": job, "error": str(exc).splitlines()[0][:200]})


@contextmanager
def recorded(settings: Settings, job: str, interval_s: float):
    """`with recorded(settings, job, interval):` around one run of a periodic job."""
    record_start(settings, job, interval_s)
    started = time.monotonic()
    try:
        yield
    except BaseException as exc:
        record_end(settings, job, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
        raise
    record_end(settings, job, time.monotonic() - started)


def job_states(database_url: str, now: datetime | None = None) -> list[dict]:
    """Every recorded job: name, interval, last start (UTC), seconds since, overdue or not."""
    now = now or utcnow()
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(select(PeriodicRun.job, PeriodicRun.interval_s, PeriodicRun.last_run_at,
                                   PeriodicRun.last_error).order_by(PeriodicRun.job)).all()
    out = []
    for job, interval_s, last, error in rows:
        age = (now - last).total_seconds() if last else None
        out.append({"job": job, "interval_s": interval_s, "last_run_at": last, "seconds_since": age,
                    "overdue": age is not None and age > OVERDUE_FACTOR * max(interval_s, 1.0),
                    "last_error": error})
    return out
