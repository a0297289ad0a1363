"""Perspective- and Akismet-compatible endpoints, scored in-process.

Perspective: requests and responses replay the shapes of the Comment Analyzer
reference (`comments:analyze`: comment.text, languages, requestedAttributes,
spanAnnotations, doNotStore, clientToken → attributeScores.<ATTR>.summaryScore
{value, type: PROBABILITY}, spanScores [{begin, end, score}], languages,
detectedLanguages; errors {"error": {code, message, status}}).
Akismet: the PyPI `akismet` client (SyncClient) talks to a real socket of this app.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select


def analyze(client, key, body, raw=None, **kw):
    data = raw if raw is not None else json.dumps(body)
    return client.post(f"/v1alpha1/comments:analyze?key={key}", data=data,
                       content_type=kw.pop("content_type", "application/json"), **kw)


# ---- Perspective ------------------------------------------------------------------------

def test_documented_analyze_request_gets_documented_response(env):
    # The reference's canonical example: one comment, English, TOXICITY.
    r = analyze(env["client"], env["a"]["api_token"], {
        "comment": {"text": "What kind of idiot name is foo?"},
        "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}},
        "doNotStore": True,
    })
    assert r.status_code == 200, r.json
    doc = r.json
    assert set(doc) == {"attributeScores", "languages", "detectedLanguages"}
    summary = doc["attributeScores"]["TOXICITY"]["summaryScore"]
    assert summary == {"value": pytest.approx(0.97), "type": "PROBABILITY"}
    assert "spanScores" not in doc["attributeScores"]["TOXICITY"]
    assert doc["languages"] == ["en"] and doc["detectedLanguages"] == ["en"]


def test_every_attribute_spans_threshold_and_client_token(env):
    text = "Merci pour ce billet. Mais tu es un connard! Buy now at http://spam.example"
    r = analyze(env["client"], env["a"]["api_token"], {
        "comment": {"text": text, "type": "PLAIN_TEXT"},
        "requestedAttributes": {name: {} for name in (
            "TOXICITY", "SEVERE_TOXICITY", "INSULT", "THREAT", "IDENTITY_ATTACK", "PROFANITY", "SPAM", "OFF_TOPIC")}
        | {"THREAT": {"scoreThreshold": 0.5}},
        "spanAnnotations": True, "doNotStore": True, "clientToken": "ct-42",
    })
    assert r.status_code == 200, r.json
    scores = r.json["attributeScores"]
    assert "THREAT" not in scores  # below its scoreThreshold: omitted, as Perspective does
    assert set(scores) == {"TOXICITY", "SEVERE_TOXICITY", "INSULT", "IDENTITY_ATTACK", "PROFANITY", "SPAM", "OFF_TOPIC"}
    assert scores["SPAM"]["summaryScore"]["value"] == pytest.approx(0.7)
    spans = scores["TOXICITY"]["spanScores"]
    assert [text[s["begin"]:s["end"]] for s in spans] == [
        "Merci pour ce billet.", "Mais tu es un connard!", "Buy now at http://spam.example"]
    assert [s["score"]["value"] > 0.5 for s in spans] == [False, True, False]
    assert all(s["score"]["type"] == "PROBABILITY" for s in spans)
    assert r.json["clientToken"] == "ct-42"
    assert r.json["detectedLanguages"] == ["fr"] and r.json["languages"] == ["fr"]


@pytest.mark.parametrize("body,message", [
    ({"comment": {"text": "hi"}, "requestedAttributes": {"FLIRTATION": {}}}, "Unknown attribute"),
    ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, "empty"),
    ({"comment": {"text": "   "}, "requestedAttributes": {"TOXICITY": {}}}, "empty"),
    ({"comment": {"text": "x" * (20 * 1024 + 1)}, "requestedAttributes": {"TOXICITY": {}}}, "too long"),
    ({"comment": {"text": "é" * (10 * 1024 + 1)}, "requestedAttributes": {"TOXICITY": {}}}, "too long"),
    ({"comment": {"text": "hi"}, "requestedAttributes": {}}, "at least one attribute"),
    ({"comment": {"text": "hi"}}, "at least one attribute"),
    ({"requestedAttributes": {"TOXICITY": {}}}, "Comment must be specified"),
    ({"comment": {"text": 42}, "requestedAttributes": {"TOXICITY": {}}}, "comment.text"),
    ({"comment": {"text": "hi"}, "languages": ["de"], "requestedAttributes": {"TOXICITY": {}}},
     "does not support request languages: de"),
    ({"comment": {"text": "hi"}, "languages": "en", "requestedAttributes": {"TOXICITY": {}}}, "languages"),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}}, "Score type"),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 3}}}, "scoreThreshold"),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": "yes"}, "doNotStore"),
    ([1, 2], "JSON object"),
])
def test_invalid_requests_get_perspective_errors(env, body, message):
    r = analyze(env["client"], env["a"]["api_token"], body)
    assert r.status_code == 400, r.json
    err = r.json["error"]
    assert err["code"] == 400 and err["status"] == "INVALID_ARGUMENT"
    assert message.lower() in err["message"].lower()


def test_malformed_oversized_and_unauthenticated(env):
    c, key = env["client"], env["a"]["api_token"]
    r = analyze(c, key, None, raw=b"{not json")
    assert r.status_code == 400 and r.json["error"]["status"] == "INVALID_ARGUMENT"
    r = analyze(c, key, None, raw=b"\xff\xfe")
    assert r.status_code == 400
    r = analyze(c, key, None, raw=b"[" * 100_000 + b"]" * 100_000)
    assert r.status_code == 400
    r = analyze(c, key, None, raw=b'{"a":"' + b"x" * (2 * 1024 * 1024) + b'"}')
    assert r.status_code == 413 and r.json["error"]["code"] == 413
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}
    r = c.post("/v1alpha1/comments:analyze", json=body)
    assert r.status_code == 403 and r.json["error"]["status"] == "PERMISSION_DENIED"
    r = analyze(c, "col_not-a-key", body)
    assert r.status_code == 403 and r.json["error"]["status"] == "PERMISSION_DENIED"
    r = c.post("/v1alpha1/comments:analyze", json=body, headers={"X-Goog-Api-Key": key})
    assert r.status_code == 200
    r = c.get(f"/v1alpha1/comments:analyze?key={key}")
    assert r.status_code == 405 and "error" in r.json


def test_do_not_store_false_keeps_the_text_for_learning_and_queues_nothing(env):
    from service.db.integration_tables import AnalyzedText
    from service.db.session import session_scope
    from service.db.tables import Comment

    body = {"comment": {"text": "Joli texte"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["fr"]}
    assert analyze(env["client"], env["a"]["api_token"], body).status_code == 200
    assert analyze(env["client"], env["a"]["api_token"], body).status_code == 200  # same text: kept once
    assert analyze(env["client"], env["a"]["api_token"], dict(body, comment={"text": "Autre"}, doNotStore=True)
                   ).status_code == 200
    with session_scope(env["settings"].database_url) as s:
        assert s.scalars(select(Comment)).all() == []  # authoring-time calls never reach the queue
        kept = s.scalars(select(AnalyzedText)).all()
        assert [(k.site_id, k.text, k.lang, k.source) for k in kept] == [(env["a"]["id"], "Joli texte", "fr",
                                                                          "perspective")]
        assert set(kept[0].scores) >= {"toxicity", "spam"} and kept[0].model_version == env["model"].version
    assert env["dispatcher"].sent == []


def test_a_site_can_queue_perspective_calls_like_webhook_deliveries(env):
    from service.db.session import session_scope
    from service.db.tables import Comment
    from tests.unit.platforms.platforms import configure

    configure(env, env["a"], "perspective", queue=True)
    body = {"comment": {"text": "Joli texte"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["fr"]}
    assert analyze(env["client"], env["a"]["api_token"], body).status_code == 200
    assert analyze(env["client"], env["a"]["api_token"], body).status_code == 200  # same text: one comment
    with session_scope(env["settings"].database_url) as s:
        rows = s.scalars(select(Comment)).all()
        assert len(rows) == 1
        assert rows[0].site_id == env["a"]["id"] and rows[0].lang == "fr" and rows[0].external_id.startswith("perspective-")
    assert env["dispatcher"].sent == [[rows[0].id]]  # enqueued for scoring, like a webhook delivery


def test_suggestscore_records_a_label(env):
    from service.db.integration_tables import TrainingLabel
    from service.db.session import session_scope

    r = env["client"].post(f"/v1alpha1/comments:suggestscore?key={env['a']['api_token']}", json={
        "comment": {"text": "Achetez des montres"}, "attributeScores": {"SPAM": {"summaryScore": {"value": 1.0}}},
        "clientToken": "t1"})
    assert r.status_code == 200 and r.json["clientToken"] == "t1"
    with session_scope(env["settings"].database_url) as s:
        label = s.scalar(select(TrainingLabel))
        assert (label.site_id, label.label, label.reason, label.source) == (env["a"]["id"], "rejected", "spam",
                                                                           "perspective")


# ---- Akismet ----------------------------------------------------------------------------

def akismet_client(live_app, key, blog="https://blog.example.org"):
    """The PyPI `akismet` SyncClient, its fixed https://rest.akismet.com base rewritten to our socket."""
    akismet = pytest.importorskip("akismet")
    import httpx

    class ToColombe(httpx.HTTPTransport):
        def handle_request(self, request):
            request.url = httpx.URL(live_app + request.url.raw_path.decode())
            return super().handle_request(request)

    http = httpx.Client(transport=ToColombe(), timeout=10)
    return akismet, akismet.SyncClient(config=akismet.Config(key=key, url=blog), http_client=http)


