"""OpenAPI paths of the platform endpoints: the WordPress webhook, Coral's external
moderation phase, the Perspective-compatible API (and its discovery document) and the
Akismet-compatible API. Merged into /api/v1/openapi.json by `service.api.openapi`."""
from __future__ import annotations

from .perspective_discovery import SCHEMAS as PERSPECTIVE_SCHEMAS


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _error(description: str) -> dict:
    return {"description": description, "content": _json({"$ref": "#/components/schemas/Error"})}


def _perspective_error(description: str) -> dict:
    return {"description": description, "content": _json({"$ref": "#/components/schemas/PerspectiveError"})}


def _text(description: str, values: list[str] | None = None) -> dict:
    schema: dict = {"type": "string"}
    if values:
        schema["enum"] = values
    return {"description": description, "content": {"text/plain": {"schema": schema}}}


def _openapi_schema(discovery: dict) -> dict:
    """A discovery-format schema as OpenAPI (refs to components, `id` dropped)."""
    if isinstance(discovery, dict):
        out = {}
        for key, value in discovery.items():
            if key == "id" or key == "enumDescriptions":
                continue
            if key == "$ref":
                return {"$ref": f"#/components/schemas/Perspective{value}"}
            if key == "format" and value in ("float", "int32"):
                out[key] = value
                continue
            out[key] = _openapi_schema(value)
        return out
    if isinstance(discovery, list):
        return [_openapi_schema(v) for v in discovery]
    return discovery


SITE = {"name": "site_id", "in": "path", "required": True, "schema": {"type": "string"}}
WEBHOOK_HEADERS = [
    {"name": "X-Colombe-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
    {"name": "X-Colombe-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
]
ACCEPTED = {"description": "Stored (committed) and queued for scoring", "content": _json({
    "type": "object", "properties": {"comments": {"type": "array", "items": {
        "type": "object", "properties": {"id": {"type": "integer"}, "external_id": {"type": "string"},
                                         "status": {"type": "string"}, "duplicate": {"type": "boolean"}}}}}})}
WEBHOOK_ERRORS = {
    "400": _error("Malformed JSON or invalid UTF-8"), "401": _error("Missing or bad signature, or stale timestamp"),
    "404": _error("Unknown site"), "413": _error("Body over the size limit"), "415": _error("Not JSON"),
    "422": _error("Invalid fields (named after WordPress's own fields)"),
    "503": _error("Database unavailable or scoring backlog full; see Retry-After"),
}
rendered = {"oneOf": [{"type": "string"}, {"type": "object", "properties": {
    "raw": {"type": "string"}, "rendered": {"type": "string"}}}]}
WP_COMMENT = {
    "type": "object", "required": ["id", "content"],
    "description": "A WordPress REST API comment object (`GET /wp-json/wp/v2/comments/<id>?context=edit`, "
                   "optionally with `_embed`), or the same fields from contrib/wordpress/colombe-forward.php.",
    "properties": {
        "id": {"type": ["integer", "string"]}, "post": {"type": ["integer", "string"]},
        "parent": {"type": ["integer", "string"]}, "author_name": {"type": "string"},
        "author_email": {"type": "string"}, "author_url": {"type": "string"}, "author_ip": {"type": "string"},
        "date_gmt": {"type": "string"}, "content": rendered,
        "status": {"type": "string", "description": "approved, hold, spam or trash: recorded as the comment's "
                                                    "known WordPress status (no write-back changes nothing)"},
        "lang": {"type": "string"},
        "_embedded": {"type": "object", "properties": {"up": {"type": "array", "items": {
            "type": "object", "properties": {"title": rendered, "content": rendered, "link": {"type": "string"}}}}}},
    },
}
CORAL_REQUEST = {
    "type": "object", "required": ["action", "comment", "story"],
    "description": "Coral's ExternalModerationRequest (server/EXTERNAL_MODERATION_PHASES.md).",
    "properties": {
        "action": {"type": "string", "enum": ["NEW", "EDIT"]},
        "comment": {"type": "object", "required": ["body"], "properties": {
            "body": {"type": "string"}, "parentID": {"type": ["string", "null"]}}},
        "author": {"type": "object", "properties": {"id": {"type": "string"}, "role": {"type": "string"}}},
        "story": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"},
                                                                       "url": {"type": "string"}}},
        "site": {"type": "object", "properties": {"id": {"type": "string"}}},
        "tenantID": {"type": "string"}, "tenantDomain": {"type": "string"},
    },
}
CORAL_RESPONSE = {
    "type": "object", "required": ["status"], "additionalProperties": False,
    "description": "Coral's ExternalModerationResponse: never an empty array (Coral drops such answers).",
    "properties": {
        "status": {"type": "string", "enum": ["SYSTEM_WITHHELD", "REJECTED"]},
        "actions": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["actionType", "reason"], "additionalProperties": False,
            "properties": {"actionType": {"type": "string", "enum": ["FLAG"]},
                           "reason": {"type": "string", "enum": ["COMMENT_DETECTED_TOXIC",
                                                                 "COMMENT_DETECTED_SPAM"]}}}},
    },
}
AKISMET_FIELDS = {
    "api_key": {"type": "string", "description": "The site's Colombe API token"},
    "blog": {"type": "string", "description": "The blog's front page URL"},
    "user_ip": {"type": "string"}, "user_agent": {"type": "string"}, "referrer": {"type": "string"},
    "permalink": {"type": "string"}, "comment_type": {"type": "string"}, "comment_author": {"type": "string"},
    "comment_author_email": {"type": "string"}, "comment_author_url": {"type": "string"},
    "comment_content": {"type": "string"}, "comment_date_gmt": {"type": "string"},
    "blog_lang": {"type": "string", "description": "en, fr, or a comma-separated list"},
    "blog_charset": {"type": "string"}, "is_test": {"type": "string"},
    "comment_context[]": {"type": "array", "items": {"type": "string"}},
}
AKISMET_ERRORS = {"400": _text("Missing field or not form-encoded (see X-akismet-debug-help)"),
                  "413": _text("Body over the size limit")}


