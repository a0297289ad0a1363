"""`colombe retrain` shows progress from the first second (issue #14, item 14): its stages
at once, and the training bar redrawn every second (elapsed time, memory) while a step runs."""
from __future__ import annotations

import io
import time


def test_the_training_bar_is_redrawn_while_a_step_runs():
    from tqdm import tqdm

    from service.core.training_data import _ticking

    out = io.StringIO()
    bar = tqdm(total=3, desc="colombe train", file=out, mininterval=0)
    with _ticking(True, every_s=0.1):
        time.sleep(0.6)  # one long step, no update
    bar.close()
    frames = out.getvalue().split("\r")
    assert len([f for f in frames if "colombe train" in f]) >= 4  # redrawn, not frozen
    assert any(" MB" in f for f in frames)


def test_retrain_says_what_it_does_before_training(sqlite_settings, capsys):
    from service.core.training_data import train_job

    result = train_job(sqlite_settings, progress=True)  # no decisions: stops after reading them
    err = capsys.readouterr().err
    assert result["artifact"] is None
    assert "reading the moderators' decisions" in err and "0 decision(s)" in err
