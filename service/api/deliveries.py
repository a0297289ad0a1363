"""The outbox (decision deliveries) and platform connections in the JSON API
(Authorization: Bearer <site api token>).

GET  /integrations/api/deliveries?status=dead|pending|delivered&limit=50&before=<id>
POST /integrations/api/deliveries/<id>/retry     (a dead delivery goes back in line)
GET  /integrations/api/connections               (the site's connections, secrets hidden)

Kept outside /api/v1 (the paths are contracts); `openapi_paths()` below is merged into
the OpenAPI document.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from ..core.outbox import delivery_json, delivery_wakeup, retry_delivery
from ..core.sites import site_for_token
from ..db.ids import id_below, maybe_id
from ..db.integration_tables import DELIVERY_STATES, Delivery, IntegrationConfig
from ..integrations.common import describe
from ..web import db, json_error, settings

bp = Blueprint("integrations_api", __name__, url_prefix="/integrations/api")


def _site():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, json_error(401, "unauthorized", "send Authorization: Bearer <api token>",
                                headers={"WWW-Authenticate": 'Bearer realm="colombe"'})
    site = site_for_token(db(), token.strip())
    if site is None:
        return None, json_error(401, "unauthorized", "unknown API token",
                                headers={"WWW-Authenticate": 'Bearer realm="colombe", error="invalid_token"'})
    return site, None


@bp.get("/connections")
def connections():
    site, error = _site()
    if error:
        return error
    rows = db().scalars(select(IntegrationConfig).where(IntegrationConfig.site_id == site.id)
                        .order_by(IntegrationConfig.platform))
    return jsonify({"integrations": [describe(settings(), r) for r in rows]})


@bp.get("/deliveries")
def deliveries():
    site, error = _site()
    if error:
        return error
    status = request.args.get("status")
    fields = {}
    if status is not None and status not in DELIVERY_STATES:
        fields["status"] = f"must be one of {', '.join(DELIVERY_STATES)}"
    try:
        limit = int(request.args.get("limit", 50))
        if not 1 <= limit <= 200:
            raise ValueError
    except ValueError:
        fields["limit"] = "must be an integer between 1 and 200"
    before = request.args.get("before")
    before_id = maybe_id(before) if before is not None else None
    if before is not None and (before_id is None or before_id < 1):
        fields["before"] = "must be a delivery id (a positive integer)"
    if fields:
        return json_error(422, "invalid_fields", "some query parameters are invalid", fields=fields)
    q = select(Delivery).where(Delivery.site_id == site.id)
    if status:
        q = q.where(Delivery.status == status)
    if before_id is not None:
        q = q.where(id_below(Delivery.id, before_id))
    rows = list(db().scalars(q.order_by(Delivery.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify({"deliveries": [delivery_json(d) for d in rows],
                    "next_before": rows[-1].id if more and rows else None})


@bp.post("/deliveries/<int:delivery_id>/retry")
def retry(delivery_id: int):
    site, error = _site()
    if error:
        return error
    session = db()
    d = session.scalar(select(Delivery).where(Delivery.id == delivery_id, Delivery.site_id == site.id))
    if d is None:
        return json_error(404, "not_found", f"no delivery {delivery_id}")
    if d.status == "delivered":
        return json_error(409, "already_delivered", "this delivery already succeeded")
    retry_delivery(session, d)
    session.commit()
    delivery_wakeup.set()
    return jsonify(delivery_json(d))


def openapi_paths() -> dict:
    """OpenAPI 3 path items for these endpoints (to merge into the API document)."""
    bearer = [{"bearerAuth": []}]
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "/integrations/api/connections": {"get": {"summary": "The site's platform connections (secrets hidden)",
                                                  "security": bearer, "responses": {"200": ok}}},
        "/integrations/api/deliveries": {"get": {
            "summary": "Decision deliveries (outbound webhook, platform write-back), newest first",
            "security": bearer,
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(DELIVERY_STATES)}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            ],
            "responses": {"200": ok, "401": {"description": "missing or unknown API token"},
                          "422": {"description": "invalid query parameters"}}}},
        "/integrations/api/deliveries/{id}/retry": {"post": {
            "summary": "Queue a dead delivery again", "security": bearer,
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": ok, "404": {"description": "not this site's delivery"},
                          "409": {"description": "already delivered"}}}},
    }
