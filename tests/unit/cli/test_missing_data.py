"""`colombe train`, `retrain` and `evaluate` without usable data: exit non-zero with one line
naming the path looked in and the flag that changes it, never a traceback (issue #14, item 13)."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import COLOMBE, SHARED


def _run(args, tmp_path, **env):
    full_env = {k: v for k, v in os.environ.items() if k != "COLOMBE_TRAINING_DATA"}
    full_env.update(COLOMBE_DATA_DIR=str(tmp_path / "var"), **env)
    done = subprocess.run([COLOMBE, *args], capture_output=True, text=True, timeout=120, env=full_env,
                          cwd=tmp_path)
    return done.returncode, done.stdout, done.stderr


def _one_line_error(code, out, err, *needles):
    assert code != 0
    assert "Traceback" not in err and "Traceback" not in out
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def empty_dir(tmp_path):
    path = tmp_path / "data"
    (path / "toxifrench").mkdir(parents=True)
    (path / "toxifrench" / "toxifrench.csv").write_text("text,label,lang\n", encoding="utf-8")  # header only
    (path / "notes.txt").write_text("not a data set", encoding="utf-8")
    return path


def test_train_with_a_missing_folder(tmp_path):
    missing = tmp_path / "no-such-dir"
    _one_line_error(*_run(["train", "--data", str(missing), "--out", str(tmp_path / "out"), "--quiet"], tmp_path),
                    str(missing), "--data", "does not exist")
    assert not (tmp_path / "out").exists()


def test_train_with_a_folder_without_usable_data(tmp_path, empty_dir):
    _one_line_error(*_run(["train", "--data", str(empty_dir), "--out", str(tmp_path / "out"), "--quiet"], tmp_path),
                    str(empty_dir), "--data")


def test_train_default_from_the_environment(tmp_path):
    missing = tmp_path / "shared-elsewhere"
    _one_line_error(*_run(["train", "--out", str(tmp_path / "out"), "--quiet"], tmp_path,
                          COLOMBE_TRAINING_DATA=str(missing)), str(missing), "COLOMBE_TRAINING_DATA")


@pytest.mark.parametrize("flag", ["--training-data", "--data"])
def test_retrain_with_a_missing_folder(tmp_path, flag):
    missing = tmp_path / "no-such-dir"
    _one_line_error(*_run(["retrain", flag, str(missing), "--quiet"], tmp_path), str(missing), "--training-data")
    assert not (tmp_path / "var" / "models").exists()  # nothing trained nor exported


def test_retrain_with_an_empty_default(tmp_path, empty_dir):
    _one_line_error(*_run(["retrain", "--quiet"], tmp_path, COLOMBE_TRAINING_DATA=str(empty_dir)),
                    str(empty_dir), "COLOMBE_TRAINING_DATA")


def test_evaluate_with_missing_or_unlabeled_csv(tmp_path):
    missing = tmp_path / "nothing.csv"
    _one_line_error(*_run(["evaluate", "--data", str(missing)], tmp_path), str(missing), "--data")
    unlabeled = tmp_path / "unlabeled.csv"
    unlabeled.write_text("text\nbonjour\n", encoding="utf-8")
    _one_line_error(*_run(["evaluate", "--data", str(unlabeled)], tmp_path), str(unlabeled), "label", "--data")
    empty = tmp_path / "empty.csv"
    empty.write_text("text,label\n", encoding="utf-8")
    _one_line_error(*_run(["evaluate", "--data", str(empty)], tmp_path), str(empty), "--data")


def test_the_shared_data_folder_is_accepted():
    from models.data import shared_data_problem

    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip("no shared data on this machine")
    assert shared_data_problem(data) is None


def test_a_single_class_becomes_a_one_line_error(tmp_path, monkeypatch):
    """Data that pass the first check but cannot train a head: the same kind of error."""
    from click.testing import CliRunner

    import models.train
    from models.commands import train_command
    from models.data import TrainingDataError

    def fake_train(**_kw):
        raise TrainingDataError("head threat: the training data has a single class")

    monkeypatch.setattr(models.train, "train", fake_train)
    data = tmp_path / "data" / "toxifrench"
    data.mkdir(parents=True)
    (data / "toxifrench.csv").write_text("text,label,lang\nbonjour,clean,fr\n", encoding="utf-8")
    result = CliRunner().invoke(train_command, ["--data", str(tmp_path / "data"), "--quiet"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "single class" in result.output and str(tmp_path / "data") in result.output and "--data" in result.output
