"""`colombe --version` and help text on every option and argument (issue #14, item 12)."""
from __future__ import annotations

import subprocess
from importlib.metadata import version

import click
import pytest

from tests.conftest import COLOMBE


def _commands(cmd: click.Command, path: tuple[str, ...] = ("colombe",)):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from _commands(sub, (*path, name))


def _all_commands():
    from service.cli import main

    return list(_commands(main))


def test_the_tree_is_walked():
    names = {" ".join(path) for path, _ in _all_commands()}
    # a walk that stopped at the top would pass the next test without checking anything
    assert {"colombe train", "colombe sites create", "colombe integrations set", "colombe import wxr",
            "colombe db upgrade", "colombe wait"} <= names
    assert len(names) > 25


@pytest.mark.parametrize("path,cmd", _all_commands(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_option_and_argument_is_explained(path, cmd):
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help text"
        elif isinstance(param, click.Argument):
            # click arguments carry no help of their own: the command's help names them
            assert param.human_readable_name in cmd.help, \
                f"{' '.join(path)}: the help text does not explain {param.human_readable_name}"


def test_version_prints_the_installed_version_and_exits_0():
    done = subprocess.run([COLOMBE, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"colombe {version('colombe')}"
    assert "Traceback" not in done.stderr


def test_help_mentions_version():
    from click.testing import CliRunner

    from service.cli import main

    out = CliRunner().invoke(main, ["--help"]).output
    assert "--version" in out
