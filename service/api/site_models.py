"""A site's own models in the JSON API (per-site learning, issue #12).

GET  /api/v1/sites/<site_id>/models                      versions (live | candidate | retired) and events
POST /api/v1/sites/<site_id>/models/<version>/promote     make a version live; the pending queue is rescored
POST /api/v1/sites/<site_id>/models/rollback              back to the previous live version (one action)

Authorization: Bearer <the site's API token>, or the admin token (COLOMBE_ADMIN_TOKEN) for
any site. Promotions and rollbacks are audited (`site_model_events`, actor "api" or
"admin-token"). `openapi_paths()` is merged into the OpenAPI document.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, g, jsonify, request

from ..core.site_models import SiteModelActionError, promote, rollback, site_exists, site_models_json
from ..core.sites import site_for_token
from ..web import db, json_error, settings, site_jobs

bp = Blueprint("site_models_api", __name__, url_prefix="/api/v1/sites")


def _authorize(site_id: str):
    """None when the request may act on `site_id` (g.actor set), else the error response."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return json_error(401, "unauthorized", "send Authorization: Bearer <api token>",
                          headers={"WWW-Authenticate": 'Bearer realm="colombe"'})
    admin = settings().admin_token
    if admin and hmac.compare_digest(token.encode("utf-8", "surrogatepass"), admin.encode("utf-8")):
        if not site_exists(db(), site_id):
            return json_error(404, "unknown_site", f"no site with id {site_id!r}")
        g.actor = "admin-token"
        return None
    site = site_for_token(db(), token)
    if site is None:
        return json_error(401, "unauthorized", "unknown API token",
                          headers={"WWW-Authenticate": 'Bearer realm="colombe", error="invalid_token"'})
    if site.id != site_id:  # another site's models do not exist for this token
        return json_error(404, "unknown_site", f"no site with id {site_id!r}")
    g.actor = "api"
    return None


def _authorized_reason(site_id: str):
    """For a model action: the token check, then the optional `{"reason": "..."}` body;
    (reason, error response)."""
    error = _authorize(site_id)
    if error:
        return None, error
    if not request.get_data(cache=True):
        return None, None
    if not request.is_json:
        return None, json_error(415, "unsupported_media_type", "send Content-Type: application/json (or no body)")
    body = request.get_json(silent=True)
    if body is None:
        return None, json_error(400, "malformed_json", "body is not valid JSON")
    if not isinstance(body, dict):
        return None, json_error(422, "invalid_fields", "body must be an object", fields={"body": "must be an object"})
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500 or "\x00" in reason):
        return None, json_error(422, "invalid_fields", "some fields are invalid",
                                fields={"reason": "must be a string of at most 500 characters"})
    return reason, None


@bp.get("/<site_id>/models")
def list_models(site_id: str):
    error = _authorize(site_id)
    if error:
        return error
    return jsonify(site_models_json(db(), site_id))


@bp.post("/<site_id>/models/<version>/promote")
def promote_version(site_id: str, version: str):
    reason, error = _authorized_reason(site_id)
    if error:
        return error
    session = db()
    try:
        row = promote(session, site_id, version, g.actor, reason=reason or "promoted through the API")
    except SiteModelActionError as exc:
        session.rollback()
        status = 409 if "already live" in str(exc) else 404
        return json_error(status, "conflict" if status == 409 else "not_found", str(exc))
    session.commit()
    site_jobs().rescore(site_id)
    return jsonify({"site_id": site_id, "live_version": row.version, "promoted": row.version,
                    "rescoring": "queued"})


@bp.post("/<site_id>/models/rollback")
def rollback_version(site_id: str):
    reason, error = _authorized_reason(site_id)
    if error:
        return error
    session = db()
    try:
        taken_out, live = rollback(session, site_id, g.actor, reason=reason or "rolled back through the API")
    except SiteModelActionError as exc:
        session.rollback()
        return json_error(409, "conflict", str(exc))
    session.commit()
    site_jobs().rescore(site_id)
    return jsonify({"site_id": site_id, "rolled_back": taken_out, "live_version": live, "rescoring": "queued"})


def openapi_paths() -> dict:
    """OpenAPI 3 path items for these endpoints (merged into the API document)."""
    bearer = [{"bearer": []}]
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    site = {"name": "site_id", "in": "path", "required": True, "schema": {"type": "string"}}
    version = {"name": "version", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "a version of this site, e.g. colombe-2026.11.30-1+s_0123456789ab.v4"}
    body = {"required": False, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"reason": {"type": "string", "maxLength": 500}}}}}}
    model = {"type": "object", "required": ["version", "status", "created_at", "train_decisions", "evaluation"],
             "properties": {"version": {"type": "string"},
                            "status": {"type": "string", "enum": ["live", "candidate", "retired"]},
                            "created_at": {"type": "string", "format": "date-time"},
                            "train_decisions": {"type": "integer"}, "eval_decisions": {"type": "integer"},
                            "promoted_at": {"type": ["string", "null"]}, "promoted_by": {"type": ["string", "null"]},
                            "evaluation": {"type": "object"}}}
    listing = {"type": "object", "required": ["site_id", "versions"],
               "properties": {"site_id": {"type": "string"}, "live_version": {"type": ["string", "null"]},
                              "candidate_version": {"type": ["string", "null"]},
                              "versions": {"type": "array", "items": model}, "events": {"type": "array"}}}
    changed = {"description": "done; the site's pending queue is being rescored",
               "content": {"application/json": {"schema": {"type": "object", "required": ["live_version"],
                                                            "properties": {"live_version": {"type": ["string", "null"]}}}}}}
    common = {"401": {"description": "missing or unknown token", **err},
              "404": {"description": "unknown site or version (or another site's)", **err}}
    bad_body = {"400": {"description": "malformed JSON", **err}, "415": {"description": "not JSON", **err},
                "422": {"description": "invalid fields", **err}}
    return {
        "/api/v1/sites/{site_id}/models": {"get": {
            "summary": "The site's own models: every version with its status and held-out figures, and the audit",
            "security": bearer, "parameters": [site],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": listing}}},
                          **common}}},
        "/api/v1/sites/{site_id}/models/{version}/promote": {"post": {
            "summary": "Make a version live (audited); the pending queue is rescored with it",
            "security": bearer, "parameters": [site, version], "requestBody": body,
            "responses": {"200": changed, **common, **bad_body,
                          "409": {"description": "already live", **err}}}},
        "/api/v1/sites/{site_id}/models/rollback": {"post": {
            "summary": "Back to the version live before the current one (or to the global model alone); audited",
            "security": bearer, "parameters": [site], "requestBody": body,
            "responses": {"200": changed, **common, **bad_body,
                          "409": {"description": "no live site model", **err}}}},
    }
