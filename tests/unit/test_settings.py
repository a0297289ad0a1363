"""One settings surface: every tunable is a typed `Settings` field read from its
COLOMBE_* variable, and the code reads the fields, not the environment."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.config import Settings, documented_settings

# A valid value for each variable, and what the field must hold then.
SAMPLES = {
    "COLOMBE_DATABASE_URL": ("sqlite:///x.db", "sqlite:///x.db"),
    "COLOMBE_BROKER_URL": ("redis://127.0.0.1:1/0", "redis://127.0.0.1:1/0"),
    "COLOMBE_SECRET_KEY": ("k" * 40, "k" * 40),
    "COLOMBE_MODEL_DIR": ("/models/v2", "/models/v2"),
    "COLOMBE_TRAINING_DATA": ("/data/shared", Path("/data/shared")),
    "COLOMBE_METRICS_DIR": ("/run/metrics", Path("/run/metrics")),
    "COLOMBE_HOST": ("0.0.0.0", "0.0.0.0"),
    "COLOMBE_SECURE_COOKIES": ("0", False),
    "COLOMBE_METRICS_TOKEN": ("scrape", "scrape"),
    "COLOMBE_WEB_MODEL": ("eager", "eager"),
    "COLOMBE_LOG_LEVEL": ("debug", "DEBUG"),
    "COLOMBE_NOTIFY_INTERVAL": ("2.5", 2.5),
    "COLOMBE_NOTIFY_TIMEOUT": ("3", 3.0),
    "COLOMBE_NOTIFY_BACKOFF_BASE": ("0.5", 0.5),
    "COLOMBE_NOTIFY_BACKOFF_MAX": ("60", 60.0),
    "COLOMBE_POLL_INTERVAL": ("120", 120.0),
    "COLOMBE_POLL_BEAT": ("3", 3.0),
    "COLOMBE_SITE_LEARNING": ("0", False),
    "COLOMBE_SITE_LEARN_CHECK": ("30", 30.0),
    "COLOMBE_SITE_PROMOTION_MARGIN": ("0.02", 0.02),
    "COLOMBE_ADMIN_TOKEN": ("a" * 40, "a" * 40),
    "COLOMBE_MODEL_PROFILE": ("Fast", "fast"),
    "COLOMBE_OUTBOUND_ALLOWED_HOSTS": ("Hooks.internal, 127.0.0.1:9000,", ("hooks.internal", "127.0.0.1:9000")),
}


def test_every_variable_is_read_into_its_typed_field(tmp_path):
    env = {"COLOMBE_DATA_DIR": str(tmp_path)}
    expected = {}
    for f in documented_settings():
        name = f.metadata["env"]
        if name == "COLOMBE_DATA_DIR":
            continue
        raw, value = SAMPLES.get(name, ("7", 7))  # the rest are integers
        env[name] = raw
        expected[f.name] = value
    settings = Settings.from_env(env)
    assert {name: getattr(settings, name) for name in expected} == expected
    assert settings.data_dir == tmp_path.resolve()


@pytest.mark.parametrize("name", ["COLOMBE_MAX_BATCH", "COLOMBE_SIGNATURE_TOLERANCE", "COLOMBE_NOTIFY_TIMEOUT",
                                  "COLOMBE_POLL_BEAT", "COLOMBE_NOTIFY_MAX_ATTEMPTS", "COLOMBE_SECURE_COOKIES"])
def test_a_bad_value_names_its_variable(tmp_path, name):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({"COLOMBE_DATA_DIR": str(tmp_path), name: "soon"})


def test_beat_schedule_comes_from_settings_not_from_the_environment(monkeypatch):
    from workers.schedule import beat_schedule

    monkeypatch.setenv("COLOMBE_POLL_BEAT", "99")  # the schedule only reads the Settings it is given
    schedule = beat_schedule(Settings(poll_beat_s=3.0, notify_interval_s=0.2, sweep_interval_s=7))
    assert schedule["poll-blogger"]["schedule"] == 3.0 == schedule["poll-disqus"]["schedule"]
    assert schedule["deliver-notifications"]["schedule"] == 1.0  # at least a second
    assert schedule["sweep-unscored"]["schedule"] == 7.0


def test_colombe_train_takes_its_data_folder_from_settings(monkeypatch, tmp_path):
    from models import commands
    from service.cli import main

    seen = {}
    monkeypatch.setattr(commands.train_command, "callback", lambda **kw: seen.update(kw))
    monkeypatch.setenv("COLOMBE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLOMBE_TRAINING_DATA", str(tmp_path / "shared"))
    result = CliRunner().invoke(main, ["train"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen["data_dir"] == str(tmp_path / "shared")
    result = CliRunner().invoke(main, ["train", "--data", str(tmp_path / "other")], catch_exceptions=False)
    assert seen["data_dir"] == str(tmp_path / "other")  # the option still wins
    assert Settings.read("training_data_dir", {}) is None


def test_retraining_reads_the_shared_data_folder_from_settings(sqlite_settings, tmp_path, monkeypatch):
    import models.train
    from service.core.sites import create_site
    from service.core.status_changes import change_status
    from service.core.training_data import train_job
    from service.db.session import session_scope
    from service.db.tables import APPROVED, PENDING, Comment

    with session_scope(sqlite_settings.database_url) as s:
        site = create_site(s, "Blog", "k").site
        c = Comment(site_id=site.id, external_id="1", text="Merci pour l'article", status=PENDING)
        s.add(c)
        s.flush()
        change_status(s, c, APPROVED, actor="user:alice", action="approve")
    seen = {}

    def fake_train(data_dir=None, out_dir=None, **_kw):
        seen["data_dir"] = data_dir
        raise RuntimeError("stop here")

    monkeypatch.setattr(models.train, "train", fake_train)
    settings = sqlite_settings.replace(training_data_dir=tmp_path / "shared")
    with pytest.raises(RuntimeError, match="stop here"):
        train_job(settings)
    assert seen["data_dir"] == tmp_path / "shared"