def test_pypi_akismet_client_against_colombe(env, live_app):
    akismet, client = akismet_client(live_app, env["a"]["api_token"])
    assert client.verify_key() is True
    ham = client.comment_check(user_ip="203.0.113.5", comment_type="comment", comment_author="Jeanne",
                               comment_content="Merci pour ce billet très clair.", blog_lang="fr")
    assert ham == akismet.CheckResponse.HAM
    spam = client.comment_check(user_ip="203.0.113.5", comment_content="Best casino bonus, play today",
                                user_agent="Mozilla/5.0", permalink="https://blog.example.org/p/1")
    assert spam == akismet.CheckResponse.SPAM
    blatant = client.comment_check(user_ip="203.0.113.5", comment_content="cheap viagra viagra viagra")
    assert blatant == akismet.CheckResponse.DISCARD
    assert client.submit_spam(user_ip="203.0.113.5", comment_content="Cheap watches here",
                              comment_author="bot") is True
    assert client.submit_ham(user_ip="203.0.113.5", comment_content="Un vrai commentaire", comment_author="Lou") is True
    # a wrong key: the client sees Akismet's documented "invalid" answer
    _akismet, bad = akismet_client(live_app, "col_wrong")
    assert bad.verify_key() is False
    with pytest.raises(akismet.APIKeyError):
        bad.comment_check(user_ip="203.0.113.5", comment_content="hello")