def _akismet(summary: str, required: list[str], ok: dict, fields: dict | None = None) -> dict:
    return {"post": {
        "summary": summary, "tags": ["Akismet-compatible"],
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "required": required, "properties": fields or AKISMET_FIELDS}}}},
        "responses": {"200": ok, **AKISMET_ERRORS},
    }}


def _perspective(summary: str, request: str, response: str) -> dict:
    return {"post": {
        "summary": summary, "tags": ["Perspective-compatible"], "security": [{"perspectiveKey": []}],
        "requestBody": {"required": True, "content": _json({"$ref": f"#/components/schemas/Perspective{request}"})},
        "responses": {
            "200": {"description": "Scores", "content": _json({"$ref": f"#/components/schemas/Perspective{response}"})},
            "400": _perspective_error("Invalid request (Perspective's error document and errorType)"),
            "403": _perspective_error("Missing or unknown key"),
            "413": {"description": "Body over the size limit",
                    "content": _json({"oneOf": [{"$ref": "#/components/schemas/PerspectiveError"},
                                                {"$ref": "#/components/schemas/Error"}]})},
        },
    }}


def platform_components() -> dict:
    schemas = {f"Perspective{name}": _openapi_schema(schema) for name, schema in PERSPECTIVE_SCHEMAS.items()}
    schemas["PerspectiveError"] = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "status"], "properties": {
            "code": {"type": "integer"}, "message": {"type": "string"}, "status": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object"}}}}}}
    schemas["WordPressComment"] = WP_COMMENT
    schemas["CoralRequest"] = CORAL_REQUEST
    schemas["CoralResponse"] = CORAL_RESPONSE
    security = {
        "perspectiveKey": {"type": "apiKey", "in": "query", "name": "key",
                           "description": "The site's API token (or the X-Goog-Api-Key header)"},
        "coralSignature": {"type": "apiKey", "in": "header", "name": "X-Coral-Signature",
                           "description": "sha256=<hex HMAC-SHA256(Coral signing secret, raw body)>, one per active "
                                          "secret, comma-separated"},
    }
    return {"schemas": schemas, "securitySchemes": security}


def platform_paths() -> dict:
    wp_item = {"$ref": "#/components/schemas/WordPressComment"}
    return {
        "/integrations/wordpress/{site_id}": {"post": {
            "summary": "Receive WordPress comments (signed like the generic webhook)", "tags": ["WordPress"],
            "security": [{"webhookSignature": []}], "parameters": [SITE, *WEBHOOK_HEADERS],
            "requestBody": {"required": True, "content": _json({"oneOf": [
                wp_item, {"type": "array", "minItems": 1, "maxItems": 500, "items": wp_item},
                {"type": "object", "required": ["comments"], "properties": {
                    "comments": {"type": "array", "minItems": 1, "maxItems": 500, "items": wp_item}}}]})},
            "responses": {"202": ACCEPTED, **WEBHOOK_ERRORS},
        }},
        "/integrations/coral/{site_id}": {"post": {
            "summary": "Coral's external moderation phase", "tags": ["Coral"],
            "security": [{"coralSignature": []}], "parameters": [SITE],
            "requestBody": {"required": True, "content": _json({"$ref": "#/components/schemas/CoralRequest"})},
            "responses": {
                "200": {"description": "Withheld or rejected, with the flags raised",
                        "content": _json({"$ref": "#/components/schemas/CoralResponse"})},
                "204": {"description": "No opinion: clean, or not decided before COLOMBE_CORAL_DEADLINE_MS"},
                "400": _error("Malformed JSON"), "401": _error("Missing or bad signature, or Coral not configured"),
                "404": _error("Unknown site"), "413": _error("Body over the size limit"), "415": _error("Not JSON"),
                "422": _error("Invalid fields (named after Coral's)"),
            },
        }},
        "/v1alpha1/comments:analyze": _perspective("Score a comment (Perspective's comments.analyze)",
                                                   "AnalyzeCommentRequest", "AnalyzeCommentResponse"),
        "/v1alpha1/comments:suggestscore": _perspective("Record your scores for a comment (a training label)",
                                                        "SuggestCommentScoreRequest", "SuggestCommentScoreResponse"),
        "/$discovery/rest": {"get": {
            "summary": "The Perspective-compatible API's discovery document (for Google's client libraries)",
            "tags": ["Perspective-compatible"],
            "parameters": [{"name": "version", "in": "query", "schema": {"type": "string", "default": "v1alpha1"}}],
            "responses": {"200": {"description": "discovery#restDescription, rootUrl = this server",
                                  "content": _json({"type": "object", "required": ["kind", "rootUrl", "resources"]})},
                          "404": _perspective_error("No document for that version")},
        }},
        "/1.1/comment-check": _akismet("Is this comment spam? (Akismet's comment-check)", ["api_key", "blog", "user_ip"],
                                       _text("true (spam; X-akismet-pro-tip: discard when blatant), false, or invalid "
                                             "(bad key)", ["true", "false", "invalid"])),
        "/1.1/submit-spam": _akismet("Report missed spam (a training label)", ["api_key", "blog"],
                                     _text("Thanks, or invalid (bad key)")),
        "/1.1/submit-ham": _akismet("Report a false positive (a training label)", ["api_key", "blog"],
                                    _text("Thanks, or invalid (bad key)")),
        "/1.1/verify-key": _akismet("Check a key", ["key", "blog"], _text("valid or invalid", ["valid", "invalid"]),
                                    {"key": {"type": "string", "description": "The site's Colombe API token"},
                                     "blog": {"type": "string"}}),
    }
