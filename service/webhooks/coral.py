"""Coral Talk external moderation phase: POST /integrations/coral/<site_id>.

Coral POSTs an ExternalModerationRequest (`action`, `comment.body`, `comment.parentID`,
`author.id`, `author.role`, `story.id`, `story.url`, `site.id`, `tenantID`,
`tenantDomain`) signed in `X-Coral-Signature`: one or more comma-separated
`sha256=<hex>` HMACs of the raw body, one per active signing secret (several during a
rotation). We store the comment (idempotently), score it in-process, apply the site
policy and answer with exactly the documented ExternalModerationResponse
(coralproject/talk `server/EXTERNAL_MODERATION_PHASES.md`):

- 204, no body: no opinion (the comment is clean, or we could not decide before the
  deadline: Coral's other phases decide);
- 200 `{"status": "SYSTEM_WITHHELD" | "REJECTED", "actions": [{"actionType": "FLAG",
  "reason": "COMMENT_DETECTED_TOXIC" | "COMMENT_DETECTED_SPAM"}]}`, `actions` only when
  there is at least one. Never an empty array: Coral's joi schema requires at least one
  item in `tags` (and `actions`' items are required objects), and a response that fails
  it is dropped whole.

Deadline: Coral waits `timeout` ms (200 by default) and then ignores the phase. We score in
a helper thread and wait at most `COLOMBE_CORAL_DEADLINE_MS` from the request's start;
past it we answer 204 and let the thread finish (the decision is stored, the comment
shows in Colombe's queue). The model is loaded at start whenever a site has a Coral
connection (`service.app`), so the first call does not pay for the load.

Coral's own signing secrets are stored encrypted per site
(`colombe integrations set SITE --coral-signing-secret-stdin`).
"""
from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, Response, g, jsonify, request

from ..core import sync_scoring
from ..core.intake import BacklogFull, FieldErrors, validate_comment
from ..core.security import any_signature_matches, signature_candidates
from ..core.scoring import score_comments
from ..db.session import session_scope
from ..db.tables import PENDING, RECEIVED, REJECTED, Comment, Site
from ..integrations.common import get_config, read_secrets
from ..web import accept_in_request, db, json_error, settings
from .generic import BodyError, is_json_mimetype, parse_json, read_body

log = logging.getLogger("colombe.coral")
bp = Blueprint("integrations_coral", __name__)
SIGNATURE_HEADER = "X-Coral-Signature"
TOXIC_LABELS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene")
# Scoring runs here so that a request can stop waiting at its deadline; a few threads per
# process are enough (each call is one comment, a few milliseconds once the model is loaded).
_scorers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="colombe-coral")


def coral_secrets(site: Site) -> list[str]:
    cfg = settings()
    row = get_config(db(), site.id, "coral")
    if row is None or not row.enabled:
        return []
    return list(read_secrets(cfg, row).get("signing_secrets") or [])


def verify_coral_signature(secrets_: list[str], body: bytes, header: str | None) -> None:
    if not secrets_:
        raise BodyError(401, "coral_not_configured",
                        "no Coral signing secret is stored for this site (colombe integrations set)")
    if not header:
        raise BodyError(401, "bad_signature", f"missing {SIGNATURE_HEADER} header")
    given = signature_candidates(header)
    if not given:
        raise BodyError(401, "bad_signature", f"{SIGNATURE_HEADER} must look like sha256=<hex>[,sha256=<hex>]")
    if not any_signature_matches(secrets_, body, given):
        raise BodyError(401, "bad_signature", "signature does not match")


def to_generic(body: dict) -> tuple[dict, dict]:
    """(generic comment document, field errors) from a Coral ExternalModerationRequest."""
    errors: dict = {}
    if body.get("action") not in ("NEW", "EDIT"):
        errors["action"] = "must be NEW or EDIT"
    comment = body.get("comment")
    story = body.get("story")
    author = body.get("author")
    if not isinstance(comment, dict):
        errors["comment"] = "must be an object"
        comment = {}
    if not isinstance(story, dict):
        errors["story"] = "must be an object"
        story = {}
    if author is not None and not isinstance(author, dict):
        errors["author"] = "must be an object"
        author = {}
    author = author or {}
    text = comment.get("body")
    # Coral sends no comment id: the identity of a version is its tenant, story, author, parent and text.
    material = "\x00".join(str(x) for x in (body.get("tenantID"), story.get("id"), author.get("id"),
                                             comment.get("parentID"), text))
    doc: dict = {
        "id": "coral-" + hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:40],
        "text": text,
        "format": "html",
        "post": {"id": story.get("id"), **({"url": story["url"]} if isinstance(story.get("url"), str) else {})},
    }
    if comment.get("parentID") is not None:
        doc["parent_id"] = comment["parentID"]
    if author.get("id") is not None:
        doc["author"] = {"name": str(author["id"])[:255]}
    return doc, errors


