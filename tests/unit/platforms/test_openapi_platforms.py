"""/api/v1/openapi.json documents every endpoint users call, the platform ones included, and
is a valid OpenAPI 3.1 document (openapi-spec-validator)."""
from __future__ import annotations

import pytest


def test_openapi_document_is_valid_and_lists_every_user_endpoint(env):
    validator = pytest.importorskip("openapi_spec_validator")
    doc = env["client"].get("/api/v1/openapi.json").json
    validator.validate(doc)
    paths = set(doc["paths"])
    assert {"/integrations/wordpress/{site_id}", "/integrations/coral/{site_id}", "/v1alpha1/comments:analyze",
            "/v1alpha1/comments:suggestscore", "/$discovery/rest", "/1.1/comment-check", "/1.1/submit-spam",
            "/1.1/submit-ham", "/1.1/verify-key", "/api/v1/sites/{site_id}/comments"} <= paths
    # every route of the web tier that is not the moderator UI is documented
    from werkzeug.routing import Rule

    import re

    def shape(path: str) -> str:  # parameter names aside
        return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)

    served = {shape(r.rule) for r in env["app"].url_map.iter_rules()
              if r.endpoint.split(".")[0] not in ("moderation", "static")}
    assert served - {shape(p) for p in paths} == set()


def test_coral_answers_match_the_documented_schema(env):
    jsonschema = pytest.importorskip("jsonschema")
    from service.webhooks.coral import coral_response

    doc = env["client"].get("/api/v1/openapi.json").json
    schema = doc["components"]["schemas"]["CoralResponse"]
    for labels in ({"insult"}, {"spam"}, {"spam", "toxicity"}, {"off_topic"}):
        for status in ("SYSTEM_WITHHELD", "REJECTED"):
            jsonschema.validate(coral_response(status, labels), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"status": "SYSTEM_WITHHELD", "actions": []}, schema)
