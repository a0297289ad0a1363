"""/api/v1/openapi.json documents every HTTP endpoint users call (issue #14, item 16): each
route and method of the Flask url_map is in the document, except the moderator UI's pages
and static files named in the short allowlist below; and the document names no route that
is not served."""
from __future__ import annotations

import re

import pytest

# The moderator UI (HTML pages, its forms and the page script's own calls) and static files:
# not an API. Exact rules, then prefixes (new UI calls go under /ui/).
UI_RULES = {"/", "/login", "/logout", "/lang", "/queue", "/audit", "/dashboard", "/deliveries",
            "/comments/<int:comment_id>"}
UI_PREFIXES = ("/ui/", "/admin/", "/deliveries/", "/static/")
# Methods a documented path accepts only to refuse them in its platform's error format.
REFUSED_METHODS = {("/v1alpha1/comments:analyze", m) for m in ("get", "put", "patch", "delete")}


def shape(path: str) -> str:
    """`/a/<int:x>/b` and `/a/{x}/b` → `/a/{}/b`: parameter names and converters aside."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def is_ui(rule: str) -> bool:
    return rule in UI_RULES or rule.startswith(UI_PREFIXES)


@pytest.fixture
def served_and_documented(sqlite_settings):
    from service.app import create_app
    from tests.fakes import RecordingDispatcher

    app = create_app(sqlite_settings, dispatcher=RecordingDispatcher())
    doc = app.test_client().get("/api/v1/openapi.json").json
    documented = {(shape(path), method) for path, item in doc["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    return app, documented


def test_every_served_endpoint_is_documented_or_ui(served_and_documented):
    app, documented = served_and_documented
    undocumented = []
    for rule in app.url_map.iter_rules():
        for method in sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}):
            if (shape(rule.rule), method) in documented or (rule.rule, method) in REFUSED_METHODS:
                continue
            if is_ui(rule.rule):
                # the allowlist cannot hide an API: only the UI blueprint and static files are in it
                assert rule.endpoint == "static" or rule.endpoint.startswith("moderation."), rule
                continue
            undocumented.append(f"{method.upper()} {rule.rule} ({rule.endpoint})")
    assert undocumented == []


def test_the_platform_endpoints_are_documented(served_and_documented):
    _app, documented = served_and_documented
    for path in ("/integrations/wordpress/{}", "/integrations/coral/{}", "/v1alpha1/comments:analyze",
                 "/v1alpha1/comments:suggestscore", "/1.1/comment-check", "/1.1/submit-spam", "/1.1/submit-ham",
                 "/1.1/verify-key", "/api/v1/sites/{}/comments"):
        assert (path, "post") in documented, path
    assert ("/$discovery/rest", "get") in documented and ("/metrics", "get") in documented


def test_the_document_names_only_served_endpoints(served_and_documented):
    app, documented = served_and_documented
    served = {(shape(r.rule), m.lower()) for r in app.url_map.iter_rules() for m in r.methods}
    assert documented - served == set()


def test_the_allowlists_are_short_and_true(served_and_documented):
    app, _documented = served_and_documented
    assert len(UI_RULES) + len(UI_PREFIXES) <= 15
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert UI_RULES <= rules  # no stale entry
    for prefix in UI_PREFIXES:
        assert any(r.startswith(prefix) for r in rules), prefix
    client = app.test_client()
    for path, method in REFUSED_METHODS:
        resp = client.open(path, method=method.upper())
        assert resp.status_code == 405 and resp.json["error"]["code"] == 405
