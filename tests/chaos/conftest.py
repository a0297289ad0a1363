"""Fixtures of the fault tests: one private PostgreSQL cluster per session, one private
Redis + database + gunicorn + worker stack per test, everything stopped at teardown."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.chaos import harness


def pytest_configure(config):
    config.addinivalue_line("markers", "chaos: fault-injection test with real processes (make chaos)")


def pytest_collection_modifyitems(config, items):
    """Minutes of real processes: run only when asked for (`make chaos`, a path under
    tests/chaos, or COLOMBE_CHAOS=1), not as part of a plain `pytest`."""
    here = Path(__file__).resolve().parent
    asked = os.environ.get("COLOMBE_CHAOS") == "1" or any(
        str(here) in str(Path(arg.split("::")[0]).resolve()) for arg in config.args)
    if asked:
        return
    skip = pytest.mark.skip(reason="fault-injection tests: run `make chaos` (or pytest tests/chaos)")
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def private_pg():
    pg = harness.PrivatePostgres().init()
    pg.start()
    harness.say(f"private PostgreSQL on 127.0.0.1:{pg.port} ({pg.dir})")
    try:
        yield pg
    finally:
        harness.stop_all()
        pg.destroy()


@pytest.fixture
def stack_factory(private_pg, tmp_path, request):
    made: list[harness.Stack] = []

    def make(**kwargs) -> harness.Stack:
        name = request.node.name.replace("test_", "").replace("[", "_").replace("]", "")[:30]
        workdir = tmp_path / f"stack{len(made)}"
        workdir.mkdir()
        stack = harness.Stack(f"{name}{len(made)}", private_pg, workdir, **kwargs)
        made.append(stack)
        return stack

    started = time.monotonic()
    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for stack in made:
        if failed:
            for proc in [*stack.workers, *([stack.web] if stack.web else [])]:
                print(f"\n--- last lines of {proc.name} ({proc.log_path}) ---\n{proc.tail(25)}")
        stack.close()
    harness.say(f"{request.node.name}: {time.monotonic() - started:.1f} s including teardown")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def pytest_terminal_summary(terminalreporter):
    if not harness.SUMMARY:
        return
    tr = terminalreporter
    tr.section("chaos summary")
    cols = ("scenario", "sent", "acknowledged", "scored", "lost", "duplicated", "503", "other 5xx")
    tr.write_line(f"{cols[0]:<44}" + "".join(f"{c:>13}" for c in cols[1:]))
    for row in harness.SUMMARY:
        tr.write_line(f"{row['scenario'][:44]:<44}" + "".join(f"{row[c]:>13}" for c in cols[1:]))
