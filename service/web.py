"""Small helpers shared by the Flask endpoints (the request's settings, session, dispatcher)."""
from __future__ import annotations

from flask import current_app, g, jsonify
from sqlalchemy.orm import Session

# Label names and the bundled artifact's folder come from `models.names`, which does not
# import numpy or scipy: only the scoring side needs those.
from models.names import LABELS as MODEL_LABELS
from models.names import bundled_artifact_dir as bundled_model_dir

from .config import Settings
from .core.intake import CommentIn, IngestResult, accept
from .db.session import session_factory


def settings() -> Settings:
    return current_app.extensions["colombe"]["settings"]


def dispatcher():
    return current_app.extensions["colombe"]["dispatcher"]()


def site_jobs():
    """Where site model runs and rescorings go (`core.site_jobs`: Celery, or in-process)."""
    return current_app.extensions["colombe"]["site_jobs"]


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


def accept_in_request(site, comments: list[CommentIn]) -> list[IngestResult]:
    """`core.intake.accept` with this request's settings, session (when one is open: the
    PostgreSQL fast path needs none) and dispatcher; raises `BacklogFull`. The comment ids
    go to the request's log line."""
    results = accept(settings(), site, comments, enqueue=dispatcher().score, session=g.get("db"))
    log_comment_ids(r.id for r in results)
    return results
