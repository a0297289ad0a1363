"""First-hour mistakes end in one line that says what to do, not a traceback: a malformed
COLOMBE_* variable, a database without tables, a database server that is not there."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import COLOMBE, free_port


def _run(args, tmp_path, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("COLOMBE_")}
    full.update(COLOMBE_DATA_DIR=str(tmp_path / "fresh"), **env)
    done = subprocess.run([COLOMBE, *args], capture_output=True, text=True, timeout=60, env=full)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    return lines[0]


@pytest.mark.parametrize("var,value", [("COLOMBE_PORT", "eighty"), ("COLOMBE_MODEL_PROFILE", "huge")])
def test_a_malformed_variable_is_named(tmp_path, var, value):
    line = _run(["sites", "list"], tmp_path, **{var: value})
    assert var in line and repr(value) in line


@pytest.mark.parametrize("args", [["sites", "list"], ["users", "list"], ["integrations", "show", "s_x"]])
def test_a_database_without_tables_says_to_upgrade(tmp_path, args):
    line = _run(args, tmp_path)
    assert "colombe db upgrade" in line and str(tmp_path / "fresh" / "colombe.db") in line


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    url = f"postgresql+psycopg://colombe:hunter2secret@127.0.0.1:{free_port()}/colombe"
    line = _run(["sites", "list"], tmp_path, COLOMBE_DATABASE_URL=url)
    assert "cannot reach the database" in line and "COLOMBE_DATABASE_URL" in line
    assert "hunter2secret" not in line and "colombe:***@127.0.0.1" in line


def test_other_database_errors_keep_their_traceback():
    """Only the two setup problems are shortened: anything else is a bug worth its traceback."""
    from sqlalchemy.exc import OperationalError

    from service.cli.errors import database_problem

    assert database_problem(OperationalError("SELECT 1", {}, Exception("database is locked"))) is None
    assert database_problem(OperationalError("SELECT 1", {}, Exception("no such table: sites"))) is not None
