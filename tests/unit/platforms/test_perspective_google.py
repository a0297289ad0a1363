"""The Perspective-compatible API driven by Google's own client libraries, built from the
discovery document Colombe serves (`GET /$discovery/rest?version=v1alpha1`): Python's
google-api-python-client and Node's `googleapis`. Plus the request fields tools send:
spans in UTF-16 code units, `context.articleAndParentComment`, `dropUnsupportedAttributes`."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.unit.platforms.conftest import run_node

EMOJI_TEXT = "🙂🙂 Merci pour ce billet. 😡😡 Mais tu es un connard!"


def _doc(live_app):
    with urllib.request.urlopen(f"{live_app}/$discovery/rest?version=v1alpha1", timeout=10) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


def test_discovery_document_points_google_clients_here(live_app, env):
    doc = _doc(live_app)
    assert doc["kind"] == "discovery#restDescription" and doc["rootUrl"] == live_app + "/"
    assert doc["resources"]["comments"]["methods"]["analyze"]["path"] == "v1alpha1/comments:analyze"
    r = env["client"].get("/$discovery/rest?version=v2")
    assert r.status_code == 404 and r.json["error"]["status"] == "NOT_FOUND"


def test_googleapiclient_build_from_document_analyzes_against_colombe(live_app, env):
    discovery = pytest.importorskip("googleapiclient.discovery")
    service = discovery.build_from_document(_doc(live_app), developerKey=env["a"]["api_token"])
    request = service.comments().analyze(body={
        "comment": {"text": EMOJI_TEXT}, "languages": ["fr"], "doNotStore": True, "spanAnnotations": True,
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}})
    assert request.uri.startswith(live_app + "/v1alpha1/comments:analyze?")
    answer = request.execute()
    assert answer["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
    spans = answer["attributeScores"]["TOXICITY"]["spanScores"]
    utf16 = EMOJI_TEXT.encode("utf-16-le")
    pieces = [utf16[2 * s["begin"]: 2 * s["end"]].decode("utf-16-le") for s in spans]
    assert pieces == ["🙂🙂 Merci pour ce billet.", "😡😡 Mais tu es un connard!"]
    assert [s["score"]["value"] > 0.5 for s in spans] == [False, True]
    # a wrong key: the client raises Google's HttpError with Perspective's error document
    bad = discovery.build_from_document(_doc(live_app), developerKey="not-a-token")
    from googleapiclient.errors import HttpError

    with pytest.raises(HttpError) as caught:
        bad.comments().analyze(body={"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}}).execute()
    assert caught.value.resp.status == 403 and "API key not valid" in str(caught.value)


def test_node_googleapis_discover_api_analyzes_and_slices_spans_in_utf16(live_app, env):
    body = {"comment": {"text": EMOJI_TEXT}, "languages": ["fr"], "doNotStore": True, "spanAnnotations": True,
            "requestedAttributes": {"TOXICITY": {}}}
    out = run_node("perspective_client.js", body, needs="googleapis", timeout=120,
                   args=(f"{live_app}/$discovery/rest?version=v1alpha1", env["a"]["api_token"]))
    assert out.get("status") == 200, out
    assert out["url"].startswith(live_app + "/v1alpha1/comments:analyze")
    assert out["slices"]["TOXICITY"] == ["🙂🙂 Merci pour ce billet.", "😡😡 Mais tu es un connard!"]
    assert out["response"]["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5


def test_spans_count_utf16_code_units():
    from service.api.perspective import sentence_spans, utf16_offsets

    text = "😡 Idiot. Bien."
    units = utf16_offsets(text)
    assert [(units[b], units[e]) for b, e in sentence_spans(text)] == [(0, 9), (10, 15)]  # the emoji counts 2
    assert utf16_offsets("é𝄞x") == [0, 1, 3, 4]


def test_article_and_parent_comment_reach_the_model(env, monkeypatch):
    seen = []
    original = env["model"].score_batch
    monkeypatch.setattr(env["model"], "score_batch", lambda items: seen.extend(items) or original(items))
    r = env["client"].post(f"/v1alpha1/comments:analyze?key={env['a']['api_token']}", json={
        "comment": {"text": "Et le match de foot hier soir ?"}, "doNotStore": True,
        "requestedAttributes": {"OFF_TOPIC": {}},
        "context": {"articleAndParentComment": {"article": {"text": "Les mésanges en hiver"},
                                                "parentComment": {"text": "Merci pour les photos"}}}})
    assert r.status_code == 200, r.json
    assert (seen[0]["post_text"], seen[0]["parent_text"]) == ("Les mésanges en hiver", "Merci pour les photos")
    r = env["client"].post(f"/v1alpha1/comments:analyze?key={env['a']['api_token']}", json={
        "comment": {"text": "x"}, "requestedAttributes": {"OFF_TOPIC": {}},
        "context": {"articleAndParentComment": {"article": "not an object"}}})
    assert r.status_code == 400 and "articleAndParentComment.article" in r.json["error"]["message"]


def test_drop_unsupported_attributes(env):
    body = {"comment": {"text": "Bonjour"}, "doNotStore": True,
            "requestedAttributes": {"TOXICITY": {}, "FLIRTATION": {}, "ATTACK_ON_AUTHOR": {}}}
    url = f"/v1alpha1/comments:analyze?key={env['a']['api_token']}"
    r = env["client"].post(url, json=body)
    assert r.status_code == 400 and r.json["error"]["details"][0]["errorType"] == "ATTRIBUTE_NOT_SUPPORTED"
    r = env["client"].post(url, json=dict(body, dropUnsupportedAttributes=True))
    assert r.status_code == 200 and set(r.json["attributeScores"]) == {"TOXICITY"}
