"""Facts about the model that the web tier needs, without numpy or scipy.

The web processes validate label names and report the bundled artifact's version;
importing ``models.registry`` for that would load numpy and scipy (~50 MB per web
worker) that only the scoring side needs.  ``models.registry`` re-exports these.
"""
from __future__ import annotations

import pathlib

__all__ = ["LABELS", "TEXT_HEADS", "ARTIFACTS_DIR", "ModelLoadError", "bundled_artifact_dir"]

LABELS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene", "spam", "off_topic")
TEXT_HEADS = LABELS[:-1]
ARTIFACTS_DIR = pathlib.Path(__file__).resolve().parent / "artifacts"


class ModelLoadError(Exception):
    """The artifact is missing, incomplete, altered or incompatible."""


def bundled_artifact_dir() -> pathlib.Path:
    """The artifact named in ``models/artifacts/CURRENT``, else the newest folder."""
    cur = ARTIFACTS_DIR / "CURRENT"
    if cur.exists():
        name = cur.read_text(encoding="utf-8").strip()
        if name and (ARTIFACTS_DIR / name).is_dir():
            return ARTIFACTS_DIR / name
    cands = sorted(p for p in ARTIFACTS_DIR.glob("*") if p.is_dir() and (p / "manifest.json").exists())
    if not cands:
        raise ModelLoadError(f"no model artifact under {ARTIFACTS_DIR}")
    return cands[-1]
