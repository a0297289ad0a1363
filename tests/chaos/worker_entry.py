"""Entry point of the chaos tests' worker processes: `colombe worker`, with two test hooks.

The process is the real one (`service.cli.main(["worker", ...])`: Celery prefork pool,
real Redis, real PostgreSQL). Two environment variables widen the fault window:

- COLOMBE_CHAOS_SCORE_DELAY (seconds): each scoring batch sleeps this long inside the
  model call, i.e. while the comment rows are locked in an open transaction, so a fault
  injected "while the worker holds a batch" really lands mid-batch.
- COLOMBE_CHAOS_MARK_DIR: while a batch is being scored, a file `<pid>.batch` in this
  directory holds its size (removed when the model call returns), so the test knows
  which pool process to kill and when.
- COLOMBE_CHAOS_POISON: a marker string; the model raises on any batch holding a text
  that contains it (a comment the model chokes on).

The bundled model is used when its artifact is present; otherwise (the artifact is
built by another team and may not be there yet) the deterministic keyword model from
tests/fakes.py stands in, and the worker says so on stderr.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path


class _ChaosModel:
    def __init__(self, inner, delay: float, mark_dir: str | None, poison: str | None = None):
        self.inner = inner
        self.poison = poison
        self.delay = delay
        self.mark_dir = Path(mark_dir) if mark_dir else None
        self.version = inner.version
        self.labels = inner.labels
        self.thresholds = inner.thresholds

    def score_batch(self, items):
        mark = None
        if self.mark_dir is not None:
            mark = self.mark_dir / f"{os.getpid()}.batch"
            mark.write_text(str(len(items)))
        try:
            if self.delay:
                time.sleep(self.delay)
            if self.poison and any(self.poison in (it.get("text") or "") for it in items):
                raise ValueError("chaos: the model chokes on this comment")
            return self.inner.score_batch(items)
        finally:
            if mark is not None:
                try:
                    mark.unlink()
                except FileNotFoundError:
                    pass

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _load_model(model_dir: str | None):
    try:
        from models.registry import default_model, load_model

        model = load_model(model_dir) if model_dir else default_model()
        print(f"chaos worker: real model {model.version}", file=sys.stderr)
        return model
    except Exception as exc:  # artifact not built yet
        from tests.fakes import FakeModel

        print(f"chaos worker: bundled model unavailable ({exc.__class__.__name__}: {exc}); using tests.fakes.FakeModel",
              file=sys.stderr)
        return FakeModel()


def main(argv: list[str]) -> None:
    from service.config import Settings
    from service.core import jobs

    settings = Settings.from_env()
    model = _load_model(settings.model_dir)
    delay = float(os.environ.get("COLOMBE_CHAOS_SCORE_DELAY") or 0)
    jobs._models[settings.model_dir or ""] = _ChaosModel(model, delay, os.environ.get("COLOMBE_CHAOS_MARK_DIR"),
                                                         os.environ.get("COLOMBE_CHAOS_POISON") or None)
    from service.cli import main as cli

    cli(["worker", *argv], prog_name="colombe")


if __name__ == "__main__":
    main(sys.argv[1:])
