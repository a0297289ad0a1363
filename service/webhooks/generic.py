"""The generic signed webhook: POST /api/v1/sites/<site_id>/comments."""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request

from ..core.ingest import ingest_comments, unscored_backlog
from ..core.security import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify_signature
from ..core.sites import webhook_secrets
from ..db.tables import Site
from .. import metrics
from ..web import db, dispatcher, json_error, log_comment_ids, settings
from .schemas import validate_payload

bp = Blueprint("webhooks", __name__)


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


def verified_json_body(site: Site):
    """The shared checks, in the contract's order: size, type, signature, JSON."""
    cfg = settings()
    raw = read_body(cfg.max_body_bytes)
    if not is_json_mimetype(request.mimetype or ""):
        raise BodyError(415, "unsupported_media_type", "send Content-Type: application/json")
    try:
        verify_signature(
            webhook_secrets(site, cfg.secret_key), raw, request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER), cfg.signature_tolerance_s,
        )
    except SignatureError as exc:
        raise BodyError(401, "bad_signature", str(exc)) from None
    return parse_json(raw)


def accept_comments(site: Site, comments) -> tuple[list, dict | None]:
    """Backpressure check, idempotent insert, commit, then enqueue. Shared by integrations."""
    cfg = settings()
    session = db()
    if cfg.backlog_limit and unscored_backlog(session) >= cfg.backlog_limit:
        return [], {"status": 503, "code": "backlog_full",
                    "message": "too many comments are waiting to be scored; retry later"}
    results = ingest_comments(session, site, comments)
    session.commit()  # durably stored before we acknowledge or enqueue
    new_ids = [r.id for r in results if not r.duplicate]
    metrics.received(len(new_ids))
    metrics.duplicates(len(results) - len(new_ids))
    log_comment_ids(r.id for r in results)
    if new_ids:
        dispatcher().score(new_ids)
    return results, None


@bp.post("/api/v1/sites/<site_id>/comments")
def receive(site_id: str):
    session = db()
    site = session.get(Site, site_id)
    if site is None:
        return json_error(404, "unknown_site", f"no site with id {site_id!r}")
    try:
        body = verified_json_body(site)
    except BodyError as exc:
        return json_error(exc.status, exc.code, exc.message)
    cfg = settings()
    comments, errors = validate_payload(body, cfg.max_batch, cfg.max_text_chars)
    if errors:
        return json_error(422, "invalid_fields", "some fields are invalid", fields=errors)
    results, refusal = accept_comments(site, comments)
    if refusal:
        return json_error(refusal["status"], refusal["code"], refusal["message"], headers={"Retry-After": "5"})
    return jsonify({"comments": [r.as_json() for r in results]}), 202
