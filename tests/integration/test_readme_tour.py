"""README's "Five minutes with Colombe", run as written against a real `colombe serve`
(embedded mode): the tour waits for scoring before reading the comment, and the site's
secrets land in a private file outside the working directory (issue #14, item 10)."""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import requests

from tests.conftest import COLOMBE, ROOT, free_port, wait_for


def tour_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Five minutes with Colombe", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the tour is one sh block"
    return blocks[0]


def test_the_tour_waits_for_scoring():
    script = tour_script()
    wait_line = next(i for i, line in enumerate(script.splitlines()) if line.startswith("colombe wait"))
    get_line = next(i for i, line in enumerate(script.splitlines()) if "/api/v1/comments/" in line)
    assert wait_line < get_line
    assert "site.json" in script and '> "$CONF/site.json"' in script  # not in the working directory


@pytest.mark.skipif(shutil.which("openssl") is None or shutil.which("curl") is None, reason="needs curl and openssl")
def test_the_tour_runs_as_written(tmp_path):
    port = free_port()
    home = tmp_path / "home"
    work = tmp_path / "clone"
    home.mkdir()
    work.mkdir()
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("COLOMBE_", "PROMETHEUS_", "XDG_CONFIG_HOME"))}
    env = {**base_env, "HOME": str(home), "COLOMBE_DATA_DIR": str(work / "var"), "COLOMBE_PORT": str(port),
           "COLOMBE_MODEL_PROFILE": "fast", "PATH": f"{Path(COLOMBE).parent}{os.pathsep}{base_env['PATH']}"}
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen([COLOMBE, "serve"], env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up():
        assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        try:
            return requests.get(f"{base}/readyz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(up, timeout=90, message="colombe serve to be ready")
        script = tour_script().replace("http://127.0.0.1:8000", base)
        script = script.replace(". .venv/bin/activate\n", "")  # PATH starts with the venv's bin, as after it
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, cwd=work, capture_output=True,
                              text=True, timeout=240)
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    assert done.returncode == 0, done.stderr[-3000:]
    docs = []
    for line in done.stdout.splitlines():  # one JSON document per curl; `colombe score` prints indented JSON
        try:
            docs.append(json.loads(line))
        except ValueError:
            continue
    comment = next(d for d in docs if isinstance(d, dict) and "scores" in d and "external_id" in d)
    assert comment["external_id"] == "42"
    assert comment["status"] in ("pending", "approved", "rejected")  # scored before it was read
    assert set(comment["scores"]) >= {"toxicity", "spam"}
    site_json = home / ".config" / "colombe" / "site.json"
    assert stat.S_IMODE(site_json.stat().st_mode) == 0o600
    assert set(json.loads(site_json.read_text())) >= {"id", "webhook_secret", "api_token"}
    assert not any(p.name == "site.json" for p in work.rglob("*"))
