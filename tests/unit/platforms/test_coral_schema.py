"""Colombe's answers to Coral's external moderation phase, validated the way Coral validates
them: with `joi` from npm and a schema written from Coral's documented response rules
(tests/unit/platforms/node/coral_response.js). Coral drops a response that fails its schema, so every
answer must pass, and none may carry an empty array."""
from __future__ import annotations

import json
import time

from sqlalchemy import select

from tests.conftest import wait_for
from tests.unit.platforms.conftest import run_node
from tests.unit.platforms.platforms import configure
from tests.unit.platforms.test_coral import NEW_SECRET, coral_post, coral_request


def coral_checks(answers):
    return run_node("coral_response.js", [{"status": s, "body": b.decode()} for s, b in answers], needs="joi")


def no_empty_arrays(doc) -> bool:
    if isinstance(doc, list):
        return bool(doc) and all(no_empty_arrays(x) for x in doc)
    if isinstance(doc, dict):
        return all(no_empty_arrays(v) for v in doc.values())
    return True


def test_the_schema_refuses_what_coral_refuses():
    """The schema can fail: Colombe's old answer (`"tags": []`) and other shapes Coral drops."""
    bad = [
        (200, b'{"status": "SYSTEM_WITHHELD", "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}],'
              b' "tags": []}'),
        (200, b'{"status": "WITHHELD"}'),
        (200, b'{"actions": [{"actionType": "FLAG"}]}'),
        (200, b'{"tags": ["TOXIC"]}'),
        (200, b"not json"),
        (500, b""),
    ]
    results = coral_checks(bad)
    assert [r["accepted"] for r in results] == [False] * len(bad)
    assert any("tags" in e for e in results[0]["errors"])
    good = [(200, b'{"status": "REJECTED"}'), (200, b'{"actions": [{"actionType": "FLAG", '
                                                  b'"reason": "COMMENT_DETECTED_SPAM"}], "tags": ["FEATURED"]}')]
    assert [r["accepted"] and not r["ignored"] for r in coral_checks(good)] == [True, True]


def test_every_answer_colombe_gives_passes_corals_schema(env, live_app):
    from service.db.session import session_scope
    from service.db.tables import Site

    configure(env, env["a"], "coral", secrets={"signing_secrets": [NEW_SECRET]})
    url = f"{live_app}/integrations/coral/{env['a']['id']}"
    answers = [
        coral_post(url, coral_request("Quel idiot, cet auteur")),  # toxic: withheld, flagged
        coral_post(url, coral_request("buy now http://pills.example")),  # spam: withheld, flagged
        coral_post(url, coral_request("Très beau reportage")),  # clean: no opinion
    ]
    with session_scope(env["settings"].database_url) as s:
        s.get(Site, env["a"]["id"]).policy = {"reject_above": {"toxicity": 0.9}}
    answers.append(coral_post(url, coral_request("Espèce de connard", story="story-2")))  # auto-rejected
    statuses = [status for status, _ in answers]
    assert statuses == [200, 200, 204, 200]
    results = coral_checks(answers)
    assert all(r["accepted"] for r in results), results
    assert [r["ignored"] for r in results] == [False, False, True, False]  # Coral acts on the three verdicts
    docs = [json.loads(body) for status, body in answers if status == 200]
    assert all(no_empty_arrays(d) for d in docs), docs
    assert [r["value"] for r in results if not r["ignored"]] == docs  # nothing stripped as unknown
    assert docs[0] == {"status": "SYSTEM_WITHHELD",
                       "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]}
    assert docs[1]["actions"] == [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"}]
    assert docs[2]["status"] == "REJECTED"


def test_a_verdict_without_a_flag_has_no_actions_key():
    from service.webhooks.coral import coral_response

    assert coral_response("SYSTEM_WITHHELD", {"off_topic"}) == {"status": "SYSTEM_WITHHELD"}
    assert coral_response("REJECTED", {"spam", "insult"})["actions"] == [
        {"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"},
        {"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"}]


def test_past_the_deadline_colombe_answers_204_in_time_and_still_decides(env, live_app, monkeypatch):
    from service.db.session import session_scope
    from service.db.tables import Comment

    configure(env, env["a"], "coral", secrets={"signing_secrets": [NEW_SECRET]})
    env["app"].extensions["colombe"]["settings"] = env["settings"].replace(coral_deadline_ms=80)
    slow = env["model"].score_batch

    def slow_score(items):  # a model still loading, or a busy process
        time.sleep(0.6)
        return slow(items)

    monkeypatch.setattr(env["model"], "score_batch", slow_score)
    url = f"{live_app}/integrations/coral/{env['a']['id']}"
    started = time.monotonic()
    status, body = coral_post(url, coral_request("Quel idiot, cet auteur"))
    took = time.monotonic() - started
    assert (status, body) == (204, b"") and took < 0.5, took
    assert coral_checks([(status, body)])[0]["accepted"]

    def decided():
        with session_scope(env["settings"].database_url) as s:
            return s.scalar(select(Comment.status))

    assert wait_for(lambda: decided() == "pending", timeout=10, message="background decision")


def test_a_coral_connection_makes_the_web_tier_load_the_model_at_start(sqlite_settings):
    from service.app import should_warm_model
    from service.core.sites import create_site
    from service.db.session import session_scope
    from service.integrations.common import get_or_create_config

    production_web = sqlite_settings.replace(testing=False, broker_url="redis://127.0.0.1:1/0", web_model="lazy")
    assert should_warm_model(production_web) is False
    with session_scope(sqlite_settings.database_url) as s:
        site = create_site(s, "Coral site", sqlite_settings.secret_key)
        get_or_create_config(s, site.as_json()["id"], "coral")
    assert should_warm_model(production_web) is True
