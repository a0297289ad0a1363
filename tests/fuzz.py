"""Schemathesis over every operation of /api/v1/openapi.json, in-process (WSGI), shared by
the SQLite run (tests/unit/hostile/test_openapi_fuzz.py) and the PostgreSQL run
(tests/integration/test_openapi_fuzz_pg.py). Operations are read from the served document,
so a newly documented endpoint is fuzzed without touching the tests.

Authentication follows each operation's declared security scheme: the signed webhook's
bodies (generic and WordPress) are signed with the site's secret (so they reach validation
and storage), Akismet's form bodies mostly carry the site's key, `bearer`
gets the site's API token, and an `apiKey` in the query or a header (Perspective's and
Akismet's `key`, for instance) gets the token too; a scheme it cannot satisfy is sent as
generated (the refusal path is fuzzed then). (Schemathesis' own pytest plugin is not
used: it does not support pytest 9; each operation's strategy is driven by Hypothesis.)
"""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from tests.conftest import sign_headers

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
SIGNED_PATHS = ("/api/v1/sites/{site_id}/comments", "/integrations/wordpress/{site_id}")  # HMAC over the body


def operations(app) -> dict:
    import schemathesis

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    ops = [result.ok() for result in schema.get_all_operations()]
    return {op.label: op for op in ops}


def _security(op) -> list[dict]:
    doc = op.schema.raw_schema
    names = [name for req in (op.definition.raw.get("security") or doc.get("security") or []) for name in req]
    schemes = doc.get("components", {}).get("securitySchemes", {})
    return [schemes.get(n, {}) for n in names]


def send(env, case):
    client, site = env["client"], env["site"]
    if case.path_parameters and "site_id" in case.path_parameters:
        # mostly the real site, sometimes whatever was generated (unknown site: 404)
        if hash(json.dumps(case.path_parameters, sort_keys=True, default=str)) % 4:
            case.path_parameters["site_id"] = site["id"]
    if case.path_parameters and "id" in case.path_parameters:
        if hash(str(case.path_parameters["id"])) % 3 == 0:
            case.path_parameters["id"] = env["ids"][hash(str(case.path_parameters["id"])) % len(env["ids"])]
    if case.operation.path.startswith("/1.1/") and isinstance(case.body, dict) and hash(str(case.body)) % 4:
        # Akismet's key travels in the form body: mostly a valid one
        case.body = {**case.body, "key" if case.operation.path.endswith("verify-key") else "api_key": site["api_token"]}
    if case.operation.path in SIGNED_PATHS:
        if isinstance(case.body, bytes):
            body = case.body
        else:
            body = json.dumps(case.body, ensure_ascii=False).encode() if case.body is not None else b""
        return client.post(case.formatted_path, data=body, headers=sign_headers(site["webhook_secret"], body))
    headers = {}
    query = dict(case.query or {})
    for scheme in _security(case.operation):
        if scheme.get("type") == "http" and scheme.get("scheme") == "bearer":
            headers["Authorization"] = f"Bearer {site['api_token']}"
        elif scheme.get("type") == "apiKey" and scheme.get("in") == "query":
            query[scheme["name"]] = site["api_token"]
        elif scheme.get("type") == "apiKey" and scheme.get("in") == "header" and "signature" not in \
                scheme.get("name", "").lower():
            headers[scheme["name"]] = site["api_token"]
    case.query = query or case.query
    kwargs = case.as_transport_kwargs(headers=headers)
    allowed = {k: v for k, v in kwargs.items() if k in ("query_string", "json", "data", "headers")}
    return client.open(case.formatted_path, method=case.method.upper(), **allowed)


def fuzz(env, ops: dict, mode: GenerationMode, examples: int) -> tuple[dict, dict]:
    """({operation: failure}, {"operations": n, "requests": n, "server_errors": n})."""
    failures: dict = {}
    stats = {"operations": len(ops), "requests": 0, "server_errors": 0}
    for label, op in sorted(ops.items()):
        @given(case=op.as_strategy(generation_mode=mode))
        @hsettings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            response = send(env, case)
            stats["requests"] += 1
            if response.status_code >= 500 and not (case.operation.path == "/readyz" and response.status_code == 503):
                stats["server_errors"] += 1
            checks_ = CHECKS if mode is GenerationMode.POSITIVE else [checks.not_a_server_error]
            if case.operation.path == "/readyz":  # 503 is its documented answer when a dependency is not ready
                checks_ = [c for c in checks_ if c is not checks.not_a_server_error]
            case.validate_response(response, checks=checks_)

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
            assert mode is GenerationMode.NEGATIVE, label
        except Exception as exc:  # collect every operation's failure, then fail once
            failures[label] = f"{exc.__class__.__name__}: {str(exc)[:1500]}"
    return failures, stats