def test_akismet_form_fields_headers_and_labels(env):
    from service.db.integration_tables import TrainingLabel
    from service.db.session import session_scope

    c, key = env["client"], env["a"]["api_token"]
    base = {"api_key": key, "blog": "https://blog.example.org", "user_ip": "198.51.100.1",
            "user_agent": "Mozilla/5.0", "permalink": "https://blog.example.org/p/2", "comment_type": "comment",
            "comment_author": "viagra-seller", "comment_author_email": "x@example.com",
            "comment_context[]": ["Les oiseaux", "hiver"], "blog_lang": "en, fr_ca", "is_test": "1"}
    r = c.post("/1.1/comment-check", data={**base, "comment_content": "viagra for sale"})
    assert r.status_code == 200 and r.get_data(as_text=True) == "true"
    assert r.headers["X-akismet-pro-tip"] == "discard" and r.headers["Content-Type"].startswith("text/plain")
    r = c.post("/1.1/comment-check", data={**base, "comment_content": "Nice birds"})
    assert r.get_data(as_text=True) == "false" and "X-akismet-pro-tip" not in r.headers
    # a site policy that auto-rejects spam above 0.9 makes "casino" (0.92) blatant
    from service.db.tables import Site

    with session_scope(env["settings"].database_url) as s:
        s.get(Site, env["a"]["id"]).policy = {"reject_above": {"spam": 0.9}}
    r = c.post("/1.1/comment-check", data={**base, "comment_content": "casino"})
    assert r.get_data(as_text=True) == "true" and r.headers["X-akismet-pro-tip"] == "discard"
    # submit with is_test stores nothing; without it, a label; submitting ham later flips it
    sub = {"api_key": key, "blog": "https://blog.example.org", "user_ip": "198.51.100.1",
           "comment_content": "Visit my shop", "comment_author": "Bob"}
    assert c.post("/1.1/submit-spam", data={**sub, "is_test": "1"}).get_data(as_text=True).startswith("Thanks")
    with session_scope(env["settings"].database_url) as s:
        assert s.scalar(select(func.count()).select_from(TrainingLabel)) == 0
    for _ in range(2):
        r = c.post("/1.1/submit-spam", data=sub)
        assert r.get_data(as_text=True) == "Thanks for making the web a better place."
    with session_scope(env["settings"].database_url) as s:
        rows = s.scalars(select(TrainingLabel)).all()
        assert [(x.label, x.reason, x.source, x.text) for x in rows] == [("rejected", "spam", "akismet", "Visit my shop")]
    c.post("/1.1/submit-ham", data=sub)
    with session_scope(env["settings"].database_url) as s:
        assert [(x.label, x.reason) for x in s.scalars(select(TrainingLabel))] == [("clean", None)]


