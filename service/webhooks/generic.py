"""The generic signed webhook: POST /api/v1/sites/<site_id>/comments (step 1 of a
comment's path: it arrives). Also the body checks every signed webhook shares.

What happens next is `core.intake.accept` (store, enqueue); this module only checks the
request in the contract's order (404 site → 413 size → 415 type → 401 signature → 400
JSON → 422 fields) and answers.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, jsonify, request

from ..core.intake import BacklogFull, validate_payload
from ..core.security import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify_signature
from ..core.sites import cached_site_auth, site_auth, webhook_secrets
from ..web import accept_in_request, db, json_error, settings

bp = Blueprint("webhooks", __name__)
log = logging.getLogger("colombe.webhooks")


class BodyError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def is_json_mimetype(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def read_body(limit: int) -> bytes:
    """Raw body, refusing more than `limit` bytes before reading them when possible.

    A chunked body has no Content-Length: it is read from the server's own stream (which
    the server ends: `wsgi.input_terminated`) up to one byte past the limit, so that a body
    over the limit is a 413, not a body cut at the limit (whose signature then fails)."""
    too_large = BodyError(413, "body_too_large", f"request body is over the {limit}-byte limit")
    length = request.content_length
    if length is not None and length > limit:
        raise too_large
    environ = request.environ
    stream = environ["wsgi.input"] if length is None and environ.get("wsgi.input_terminated") else request.stream
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large
    return b"".join(chunks)


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
    try:
        results = accept_in_request(site, comments)
    except BacklogFull as exc:
        return json_error(503, exc.code, str(exc), headers={"Retry-After": "5"})
    return jsonify({"comments": [r.as_json() for r in results]}), 202


@bp.post("/api/v1/sites/<site_id>/comments")
def receive(site_id: str):
    return receive_signed_comments(site_id, validate_payload)
