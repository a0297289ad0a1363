"""COLOMBE_MODEL_PROFILE through the service: settings, the per-process model cache,
the synchronous APIs always on ``full``."""
from __future__ import annotations

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