def test_akismet_errors(env):
    c, key = env["client"], env["a"]["api_token"]
    r = c.post("/1.1/comment-check", data={"api_key": key, "blog": "https://b.example", "comment_content": "hi"})
    assert r.status_code == 400 and r.get_data(as_text=True) == "Missing required field: user_ip."
    assert r.headers["X-akismet-debug-help"] == "Missing required field: user_ip."
    r = c.post("/1.1/comment-check", data={"blog": "https://b.example", "user_ip": "1.2.3.4"})
    assert r.get_data(as_text=True) == "invalid" and "api_key" in r.headers["X-akismet-debug-help"]
    r = c.post("/1.1/comment-check", data={"api_key": "col_nope", "blog": "https://b", "user_ip": "1.2.3.4"})
    assert r.get_data(as_text=True) == "invalid" and r.headers["X-akismet-debug-help"]
    r = c.post("/1.1/comment-check", data=json.dumps({"api_key": key}), content_type="application/json")
    assert r.status_code == 400 and "form-encoded" in r.headers["X-akismet-debug-help"]
    r = c.post("/1.1/comment-check", data={"api_key": key, "blog": "https://b", "user_ip": "1.2.3.4",
                                           "comment_content": "x" * (2 * 1024 * 1024)})
    assert r.status_code == 413 and r.headers["X-akismet-debug-help"]
    r = c.post("/1.1/comment-check", data={"api_key": key, "blog": "https://b", "user_ip": "1.2.3.4",
                                           "comment_content": "a\x00b"})
    assert r.status_code == 400
    # the field's name goes back in a header: a newline or any non-ASCII in it is escaped, never a 500
    r = c.post("/1.1/submit-ham", data={"api_key": key, "blog": "https://b", "user_ip": "1.2.3.4",
                                        "D\n\x07é": "p\x00q"})
    assert r.status_code == 400 and r.headers["X-akismet-debug-help"] == "The D\\n\\x07\\xe9 field contains a NUL character."
    r = c.post("/1.1/verify-key", data={"key": key, "blog": "https://b"})
    assert r.get_data(as_text=True) == "valid"
    r = c.post("/1.1/verify-key", data={"key": env["b"]["api_token"] + "x", "blog": "https://b"})
    assert r.get_data(as_text=True) == "invalid"


