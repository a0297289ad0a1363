"""COLOMBE_MODEL_PROFILE through the service: settings, the per-process model cache,
the synchronous APIs always on ``full``."""
from __future__ import annotations

import os

import pytest

from service.config import Settings


def test_settings_read_and_check_the_profile(tmp_path):
    base = {"COLOMBE_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).model_profile == "full"
    assert Settings.from_env({**base, "COLOMBE_MODEL_PROFILE": "FAST"}).model_profile == "fast"
    with pytest.raises(ValueError, match="COLOMBE_MODEL_PROFILE"):
        Settings.from_env({**base, "COLOMBE_MODEL_PROFILE": "turbo"})


def test_model_cache_per_profile_and_sync_apis_on_full(tmp_path, monkeypatch):
    from service.core import jobs, sync_scoring
    monkeypatch.setattr(jobs, "_models", {})
    settings = Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path), "COLOMBE_MODEL_PROFILE": "fast"})
    fast = jobs.settings_model(settings)
    assert fast.profile == "fast" and fast.version.endswith("+fast")
    assert jobs.settings_model(settings) is fast and jobs.get_model(None, "fast") is fast
    full = sync_scoring.model(settings)
    assert full.profile == "full" and full is jobs.get_model(None, "full")
    out = sync_scoring.score_items(settings, [{"text": "Quel crétin ce ministre."}])
    assert set(out[0]["scores"]) >= {"toxicity", "spam", "off_topic"}


def test_e5_threads_every_core_embedded_one_per_worker_process(tmp_path, monkeypatch):
    base = {"COLOMBE_DATA_DIR": str(tmp_path)}
    broker = {**base, "COLOMBE_BROKER_URL": "redis://127.0.0.1:6379/0"}
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert Settings.from_env(base).scoring_threads == 4          # one process scores: every core, at most 4
    assert Settings.from_env(broker).scoring_threads == 1        # a Celery worker process per core
    assert Settings.from_env({**broker, "COLOMBE_ENCODER_THREADS": "2"}).scoring_threads == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert Settings.from_env(base).scoring_threads == 1
    with pytest.raises(ValueError, match="COLOMBE_ENCODER_THREADS"):
        Settings.from_env({**base, "COLOMBE_ENCODER_THREADS": "all"})


def test_the_embedded_process_loads_e5_with_its_threads(tmp_path):
    """In a fresh process (OpenMP reads the count once), as `colombe serve` does embedded."""
    import json
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    script = ("import json, sys\n"
              "from service.config import Settings\n"
              "from service.core.jobs import settings_model\n"
              "from models.encoder import get_e5\n"
              "s = Settings.from_env({'COLOMBE_DATA_DIR': sys.argv[1], 'COLOMBE_ENCODER_THREADS': '3'})\n"
              "m = settings_model(s)\n"
              "print(json.dumps([s.scoring_threads, get_e5().effective_threads, m.profile]))\n")
    r = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=root, capture_output=True, text=True,
                       timeout=300, env={**os.environ, "PYTHONPATH": str(root)})
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout.strip().splitlines()[-1]) == [3, 3, "full"]
