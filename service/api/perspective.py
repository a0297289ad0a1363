"""Perspective-compatible scoring: POST /v1alpha1/comments:analyze?key=<site api token>.

A drop-in for tools built on Google's Comment Analyzer API: same request fields
(`comment.text`, `languages`, `requestedAttributes`, `spanAnnotations`, `doNotStore`,
`clientToken`, `context.entries`, `context.articleAndParentComment`,
`dropUnsupportedAttributes`), same response (`attributeScores.<ATTR>.summaryScore.value`,
`spanScores` per sentence when asked, with `begin`/`end` in UTF-16 code units as the API
documents, `languages`, `detectedLanguages`), same error document (`{"error": {"code",
"message", "status", "details"}}`). Scored in-process. Google's own clients work against
it through the discovery document served at `GET /$discovery/rest?version=v1alpha1`
(`service.api.perspective_discovery`).

`doNotStore: false` (the API's default) keeps the text and its scores for per-site
learning (`analyzed_texts`) but queues nothing: tools call the API while people type.
A site that wants those calls moderated like webhook deliveries turns it on
(`colombe integrations set SITE --perspective-queue`).

`comments:suggestscore` records the caller's correction as a training label.
"""
from __future__ import annotations

import hashlib
import json
import re

from flask import Blueprint, jsonify, request, url_for

from ..core import sync_scoring
from ..core.intake import BacklogFull, CommentIn
from ..core.sites import site_for_token
from ..core.training_labels import add_label
from ..db.bulk import dialect_insert
from ..db.integration_tables import AnalyzedText, TrainingLabel
from ..integrations.common import get_config
from ..web import accept_in_request, db, settings
from .perspective_discovery import discovery_document

bp = Blueprint("integrations_perspective", __name__)

ATTRIBUTES = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "INSULT": "insult",
    "THREAT": "threat",
    "IDENTITY_ATTACK": "identity_attack",
    "PROFANITY": "obscene",
    "SPAM": "spam",
    "OFF_TOPIC": "off_topic",
}
LANGUAGES = ("en", "fr")
MAX_TEXT_BYTES = 20 * 1024
MAX_CONTEXT_BYTES = 100 * 1024
_BOUNDARY = re.compile(r"[.!?…]+(?=\s|$)|\n+")
ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


def perspective_error(code: int, message: str, status: str = "INVALID_ARGUMENT", error_type: str | None = None):
    err = {"code": code, "message": message, "status": status}
    if error_type:
        err["details"] = [{"@type": ERROR_TYPE, "errorType": error_type}]
    response = jsonify({"error": err})
    response.status_code = code
    return response


class AnalyzeError(Exception):
    def __init__(self, message: str, error_type: str | None = None, code: int = 400, status: str = "INVALID_ARGUMENT"):
        super().__init__(message)
        self.message, self.error_type, self.code, self.status = message, error_type, code, status

    def response(self):
        return perspective_error(self.code, self.message, self.status, self.error_type)


def _authenticate():
    key = request.args.get("key") or request.headers.get("X-Goog-Api-Key")
    if not key:
        raise AnalyzeError("The request is missing a valid API key.", "API_KEY_MISSING", 403, "PERMISSION_DENIED")
    site = site_for_token(db(), key.strip())
    if site is None:
        raise AnalyzeError("API key not valid. Please pass a valid API key.", "API_KEY_INVALID", 403,
                           "PERMISSION_DENIED")
    return site


def _body() -> dict:
    limit = settings().max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise AnalyzeError(f"Request payload size exceeds the limit: {limit} bytes.", "REQUEST_TOO_LARGE", 413)
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise AnalyzeError(f"Request payload size exceeds the limit: {limit} bytes.", "REQUEST_TOO_LARGE", 413)
    mimetype = request.mimetype or ""
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise AnalyzeError(f"Invalid Content-Type {mimetype!r}: send application/json.", "INVALID_CONTENT_TYPE")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise AnalyzeError("Invalid JSON payload received.", "INVALID_JSON") from None
    if not isinstance(body, dict):
        raise AnalyzeError("Invalid JSON payload received. The request must be a JSON object.", "INVALID_JSON")
    return body


