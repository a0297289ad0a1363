"""The OpenAPI 3 document for the JSON API (kept next to the code it describes)."""
from __future__ import annotations

from ..db.tables import STATUSES
from ..web import MODEL_LABELS as LABELS
from .deliveries import openapi_paths
from .openapi_platforms import platform_components, platform_paths
from .site_models import openapi_paths as site_model_paths


def _error(description: str, with_fields: bool = False) -> dict:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict:
    doc = _core_document()
    paths = openapi_paths()  # the deliveries endpoints, documented next to their code
    for item in paths.values():  # their security scheme name -> ours
        for op in item.values():
            if isinstance(op, dict) and "security" in op:
                op["security"] = [{"bearer": []}]
    doc["paths"].update(paths)
    doc["paths"].update(platform_paths())  # WordPress, Coral, Perspective, Akismet
    doc["paths"]["/api/v1/openapi.json"] = {"get": {"summary": "This document", "responses": {
        "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    extra = platform_components()
    doc["components"]["schemas"].update(extra["schemas"])
    doc["components"]["securitySchemes"].update(extra["securitySchemes"])
    doc["paths"].update(site_model_paths())  # per-site learning, documented next to its code
    return doc


def _core_document() -> dict:
    nullable_str = {"type": ["string", "null"]}
    scores = {
        "type": ["object", "null"],
        "properties": {label: {"type": "number", "minimum": 0, "maximum": 1} for label in LABELS},
    }
    comment_in = {
        "type": "object",
        "required": ["id", "text"],
        "properties": {
            "id": {"type": ["string", "integer"], "description": "The platform's comment id", "maxLength": 255},
            "text": {"type": "string", "minLength": 1, "maxLength": 100000},
            "format": {"type": "string", "enum": ["text", "html"], "default": "text"},
            "post": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": ["string", "integer"]},
                    "title": {"type": "string"},
                    "text": {"type": "string"},
                    "url": {"type": "string"},
                    "lang": {"type": "string"},
                },
            },
            "parent_id": {"type": ["string", "integer"], "description": "Platform id of the parent comment"},
            "author": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "email": {"type": "string", "description": "stored only as a salted hash"},
                    "url": {"type": "string"},
                    "ip": {"type": "string", "description": "stored only as a salted hash"},
                },
            },
            "created_at": {"type": "string", "format": "date-time"},
            "lang": {"type": "string", "maxLength": 16},
        },
    }
    reason = {
        "type": "object",
        "properties": {
            "label": {"type": "string", "enum": list(LABELS)},
            "score": {"type": "number"},
            "threshold": {"type": "number"},
            "kind": {"type": "string", "enum": ["approve_below", "reject_above"]},
        },
    }
    action = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "actor": {"type": "string"},
            "action": {"type": "string"},
            "from_status": {"type": "string"},
            "to_status": {"type": "string"},
            "reason": nullable_str,
            "note": nullable_str,
            "details": {},
            "model_version": nullable_str,
            "at": {"type": "string", "format": "date-time"},
        },
    }
    post_out = {
        "type": ["object", "null"],
        "properties": {"id": {"type": "string"}, "title": nullable_str, "url": nullable_str,
                       "lang": nullable_str, "text": nullable_str},
    }
    comment_out = {
        "type": "object",
        "required": ["id", "external_id", "site", "status", "text", "received_at"],
        "properties": {
            "id": {"type": "integer"},
            "external_id": {"type": "string"},
            "site": {"type": "string"},
            "post": post_out,
            "parent_id": {"type": ["integer", "null"]},
            "parent_external_id": nullable_str,
            "text": {"type": "string"},
            "html": nullable_str,
            "format": {"type": "string"},
            "lang": nullable_str,
            "author": {"type": "object", "properties": {"name": nullable_str, "url": nullable_str}},
            "status": {"type": "string", "enum": list(STATUSES)},
            "scores": scores,
            "reasons": {"type": "array", "items": reason},
            "model_version": nullable_str,
            "created_at": {"type": ["string", "null"], "format": "date-time"},
            "received_at": {"type": "string", "format": "date-time"},
            "scored_at": {"type": ["string", "null"], "format": "date-time"},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "history": {"type": "array", "items": action},
        },
    }
    bearer = [{"bearer": []}]
    cid = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    site_param = {"name": "site_id", "in": "path", "required": True, "schema": {"type": "string"}}
    std = {"401": _error("Missing or unknown API token"), "404": _error("Not found (or another site's)")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Colombe API",
            "version": "1",
            "description": "Self-hosted comment moderation: signed webhook ingest, scores, queue and decisions.",
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "The site's API token"},
                "webhookSignature": {
                    "type": "apiKey", "in": "header", "name": "X-Colombe-Signature",
                    "description": "sha256=<hex HMAC-SHA256(webhook_secret, '<X-Colombe-Timestamp>.<raw body>')>; "
                                   "several comma-separated signatures are accepted.",
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
                "CommentIn": comment_in,
                "Comment": comment_out,
            },
        },
        "paths": {
            "/api/v1/sites/{site_id}/comments": {
                "post": {
                    "summary": "Receive comments (signed webhook)",
                    "security": [{"webhookSignature": []}],
                    "parameters": [
                        site_param,
                        {"name": "X-Colombe-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
                        {"name": "X-Colombe-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/CommentIn"},
                            {"type": "object", "required": ["comments"], "properties": {
                                "comments": {"type": "array", "minItems": 1, "maxItems": 500,
                                             "items": {"$ref": "#/components/schemas/CommentIn"}}}},
                        ]}}},
                    },
                    "responses": {
                        "202": {"description": "Stored (committed) and queued for scoring", "content": {"application/json": {"schema": {
                            "type": "object", "properties": {"comments": {"type": "array", "items": {
                                "type": "object", "properties": {
                                    "id": {"type": "integer"}, "external_id": {"type": "string"},
                                    "status": {"type": "string"}, "duplicate": {"type": "boolean"}}}}}}}}},
                        "400": _error("Malformed JSON or invalid UTF-8"),
                        "401": _error("Missing or bad signature, or stale timestamp"),
                        "404": _error("Unknown site"),
                        "413": _error("Body over the size limit"),
                        "415": _error("Not JSON"),
                        "422": _error("Invalid fields"),
                        "503": _error("Database unavailable or scoring backlog full; see Retry-After"),
                    },
                }
            },
            "/api/v1/comments/{id}": {
                "get": {
                    "summary": "One comment with scores, reasons and decision history",
                    "security": bearer,
                    "parameters": [cid],
                    "responses": {"200": {"description": "The comment", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Comment"}}}}, **std},
                }
            },
            "/api/v1/comments/{id}/decision": {
                "post": {
                    "summary": "Approve or reject a comment (audited)",
                    "security": bearer,
                    "parameters": [cid],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["action"], "properties": {
                            "action": {"type": "string", "enum": ["approve", "reject"]},
                            "reason": {"type": "string", "enum": ["toxic", "spam", "off_topic", "other"]},
                            "note": {"type": "string", "maxLength": 2000}}}}}},
                    "responses": {"200": {"description": "The updated comment", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Comment"}}}},
                        "400": _error("Malformed JSON"), "415": _error("Not JSON"), "422": _error("Invalid fields"), **std},
                }
            },
            "/api/v1/comments/{id}/thread": {
                "get": {
                    "summary": "The post and the comment tree around a comment",
                    "security": bearer,
                    "parameters": [cid],
                    "responses": {"200": {"description": "Thread", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"post": post_out, "focus": {"type": "integer"},
                                                         "comments": {"type": "array", "items": {"type": "object"}}}}}}},
                        **std},
                }
            },
            "/api/v1/sites/{site_id}/queue": {
                "get": {
                    "summary": "The moderation queue, keyset-paginated",
                    "security": bearer,
                    "parameters": [
                        site_param,
                        {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES) + ["all"], "default": "pending"}},
                        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["priority", "oldest", "newest"], "default": "priority"}},
                        {"name": "label", "in": "query", "schema": {"type": "string", "enum": list(LABELS)}},
                        {"name": "lang", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {"200": {"description": "A page of the queue", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "comments": {"type": "array", "items": {"$ref": "#/components/schemas/Comment"}},
                            "next_cursor": nullable_str}}}}},
                        "422": _error("Invalid query parameters"), **std},
                }
            },
            "/healthz": {"get": {"summary": "Process alive", "responses": {"200": {"description": "ok"}}}},
            "/readyz": {"get": {"summary": "Database, broker and model ready",
                                "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text format"}}}},
        },
    }
