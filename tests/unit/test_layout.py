"""The layout stays as docs/architecture.md describes it: no Flask below the web tier nor
in the workers, modules of a readable size, README's settings table generated from
Settings, one kind marker per test."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import KIND_MARKERS, ROOT

MAX_LINES = 400
SIZE_CHECKED = ("service", "workers", "models", "tests", "bench")


def test_core_db_models_and_worker_tasks_load_no_flask():
    """Import every module of these packages in a fresh interpreter: Flask (and Werkzeug)
    must not be among the modules loaded."""
    script = textwrap.dedent("""
        import importlib, json, pkgutil, sys
        import models, service.core, service.db, service.integrations, workers.tasks
        loaded = []
        for package in (service.core, service.db, service.integrations, models, workers.tasks):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                if ".migrations" in info.name:  # Alembic scripts, run by Alembic only
                    continue
                importlib.import_module(info.name)
                loaded.append(info.name)
        print(json.dumps({"loaded": loaded, "flask": sorted(m for m in sys.modules
                                                            if m.split(".")[0] in ("flask", "werkzeug"))}))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for expected in ("service.core.intake", "service.db.tables", "service.integrations.pollers",
                     "models.registry", "workers.tasks.integrations"):
        assert expected in result["loaded"]
    assert result["flask"] == [], result["flask"]


def test_no_module_over_400_lines():
    too_long = {}
    for folder in SIZE_CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                too_long[str(path.relative_to(ROOT))] = n
    assert too_long == {}, f"split these modules (over {MAX_LINES} lines): {too_long}"


def test_readme_configuration_table_is_generated_from_settings():
    from service.config import documented_settings, settings_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert block == settings_table(), "run: python scripts/settings_table.py --write"
    for name in ("COLOMBE_MAX_BATCH", "COLOMBE_SIGNATURE_TOLERANCE", "COLOMBE_LOG_LEVEL", "COLOMBE_POLL_BEAT",
                 "COLOMBE_TRAINING_DATA", "COLOMBE_NOTIFY_TIMEOUT"):
        assert f"| `{name}` |" in block
    assert all(f.metadata["doc"].strip() for f in documented_settings())


def test_the_settings_script_checks_and_rewrites_the_table(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "settings_table.py"), "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from settings_table import with_table
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    stale = "intro\n<!-- settings:start -->\n| old |\n<!-- settings:end -->\nrest\n"
    assert with_table(stale, "| new |\n") == "intro\n<!-- settings:start -->\n| new |\n<!-- settings:end -->\nrest\n"


def test_every_test_carries_the_marker_of_its_folder(request):
    """The folder under tests/ gives the kind (`pytest -m unit`, `-m integration`, ...)."""
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(KIND_MARKERS), "a new tests/ folder needs its entry in tests/conftest.py:KIND_MARKERS"
    kinds = set(KIND_MARKERS.values())
    for item in request.session.items:
        marks = {m.name for m in item.iter_markers()} & kinds
        folder = item.path.relative_to(ROOT / "tests").parts[0]
        assert marks == {KIND_MARKERS[folder]}, (item.nodeid, marks)