def _comment_text(body: dict) -> str:
    comment = body.get("comment")
    if not isinstance(comment, dict):
        raise AnalyzeError("Comment must be specified.", "COMMENT_EMPTY")
    ctype = comment.get("type", "PLAIN_TEXT")
    if ctype not in (None, "PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"):
        raise AnalyzeError(f"Comment type {ctype!r} is not supported; send PLAIN_TEXT.", "COMMENT_TYPE_UNSUPPORTED")
    text = comment.get("text")
    if text is None or text == "":
        raise AnalyzeError("Comment text was too short or empty.", "COMMENT_EMPTY")
    if not isinstance(text, str):
        raise AnalyzeError("Invalid value at 'comment.text': expected a string.", "INVALID_REQUEST")
    if not text.strip():
        raise AnalyzeError("Comment text was too short or empty.", "COMMENT_EMPTY")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise AnalyzeError("Comment text is not valid Unicode (unpaired surrogate).", "INVALID_REQUEST") from None
    if size > MAX_TEXT_BYTES:
        raise AnalyzeError(f"Comment text too long: the limit is {MAX_TEXT_BYTES} bytes (20 KB).", "COMMENT_TOO_LONG")
    if "\x00" in text:
        raise AnalyzeError("Comment text must not contain NUL characters.", "INVALID_REQUEST")
    return text


def _languages(body: dict, attributes: list[str]) -> list[str]:
    langs = body.get("languages")
    if langs is None:
        return []
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs) or len(langs) > 10:
        raise AnalyzeError("Invalid value at 'languages': expected a list of language codes.", "INVALID_REQUEST")
    out = []
    for lang in langs:
        code = lang.strip().lower().replace("_", "-").split("-")[0]
        if code not in LANGUAGES:
            raise AnalyzeError(
                f"Attribute {(attributes or ['TOXICITY'])[0]} does not support request languages: {lang[:20]}",
                "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
            )
        if code not in out:
            out.append(code)
    return out


