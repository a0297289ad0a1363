"""Small helpers shared by the JSON endpoints."""
from __future__ import annotations

from flask import current_app, g, jsonify
from sqlalchemy.orm import Session

from .config import Settings
from .db.session import session_factory

# The model's labels, for request validation and the OpenAPI document. Kept here (equal to
# `models.registry.LABELS`, checked by tests/unit/test_ingest_fast_labels.py) so that the
# web tier does not import the model package, which pulls in numpy and scipy (~30 MB per
# web worker) that only the scoring side needs.
MODEL_LABELS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene", "spam", "off_topic")


def bundled_model_dir():
    """`models.registry.bundled_artifact_dir()` without importing the model package's
    numpy-based modules (for /readyz's version check in the web tier)."""
    from pathlib import Path

    import models

    artifacts = Path(models.__file__).resolve().parent / "artifacts"
    current = artifacts / "CURRENT"
    if current.exists():
        name = current.read_text(encoding="utf-8").strip()
        if name and (artifacts / name).is_dir():
            return artifacts / name
    candidates = sorted(p for p in artifacts.glob("*") if p.is_dir() and (p / "manifest.json").exists())
    if not candidates:
        from models.registry import bundled_artifact_dir

        return bundled_artifact_dir()  # raises the model's own error
    return candidates[-1]


def settings() -> Settings:
    return current_app.extensions["colombe"]["settings"]


def dispatcher():
    return current_app.extensions["colombe"]["dispatcher"]()


def db() -> Session:
    """The request's session (closed at teardown; endpoints commit explicitly)."""
    if "db" not in g:
        g.db = session_factory(settings().database_url)()
    return g.db


def json_error(status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
    body = {"error": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def log_comment_ids(ids) -> None:
    """Attach comment ids to the request's log line."""
    g.comment_ids = list(ids)[:100]


ID_LIMIT = 2**31  # ids are 32-bit INTEGER columns


def clamp_id(value) -> int:
    """An id from user input, clamped into the column's range: a huge number then simply
    matches nothing (instead of overflowing the database driver). Raises ValueError /
    TypeError like int() for non-numbers."""
    return max(-1, min(int(value), ID_LIMIT))