def test_site_isolation_for_labels(env):
    from service.db.integration_tables import TrainingLabel
    from service.db.session import session_scope

    sub = {"blog": "https://b", "user_ip": "1.2.3.4", "comment_content": "same text"}
    env["client"].post("/1.1/submit-spam", data={**sub, "api_key": env["a"]["api_token"]})
    env["client"].post("/1.1/submit-ham", data={**sub, "api_key": env["b"]["api_token"]})
    with session_scope(env["settings"].database_url) as s:
        rows = {(x.site_id, x.label) for x in s.scalars(select(TrainingLabel))}
    assert rows == {(env["a"]["id"], "rejected"), (env["b"]["id"], "clean")}


@pytest.mark.parametrize("raw", [
    b'{"comment":{"text":"a\\ud800b"},"requestedAttributes":{"TOXICITY":{}}}',
    b'{"comment":{"text":"ok"},"context":{"entries":[{"text":"\\udfff"}]},"requestedAttributes":{"TOXICITY":{}}}',
    b'{"comment":{"text":"ok"},"context":{"entries":"nope"},"requestedAttributes":{"TOXICITY":{}}}',
    b'{"comment":{"text":"ok"},"requestedAttributes":{"TOXICITY":[]}}',
    b'{"comment":{"text":"ok"},"requestedAttributes":["TOXICITY"]}',
    b'{"comment":{"text":"ok","type":"HTML"},"requestedAttributes":{"TOXICITY":{}}}',
    b'{"comment":{"text":"a\\u0000b"},"requestedAttributes":{"TOXICITY":{}}}',
    b'{"comment":{"text":"ok"},"languages":[null],"requestedAttributes":{"TOXICITY":{}}}',
])
def test_hostile_perspective_bodies_are_400_not_500(env, raw):
    r = analyze(env["client"], env["a"]["api_token"], None, raw=raw)
    assert r.status_code == 400, r.json
    assert r.json["error"]["status"] == "INVALID_ARGUMENT"


def test_hostile_coral_ids_do_not_crash(env):
    import hashlib
    import hmac

    from tests.unit.platforms.platforms import configure

    configure(env, env["a"], "coral", secrets={"signing_secrets": ["s3cret"]})
    raw = (b'{"action":"NEW","comment":{"body":"ok","parentID":null},"author":{"id":"\\ud800"},'
           b'"story":{"id":"s1","url":"https://x.example"},"tenantID":"\\udfff"}')
    sig = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    r = env["client"].post(f"/integrations/coral/{env['a']['id']}", data=raw,
                           headers={"Content-Type": "application/json", "X-Coral-Signature": sig})
    assert r.status_code == 422 and "author.id" in r.json["fields"]


def test_purge_removes_old_analyzed_texts_and_platform_statuses(env):
    from datetime import timedelta

    from service.core.privacy import purge_older_than
    from service.db.integration_tables import AnalyzedText, PlatformStatus
    from service.db.session import session_scope
    from service.db.tables import utcnow
    from service.integrations.wordpress import remember_statuses

    body = {"comment": {"text": "Joli texte"}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(env["client"], env["a"]["api_token"], body).status_code == 200
    with session_scope(env["settings"].database_url) as s:
        remember_statuses(s, env["a"]["id"], {"12": "hold"})
    with session_scope(env["settings"].database_url) as s:
        purge_older_than(s, 1)
        assert s.scalar(select(func.count()).select_from(AnalyzedText)) == 1  # recent: kept
        purge_older_than(s, 0, now=utcnow() + timedelta(days=2))
        assert s.scalar(select(func.count()).select_from(AnalyzedText)) == 0
        assert s.scalar(select(func.count()).select_from(PlatformStatus)) == 0