def _attributes(body: dict) -> dict[str, float | None]:
    requested = body.get("requestedAttributes")
    if not isinstance(requested, dict) or not requested:
        raise AnalyzeError("Must request at least one attribute.", "NO_REQUESTED_ATTRIBUTES")
    drop_unsupported = _bool(body, "dropUnsupportedAttributes")
    out = {}
    for name, options in requested.items():
        if name not in ATTRIBUTES:
            if drop_unsupported:  # the caller asked us to leave out what we do not score
                continue
            raise AnalyzeError(f"Unknown attribute: {str(name)[:60]}", "ATTRIBUTE_NOT_SUPPORTED")
        if options is None:
            options = {}
        if not isinstance(options, dict):
            raise AnalyzeError(f"Invalid value at 'requestedAttributes[{name}]': expected an object.",
                               "INVALID_REQUEST")
        score_type = options.get("scoreType")
        if score_type not in (None, "", "PROBABILITY"):
            raise AnalyzeError(f"Score type {str(score_type)[:40]} is not supported for attribute {name}; "
                               "use PROBABILITY.", "UNSUPPORTED_SCORE_TYPE")
        threshold = options.get("scoreThreshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                      or not 0 <= threshold <= 1):
            raise AnalyzeError(f"Invalid scoreThreshold for attribute {name}: expected a number in [0, 1].",
                               "INVALID_REQUEST")
        out[name] = float(threshold) if threshold is not None else None
    return out


def _entry_text(value, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("text", ""), str):
        raise AnalyzeError(f"Invalid value at '{where}': expected an object with a text.", "INVALID_REQUEST")
    return value.get("text") or None


def _context(body: dict) -> tuple[str | None, str | None]:
    """(parent text, article text) from `context`: `articleAndParentComment` gives both;
    `entries` (earlier comments of the thread) stand in for the parent when there is none."""
    context = body.get("context")
    if context is None:
        return None, None
    if not isinstance(context, dict):
        raise AnalyzeError("Invalid value at 'context': expected an object.", "INVALID_REQUEST")
    entries = context.get("entries")
    if entries is not None and not isinstance(entries, list):
        raise AnalyzeError("Invalid value at 'context.entries': expected a list.", "INVALID_REQUEST")
    texts = [e.get("text") for e in entries or [] if isinstance(e, dict) and isinstance(e.get("text"), str)]
    pair = context.get("articleAndParentComment")
    if pair is not None and not isinstance(pair, dict):
        raise AnalyzeError("Invalid value at 'context.articleAndParentComment': expected an object.",
                           "INVALID_REQUEST")
    pair = pair or {}
    article = _entry_text(pair.get("article"), "context.articleAndParentComment.article")
    parent = _entry_text(pair.get("parentComment"), "context.articleAndParentComment.parentComment")
    if parent is None:
        parent = "\n".join(texts) or None
    try:
        size = sum(len(t.encode("utf-8")) for t in (article, parent) if t)
    except UnicodeEncodeError:
        raise AnalyzeError("Context text is not valid Unicode (unpaired surrogate).", "INVALID_REQUEST") from None
    if size > MAX_CONTEXT_BYTES:
        raise AnalyzeError("Context too long.", "CONTEXT_TOO_LONG")
    return parent, article


def _bool(body: dict, key: str) -> bool:
    value = body.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise AnalyzeError(f"Invalid value at '{key}': expected a boolean.", "INVALID_REQUEST")
    return value


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    cuts = [m.end() for m in _BOUNDARY.finditer(text)]
    starts = [0] + cuts
    for begin, end in zip(starts, cuts + [len(text)]):
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            spans.append((begin, end))
    return spans[:200] or [(0, len(text))]


def utf16_offsets(text: str) -> list[int]:
    """offsets[i] = the UTF-16 code-unit offset of code point i (Perspective's span unit):
    a character outside the Basic Multilingual Plane (most emoji) counts two."""
    out = [0]
    n = 0
    for ch in text:
        n += 2 if ord(ch) > 0xFFFF else 1
        out.append(n)
    return out


def _score(value: float) -> dict:
    return {"value": round(float(value), 6), "type": "PROBABILITY"}


def analyze(site, body: dict) -> dict:
    text = _comment_text(body)
    attributes = _attributes(body)
    languages = _languages(body, list(attributes))
    want_spans = _bool(body, "spanAnnotations")
    do_not_store = _bool(body, "doNotStore")
    parent_text, article_text = _context(body)
    client_token = body.get("clientToken")
    cfg = settings()
    lang = languages[0] if languages else None
    item = {"text": text[: cfg.score_prefix_chars], "lang": lang, "post_title": None, "post_text": article_text,
            "parent_text": parent_text}
    items = [item]
    spans = sentence_spans(text) if want_spans else []
    if want_spans and len(spans) > 1:
        items += [dict(item, text=text[b:e]) for b, e in spans]
    outputs = sync_scoring.score_items(cfg, items)
    main = outputs[0]
    scores = main["scores"]
    detected = main.get("lang_detected") or main.get("lang")
    result: dict = {"attributeScores": {}}
    for name, threshold in attributes.items():
        value = float(scores.get(ATTRIBUTES[name], 0.0))
        if threshold is not None and value < threshold:
            continue
        entry: dict = {}
        if want_spans:
            span_outputs = outputs[1:] if len(spans) > 1 else [main]
            units = utf16_offsets(text)
            entry["spanScores"] = [
                {"begin": units[b], "end": units[e], "score": _score(out["scores"].get(ATTRIBUTES[name], 0.0))}
                for (b, e), out in zip(spans, span_outputs)
            ]
        entry["summaryScore"] = _score(value)
        result["attributeScores"][name] = entry
    result["languages"] = languages or ([detected] if detected else [])
    result["detectedLanguages"] = [detected] if detected else []
    if isinstance(client_token, str):
        result["clientToken"] = client_token[:1000]
    if not do_not_store:
        _store(site, text, lang, body, scores, getattr(sync_scoring.model(cfg), "version", None))
    return result


def queues_analyzed(session, site_id: str) -> bool:
    """Whether the site moderates Perspective calls like webhook deliveries (off by default)."""
    row = get_config(session, site_id, "perspective")
    return bool(row is not None and row.enabled and (row.config or {}).get("queue"))


def _store(site, text: str, lang: str | None, body: dict, scores: dict, model_version: str | None) -> None:
    """doNotStore: false → kept for learning (`analyzed_texts`, idempotent per text); with
    the site's `--perspective-queue`, entered like a webhook delivery instead (when intake
    refuses it, the analysis is still answered)."""
    session = db()
    scope = "|".join(str(body.get(k) or "") for k in ("communityId", "sessionId"))
    digest = hashlib.sha256(f"{scope}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()
    if queues_analyzed(session, site.id):
        try:
            accept_in_request(site, [CommentIn(external_id=f"perspective-{digest[:40]}", text=text, lang=lang)])
        except BacklogFull:
            pass
        return
    row = {"site_id": site.id, "source": "perspective", "text_hash": digest, "text": text, "lang": lang,
           "scores": {k: round(float(v), 6) for k, v in scores.items()}, "model_version": model_version}
    session.execute(dialect_insert(session, AnalyzedText.__table__)
                    .on_conflict_do_nothing(index_elements=["site_id", "text_hash"]), [row])
    session.commit()


@bp.route("/v1alpha1/comments:analyze", methods=["POST", "GET", "PUT", "PATCH", "DELETE"])
def analyze_view():
    if request.method != "POST":
        return perspective_error(405, "Method not allowed: use POST.", "INVALID_ARGUMENT")
    try:
        site = _authenticate()
        return jsonify(analyze(site, _body()))
    except AnalyzeError as exc:
        return exc.response()


@bp.get("/$discovery/rest")
def discovery():
    """The API's discovery document, so that Google's own client libraries
    (`googleapiclient.discovery.build_from_document`, npm `googleapis`' `discoverAPI`)
    call this server."""
    version = request.args.get("version", "v1alpha1")
    if version != "v1alpha1":
        return perspective_error(404, f"No discovery document for version {version[:20]!r}; use v1alpha1.",
                                 "NOT_FOUND")
    return jsonify(discovery_document(url_for("integrations_perspective.discovery", _external=True)
                                      .split("$discovery")[0]))


@bp.route("/v1alpha1/comments:suggestscore", methods=["POST"])
def suggest_view():
    try:
        site = _authenticate()
        body = _body()
        text = _comment_text(body)
        suggested = body.get("attributeScores")
        if not isinstance(suggested, dict) or not suggested:
            raise AnalyzeError("attributeScores must name at least one attribute.", "INVALID_REQUEST")
        values = {}
        for name, entry in suggested.items():
            if name not in ATTRIBUTES:
                raise AnalyzeError(f"Unknown attribute: {str(name)[:60]}", "ATTRIBUTE_NOT_SUPPORTED")
            summary = entry.get("summaryScore") if isinstance(entry, dict) else None
            value = summary.get("value") if isinstance(summary, dict) else None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise AnalyzeError(f"attributeScores.{name}.summaryScore.value must be a number in [0, 1].",
                                   "INVALID_REQUEST")
            values[name] = float(value)
        languages = _languages(body, list(values))
    except AnalyzeError as exc:
        return exc.response()
    positive = sorted((n for n, v in values.items() if v >= 0.5), key=lambda n: -values[n])
    reason = None
    if positive:
        reason = {"SPAM": "spam", "OFF_TOPIC": "off_topic"}.get(positive[0], "toxic")
    session = db()
    add_label(session, site.id, source="perspective", key_material=text, label="rejected" if positive else "clean",
              reason=reason, text=text, lang=languages[0] if languages else None)
    session.commit()
    out: dict = {"detectedLanguages": languages}
    if isinstance(body.get("clientToken"), str):
        out["clientToken"] = body["clientToken"][:1000]
    return jsonify(out)


__all__ = ["bp", "ATTRIBUTES", "TrainingLabel"]
