"""The generic signed webhook: POST /api/v1/sites/<site_id>/comments."""
from __future__ import annotations

import json
import logging
import threading
import time

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import InterfaceError, OperationalError

from ..core.ingest import (fast_path_supported, ingest_comments, ingest_comments_fast, link_parents,
                           new_with_parent, unscored_backlog)
from ..core.security import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify_signature
from ..core.sites import cached_site_auth, site_auth, webhook_secrets
from ..db.session import get_engine
from ..db.tables import Site
from .. import metrics
from ..web import db, dispatcher, json_error, log_comment_ids, settings
from .schemas import validate_payload

bp = Blueprint("webhooks", __name__)
log = logging.getLogger("colombe.webhooks")


class BodyError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def is_json_mimetype(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def read_body(limit: int) -> bytes:
    """Raw body, refusing more than `limit` bytes before reading them when possible."""
    length = request.content_length
    if length is not None and length > limit:
        raise BodyError(413, "body_too_large", f"request body is over the {limit}-byte limit")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise BodyError(413, "body_too_large", f"request body is over the {limit}-byte limit")
    return data


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: bytes):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(400, "invalid_utf8", f"body is not valid UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise BodyError(400, "json_too_deep", "JSON is nested too deeply") from None
    except ValueError as exc:
        raise BodyError(400, "malformed_json", f"malformed JSON: {exc}") from None


def verified_json_body(site):
    """The shared checks, in the contract's order: size, type, signature, JSON.

    `site` is a `Site` row or a cached `SiteAuth`."""
    cfg = settings()
    raw = read_body(cfg.max_body_bytes)
    if not is_json_mimetype(request.mimetype or ""):
        raise BodyError(415, "unsupported_media_type", "send Content-Type: application/json")
    secrets_ = list(site.secrets) if hasattr(site, "secrets") else webhook_secrets(site, cfg.secret_key)
    try:
        verify_signature(
            secrets_, raw, request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER), cfg.signature_tolerance_s,
        )
    except SignatureError as exc:
        raise BodyError(401, "bad_signature", str(exc)) from None
    return parse_json(raw)


_backlog: dict[str, list] = {}  # database url -> [counted at, count]
_backlog_lock = threading.Lock()


def _count_backlog(engine, limit: int) -> int:
    """Unscored comments, counted up to `limit` (all the check needs)."""
    with engine.connect() as conn:
        return unscored_backlog(conn, limit)


def backlog_full(engine, database_url: str, limit: int) -> bool:
    """Unscored comments past the limit? Counted at most once a second per process (by one
    thread: the others use the previous count meanwhile)."""
    if not limit:
        return False
    now = time.monotonic()
    entry = _backlog.get(database_url)
    if entry is None or now - entry[0] > 1.0:
        if entry is None:
            _backlog_lock.acquire()
        elif not _backlog_lock.acquire(blocking=False):
            return entry[1] >= limit  # another thread is counting
        try:
            entry = _backlog.get(database_url)
            if entry is None or time.monotonic() - entry[0] > 1.0:
                entry = _backlog[database_url] = [time.monotonic(), _count_backlog(engine, limit)]
        finally:
            _backlog_lock.release()
    return entry[1] >= limit


def _count_accepted(database_url: str, n: int) -> None:
    entry = _backlog.get(database_url)
    if entry is not None:
        entry[1] += n


def accept_comments(site, comments) -> tuple[list, dict | None]:
    """Backpressure check, idempotent insert, commit, then enqueue. Shared by integrations.

    `site` is a `Site` row or a cached `SiteAuth` (only `id` and `hash_salt` are used).
    On PostgreSQL the common case (posts known and unchanged) takes the fast path of
    `ingest_comments_fast` (insert committed, then parents linked); anything else the ORM
    session below, with the same effects."""
    cfg = settings()
    engine = get_engine(cfg.database_url)
    if backlog_full(engine, cfg.database_url, cfg.backlog_limit):
        return [], {"status": 503, "code": "backlog_full",
                    "message": "too many comments are waiting to be scored; retry later"}
    results = ingest_comments_fast(engine, site, comments) if fast_path_supported(engine) else None
    linked = results is not None
    if results is None:
        session = db()
        results = ingest_comments(session, site, comments, link=False)
        session.commit()  # durably stored before we acknowledge or enqueue
    new_ids = [r.id for r in results if not r.duplicate]
    _count_accepted(cfg.database_url, len(new_ids))
    if new_ids and not linked:
        link_after_commit(db(), site.id, comments, results)
    metrics.ingested(len(new_ids), len(results) - len(new_ids))
    log_comment_ids(r.id for r in results)
    if new_ids:
        dispatcher().score(new_ids)
    return results, None


def link_after_commit(session, site_id: str, comments, results) -> None:
    """Link replies and parents once our rows are committed.

    A reply and its parent stored by concurrent requests cannot see each other's
    uncommitted rows; linking after commit means whichever request commits last sees
    both. Best effort: the comments are already stored, and `parent_external_id` keeps
    the relation if this step fails.
    """
    inserted = {r.external_id: r.id for r in results if not r.duplicate}
    try:
        link_parents(session, site_id, new_with_parent(comments, inserted), list(inserted))
        session.commit()
    except (OperationalError, InterfaceError) as exc:
        session.rollback()
        log.warning("parent link failed", extra={"error": str(exc).splitlines()[0][:200]})


def receive_signed_comments(site_id: str, parse, invalid_message: str = "some fields are invalid"):
    """Signed JSON comments for a site, in any payload dialect: `parse(body, max_batch,
    max_text) -> (comments, field errors)`. Checks, stores, enqueues, answers 202."""
    site = cached_site_auth(site_id) or site_auth(db(), site_id, settings().secret_key)
    if site is None:
        return json_error(404, "unknown_site", f"no site with id {site_id!r}")
    try:
        body = verified_json_body(site)
    except BodyError as exc:
        return json_error(exc.status, exc.code, exc.message)
    cfg = settings()
    comments, errors = parse(body, cfg.max_batch, cfg.max_text_chars)
    if errors:
        return json_error(422, "invalid_fields", invalid_message, fields=errors)
    results, refusal = accept_comments(site, comments)
    if refusal:
        return json_error(refusal["status"], refusal["code"], refusal["message"], headers={"Retry-After": "5"})
    return jsonify({"comments": [r.as_json() for r in results]}), 202


@bp.post("/api/v1/sites/<site_id>/comments")
def receive(site_id: str):
    return receive_signed_comments(site_id, validate_payload)
