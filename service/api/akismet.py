"""Akismet-compatible spam checks: POST /1.1/comment-check, submit-spam, submit-ham, verify-key.

Form-encoded requests with Akismet's field names; the key (`api_key`, or `key` for
verify-key) is the site's Colombe API token. Answers are Akismet's plain-text bodies:
`true`/`false` (plus `X-akismet-pro-tip: discard` for blatant spam), `valid`/`invalid`,
"Thanks for making the web a better place." for submissions. A bad key gets Akismet's
documented `invalid` body with an `X-akismet-debug-help` header; malformed requests
(missing required field, wrong content type, oversized body) get a 4xx plain-text error
with the same header.

Spam decision: `true` when the model's spam score reaches the spam label's
`precision_90` threshold (or the site's `reject_above.spam`, if lower); `discard` when it
reaches the site's `reject_above.spam`, or — without a site setting — halfway between
that threshold and 1.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, Response, request

from ..core import sync_scoring
from ..core.sites import site_for_token
from ..core.training_labels import add_label
from ..web import db, settings

bp = Blueprint("integrations_akismet", __name__)

SUBMISSION_RESPONSE = "Thanks for making the web a better place."
MAX_CONTENT = 100_000


class AkismetError(Exception):
    def __init__(self, status: int, body: str, help_text: str):
        super().__init__(help_text)
        self.status, self.body, self.help_text = status, body, help_text


def _text(body: str, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    for key, value in (headers or {}).items():
        # a header carries printable ASCII only: a field name echoed in a debug header may hold
        # newlines or any character the client sent
        response.headers[key] = "".join(c if " " <= c <= "~" else ascii(c)[1:-1] for c in value)
    return response


def _error(exc: AkismetError) -> Response:
    return _text(exc.body, exc.status, {"X-akismet-debug-help": exc.help_text})


def _form() -> dict:
    limit = settings().max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise AkismetError(413, "Request too large.", f"The request body is over the {limit}-byte limit.")
    mimetype = request.mimetype or ""
    if mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise AkismetError(400, "Invalid request.",
                           "Send the fields form-encoded (Content-Type: application/x-www-form-urlencoded).")
    form = request.form
    out = {}
    for key in form.keys():
        values = form.getlist(key)
        name = key[:-2] if key.endswith("[]") else key
        if name in ("comment_context",):
            out[name] = [v for v in values if isinstance(v, str)][:20]
        else:
            value = values[-1]
            if "\x00" in value:
                raise AkismetError(400, "Invalid request.", f"The {name} field contains a NUL character.")
            out[name] = value
    return out


def _site(fields: dict, key_field: str = "api_key"):
    key = (fields.get(key_field) or "").strip()
    if not key:
        raise AkismetError(200, "invalid", f'Empty "{key_field}" value')
    site = site_for_token(db(), key)
    if site is None:
        raise AkismetError(200, "invalid", "Invalid API key. Use the site's Colombe API token as the Akismet key.")
    return site


def _require(fields: dict, *names: str) -> None:
    for name in names:
        if not (fields.get(name) or "").strip():
            raise AkismetError(400, f"Missing required field: {name}.", f"Missing required field: {name}.")


def _lang(blog_lang: str | None) -> str | None:
    if not blog_lang:
        return None
    codes = {part.strip().lower().replace("-", "_").split("_")[0] for part in blog_lang.split(",") if part.strip()}
    return codes.pop() if len(codes) == 1 and codes <= {"en", "fr"} else None


def spam_thresholds(site) -> tuple[float, float]:
    cfg = settings()
    t = (sync_scoring.thresholds(cfg).get("spam") or {})
    spam_at = float(t.get("precision_90", 0.5))
    site_reject = sync_scoring.site_policy(cfg, site).reject_above.get("spam")
    if site_reject is not None:
        return min(spam_at, site_reject), site_reject
    return spam_at, spam_at + (1.0 - spam_at) / 2


@bp.post("/1.1/comment-check")
def comment_check():
    try:
        fields = _form()
        site = _site(fields)
        _require(fields, "blog", "user_ip")
    except AkismetError as exc:
        return _error(exc)
    content = fields.get("comment_content") or ""
    headers = {"X-akismet-guid": uuid.uuid4().hex}
    if not content.strip():
        return _text("false", headers=headers)
    context = fields.get("comment_context") or []
    item = {"text": content[: settings().score_prefix_chars], "lang": _lang(fields.get("blog_lang")),
            "post_title": None, "post_text": "\n".join(context) or None, "parent_text": None,
            "author_url": fields.get("comment_author_url") or None, "site_url": fields.get("blog") or None,
            "post_url": fields.get("permalink") or None}
    score = float(sync_scoring.score_items(settings(), [item], second_stage=False)[0]["scores"].get("spam", 0.0))
    spam_at, discard_at = spam_thresholds(site)
    if score >= spam_at:
        if score >= discard_at:
            headers["X-akismet-pro-tip"] = "discard"
        return _text("true", headers=headers)
    return _text("false", headers=headers)


def _submit(label: str):
    try:
        fields = _form()
        site = _site(fields)
        _require(fields, "blog")
    except AkismetError as exc:
        return _error(exc)
    content = (fields.get("comment_content") or "")[:MAX_CONTENT]
    if content.strip() and fields.get("is_test") not in ("1", "true", "True"):
        material = "\x00".join([content, fields.get("comment_author") or "", fields.get("comment_author_email") or "",
                                fields.get("permalink") or ""])
        session = db()
        add_label(session, site.id, source="akismet", key_material=material, label=label,
                  reason="spam" if label == "rejected" else None, text=content, lang=_lang(fields.get("blog_lang")))
        session.commit()
    return _text(SUBMISSION_RESPONSE)


@bp.post("/1.1/submit-spam")
def submit_spam():
    return _submit("rejected")


@bp.post("/1.1/submit-ham")
def submit_ham():
    return _submit("clean")


@bp.post("/1.1/verify-key")
def verify_key():
    try:
        fields = _form()
        key_field = "key" if "key" in fields else "api_key"
        _site(fields, key_field)
    except AkismetError as exc:
        return _error(exc)
    return _text("valid")
