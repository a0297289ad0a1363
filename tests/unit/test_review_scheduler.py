"""Issue #15, item 3 (in-process parts): periodic runs are recorded, /readyz and the metric
report a job overdue by more than three intervals, and the embedded threads record too."""
from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import wait_for
from tests.fakes import RecordingDispatcher


def _app(settings, dispatcher=None):
    from service.app import create_app

    return create_app(settings, dispatcher=dispatcher or RecordingDispatcher())


def _set_run(settings, job, interval, age_s):
    from service.db.ops_tables import PeriodicRun
    from service.db.session import session_scope
    from service.db.tables import utcnow

    with session_scope(settings.database_url) as s:
        row = s.get(PeriodicRun, job) or PeriodicRun(job=job, runs=0, last_duration_s=0.0)
        row.interval_s, row.last_run_at = interval, utcnow() - timedelta(seconds=age_s)
        s.merge(row)


def test_readyz_reports_an_overdue_job(sqlite_settings):
    client = _app(sqlite_settings).test_client()
    body = client.get("/readyz").get_json()
    assert body["checks"]["scheduler"] == "no periodic job has run yet"
    _set_run(sqlite_settings, "sweep-unscored", 30, 10)
    _set_run(sqlite_settings, "deliver-notifications", 5, 14)  # 2.8 intervals: not yet
    r = client.get("/readyz")
    assert r.status_code == 200 and r.get_json()["checks"]["scheduler"] == "ok"
    _set_run(sqlite_settings, "deliver-notifications", 5, 16)  # 3.2 intervals
    r = client.get("/readyz")
    assert r.status_code == 503
    check = r.get_json()["checks"]["scheduler"]
    assert check.startswith("overdue: deliver-notifications last started 16 s ago (every 5 s")
    assert "sweep-unscored" not in check


def test_metric_exports_each_job(sqlite_settings):
    import time

    client = _app(sqlite_settings).test_client()
    _set_run(sqlite_settings, "poll-disqus", 15, 3)
    text = client.get("/metrics").get_data(as_text=True)
    stamp = float(re.search(r'colombe_periodic_last_run_timestamp_seconds\{job="poll-disqus"\} ([0-9.e+]+)',
                            text).group(1))
    assert abs(time.time() - 3 - stamp) < 5
    assert 'colombe_periodic_interval_seconds{job="poll-disqus"} 15.0' in text


def test_recorded_runs_count_and_keep_the_last_error(sqlite_settings):
    import pytest

    from service.core.periodic import job_states, recorded

    with recorded(sqlite_settings, "sweep-unscored", 30):
        pass
    with pytest.raises(RuntimeError):
        with recorded(sqlite_settings, "sweep-unscored", 30):
            raise RuntimeError("database gone")
    (state,) = job_states(sqlite_settings.database_url)
    assert state["job"] == "sweep-unscored" and not state["overdue"]
    assert state["last_error"] == "RuntimeError: database gone"
    from service.db.ops_tables import PeriodicRun
    from service.db.session import session_scope

    with session_scope(sqlite_settings.database_url) as s:
        assert s.get(PeriodicRun, "sweep-unscored").runs == 2


def test_embedded_sweeper_records_its_runs(sqlite_settings):
    from service.core.periodic import job_states

    from service.app import create_app

    app = create_app(sqlite_settings.replace(sweep_interval_s=1))
    dispatcher = app.extensions["colombe"]["dispatcher"]()  # the in-process worker + sweeper threads
    try:
        wait_for(lambda: any(s["job"] == "sweep-unscored" for s in job_states(sqlite_settings.database_url)), 20)
    finally:
        dispatcher.close()


def test_beat_schedule_marks_the_periodic_delivery_pass():
    from service.config import Settings
    from workers.schedule import beat_schedule

    schedule = beat_schedule(Settings(notify_interval_s=5, sweep_interval_s=30, poll_beat_s=15))
    assert set(schedule) == {"sweep-unscored", "deliver-notifications", "poll-blogger", "poll-disqus",
                             "check-site-learning"}
    assert schedule["deliver-notifications"]["kwargs"] == {"periodic": True}
