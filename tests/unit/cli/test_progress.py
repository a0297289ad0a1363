"""Long commands say what they do from the first second (issue #14, item 14): `score --input`
before the model has loaded, `import` before the export is read; `--quiet` silences both.
(`retrain`: tests/unit/site_learning/test_retrain_progress.py.)"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time

from tests.conftest import COLOMBE, create_site_cli, run_cli


def _timed_stderr(args, env):
    """Run colombe; return (exit code, stdout, [(seconds since start, stderr chunk)])."""
    started = time.monotonic()
    proc = subprocess.Popen([COLOMBE, *args], env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    chunks: list[tuple[float, str]] = []

    def read():
        for raw in iter(lambda: proc.stderr.read1(4096), b""):
            chunks.append((time.monotonic() - started, raw.decode("utf-8", "replace")))

    reader = threading.Thread(target=read)
    reader.start()
    out = proc.stdout.read().decode()
    code = proc.wait(120)
    reader.join(10)
    return code, out, chunks, time.monotonic() - started


def test_score_input_speaks_before_the_model_has_loaded(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("text\nMerci pour cet article\nTu es un imbécile\n", encoding="utf-8")
    env = {"COLOMBE_DATA_DIR": str(tmp_path / "var")}
    code, _out, chunks, total = _timed_stderr(["score", "--input", str(src), "--output", str(dst)], env)
    assert code == 0, "".join(c for _, c in chunks)
    err = "".join(c for _, c in chunks)
    assert err.startswith("loading the model (bundled, profile full)…\n")
    assert err.index("counting the rows") < err.index("scoring:") < err.index("scored 2 rows")
    assert "2/2" in err
    first_at = chunks[0][0]
    # the first words come before the model load (about 2 s), not at the end
    assert first_at < total - 0.5, (first_at, total)
    code, _out, chunks, _total = _timed_stderr(["score", "--input", str(src), "--output", str(dst), "--quiet"], env)
    assert code == 0 and "".join(c for _, c in chunks).strip() == "scored 2 rows -> " + str(dst)


def test_import_shows_the_export_being_read(tmp_path):
    from tests.unit.platforms.test_imports import WXR

    export = tmp_path / "export.xml"
    export.write_text(WXR, encoding="utf-8")
    env = {"COLOMBE_DATA_DIR": str(tmp_path / "var")}
    site = create_site_cli(env, "Blog")
    code, out, chunks, _total = _timed_stderr(["import", "wxr", str(export), "--site", site["id"]], env)
    err = "".join(c for _, c in chunks)
    assert code == 0, err
    assert err.startswith(f"importing {export} into site {site['id']}…\n")
    assert "import wxr" in err and "100%" in err  # the bar, in bytes of the export, to the end
    assert json.loads(out)["comments"] > 0
    quiet = run_cli(["import", "wxr", str(export), "--site", site["id"], "--quiet"], env)
    assert quiet.stderr.strip() == "" and json.loads(quiet.stdout)["comments"] > 0