_FIELD_NAMES = {"text": "comment.body", "post.id": "story.id", "post.url": "story.url", "parent_id": "comment.parentID",
                "author.name": "author.id", "id": "comment"}


def coral_response(status: str, reason_labels: set) -> dict:
    """The ExternalModerationResponse document: `status`, plus `actions` only when there is a
    flag to raise (no empty arrays, no `tags`)."""
    actions = []
    if reason_labels & set(TOXIC_LABELS):
        actions.append({"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"})
    if "spam" in reason_labels:
        actions.append({"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"})
    doc: dict = {"status": status}
    if actions:
        doc["actions"] = actions
    return doc


def coral_answer(comment: Comment):
    if comment.status not in (PENDING, REJECTED):  # clean, or not scored in time: no opinion
        return Response(status=204)
    labels = {r.get("label") for r in (comment.reasons or []) if isinstance(r, dict)}
    return jsonify(coral_response("REJECTED" if comment.status == REJECTED else "SYSTEM_WITHHELD", labels))


def _score_one(settings_, comment_id: int) -> None:
    with session_scope(settings_.database_url) as session:
        model = sync_scoring.Budgeted(sync_scoring.model(settings_), settings_.sync_model_budget_ms)
        score_comments(session, [comment_id], model, settings_.score_prefix_chars)


@bp.post("/integrations/coral/<site_id>")
def phase(site_id: str):
    session = db()
    site = session.get(Site, site_id)
    if site is None:
        return json_error(404, "unknown_site", f"no site with id {site_id!r}")
    cfg = settings()
    try:
        raw = read_body(cfg.max_body_bytes)
        if not is_json_mimetype(request.mimetype or ""):
            raise BodyError(415, "unsupported_media_type", "send Content-Type: application/json")
        verify_coral_signature(coral_secrets(site), raw, request.headers.get(SIGNATURE_HEADER))
        body = parse_json(raw)
    except BodyError as exc:
        return json_error(exc.status, exc.code, exc.message)
    if not isinstance(body, dict):
        return json_error(422, "invalid_fields", "body must be an ExternalModerationRequest object",
                          fields={"body": "must be an object"})
    doc, errors = to_generic(body)
    local = FieldErrors()
    c = validate_comment(doc, "", local, cfg.max_text_chars)
    for name, message in local.items():
        errors.setdefault(_FIELD_NAMES.get(name, name), message)
    if errors:
        return json_error(422, "invalid_fields", "some Coral request fields are invalid", fields=errors)
    try:
        results = accept_in_request(site, [c])
    except BacklogFull:  # overloaded: no opinion rather than a late answer
        return Response(status=204)
    comment = session.get(Comment, results[0].id)
    if comment.status == RECEIVED:
        started = g.get("started") or time.perf_counter()
        remaining = cfg.coral_deadline_ms / 1000 - (time.perf_counter() - started)
        comment_id = comment.id
        session.commit()  # end this read transaction: the answer must see the helper's commit
        future = _scorers.submit(_score_one, cfg, comment_id)
        try:
            future.result(timeout=max(0.0, remaining))
        except FutureTimeout:  # answer "no opinion" in time rather than a verdict too late
            future.add_done_callback(_log_failure)
            log.info("coral: deadline reached, answering 204; scoring goes on",
                     extra={"comment_ids": [comment_id], "deadline_ms": cfg.coral_deadline_ms})
            return Response(status=204)
        except Exception:
            log.exception("coral: in-process scoring failed; the worker will score it",
                          extra={"comment_ids": [comment_id]})
            return Response(status=204)
        session.refresh(comment)
    return coral_answer(comment)


def _log_failure(future) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("coral: background scoring failed; the worker will score it", exc_info=exc)
