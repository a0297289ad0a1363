"""Status tabs and their counts, fresh counts with every decision, score colours from the
site's thresholds, the suggested reject reason, plurals and label names in both languages."""
from __future__ import annotations

import re

from service.db.tables import Comment
from tests.unit.moderation.test_ui import _world


def tab_counts(html: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r'data-status-tab="(\w+)"\s+data-count="(\d+)"', html)}


def test_tabs_show_counts_per_site(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    html = browser.get("/queue").data.decode()
    # site A: c1, c2, c4 held, c3 approved; site B's comment is not counted for this moderator
    assert tab_counts(html) == {"pending": 3, "approved": 1, "rejected": 0, "spam": 0, "all": 4}
    assert "3 comments match" in html and "All matching the filter (3)" in html
    assert re.search(r'data-status-tab="pending"[^>]*aria-current="page"', html)
    # the tabs keep the other filters: label=spam counts only c2
    html = browser.get("/queue?label=spam").data.decode()
    assert tab_counts(html)["pending"] == 1 and "1 comment matches" in html
    assert 'href="/queue?status=approved&amp;label=spam"' in html
    browser.login("admin")
    assert tab_counts(browser.get("/queue").data.decode())["all"] == 5


def test_decisions_answer_with_fresh_counts_and_spam_has_its_tab(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    browser.get("/queue")
    body = browser.act({"action": "approve", "ids": [w["c1"]], "view": {}}).get_json()
    assert body["counts"] == {"pending": 2, "approved": 2, "rejected": 0, "spam": 0, "all": 4}
    body = browser.act({"action": "reject", "ids": [w["c2"]], "reason": "spam", "view": {"status": "pending"}}).get_json()
    assert body["counts"] == {"pending": 1, "approved": 2, "rejected": 0, "spam": 1, "all": 4}
    body = browser.act({"action": "reject", "ids": [w["c4"]], "reason": "toxic", "view": {}}).get_json()
    assert body["counts"]["rejected"] == 1 and body["counts"]["pending"] == 0
    body = browser.act({"action": "undo", "ids": [w["c4"]], "view": {}}).get_json()
    assert body["counts"]["rejected"] == 0 and body["counts"]["pending"] == 1
    html = browser.get("/queue?status=spam").data.decode()
    assert re.findall(r'data-comment-id="(\d+)"', html) == [str(w["c2"])]
    html = browser.get("/queue?status=rejected").data.decode()
    assert 'class="item"' not in html and "No comment here for this filter." in html
    # without "view" the answer carries no counts; the counts endpoint gives the same numbers
    assert "counts" not in browser.act({"action": "approve", "ids": [w["c4"]]}).get_json()
    got = browser.get("/ui/counts?label=spam").get_json()
    assert got == {"counts": {"pending": 0, "approved": 0, "rejected": 0, "spam": 1, "all": 1}, "capped": []}


def test_counts_endpoint_refuses_bad_filters_and_other_sites(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    assert browser.get("/ui/counts?sort=sideways").status_code == 422
    assert browser.get("/ui/counts?date_from=yesterday").status_code == 422
    assert browser.get(f"/ui/counts?site={w['b']}").status_code == 404
    assert browser.get("/ui/counts?status=bogus").status_code == 422
    browser.get("/queue")
    resp = browser.act({"action": "approve", "ids": [w["c1"]], "view": {"site": w["b"]}})
    assert resp.status_code == 200 and "counts" not in resp.get_json()  # no counts for a site one cannot see


def test_empty_pending_queue_is_kind_in_both_languages(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    browser.get("/queue")
    browser.act({"action": "approve", "ids": [w["c1"], w["c2"], w["c4"]]})
    html = browser.get("/queue").data.decode()
    assert "The queue is empty. Nice work!" in html and "↻" not in html
    browser.client.post("/lang", data={"lang": "fr", "csrf_token": browser.csrf, "next": "/queue"})
    html = browser.get("/queue").data.decode()
    assert "La file est vide. Beau travail\u202f!" in html
    assert "0 commentaire correspond" in html


def test_score_colours_come_from_the_sites_thresholds():
    from service.core.policy import Policy
    from service.moderation.score_view import band, pair, score_rows, suggest_reason, why_heading

    policy = Policy(approve_below={"spam": 0.05, "identity_attack": 0.8, "off_topic": 0.6, "toxicity": 0.5},
                    reject_above={})
    c = Comment(scores={"spam": 0.32, "identity_attack": 0.51, "off_topic": 0.7, "toxicity": 0.01},
                reasons=[{"label": "spam", "kind": "approve_below"}])
    rows = {r["label"]: r for r in score_rows(c, policy)}
    assert rows["spam"]["band"] == "high"            # six times its threshold: red
    assert rows["identity_attack"]["band"] == "near"  # below its 0.80 threshold: not red
    assert rows["toxicity"]["band"] == "low"
    assert band(0.5, None) == "unknown"
    # the label furthest above its own threshold (spam 6.4x beats off-topic 1.17x)
    assert suggest_reason(c, policy) == "spam"
    c2 = Comment(scores={"spam": 0.06, "off_topic": 0.95}, reasons=[])
    assert suggest_reason(c2, policy) == "off_topic"
    assert suggest_reason(Comment(scores={"toxicity": 0.1}, reasons=[]), policy) == "other"
    # thresholds get the digits they need to read differently from the score
    assert pair(0.0015, 0.0012) == ("0.0015", "0.0012")
    assert pair(0.951, 0.95) == ("0.951", "0.950")
    assert pair(0.32, 0.05) == ("0.32", "0.050")
    assert pair(0.97, 0.5) == ("0.97", "0.50")
    # "why held" only for comments that were held
    assert why_heading(Comment(reasons=[])) is None
    assert why_heading(c) == "Why held"
    assert why_heading(Comment(reasons=[{"kind": "banned_word"}])) == "Why rejected"
    assert why_heading(Comment(reasons=[{"kind": "trusted_author"}])) == "Why approved"


def test_approved_comments_have_no_why_held_and_labels_read_as_words(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    html = browser.get("/queue?status=approved").data.decode()
    card = re.search(rf'data-comment-id="{w["c3"]}".*?</article>', html, re.S).group(0)
    assert "Why held" not in card
    html = browser.get("/queue").data.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    for raw in ("off_topic", "identity_attack", "severe_toxicity", "approved_count"):
        assert raw not in text, raw
    assert "off-topic" in text and "identity attack" in text
    assert re.search(r'score band-high" data-label="insult"', html)


def test_plurals_and_every_string_translated():
    from pathlib import Path

    from flask import Flask

    from service.moderation import i18n

    app = Flask(__name__)
    app.secret_key = "x"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert i18n.ngettext("{n} comment", "{n} comments", 1) == "1 comment"
        assert i18n.ngettext("{n} comment", "{n} comments", 2) == "2 comments"
        assert i18n.gettext("Undo") == "Undo" and i18n.label_name("off_topic") == "off-topic"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert i18n.ngettext("{n} comment", "{n} comments", 1) == "1 commentaire"
        assert i18n.ngettext("{n} comment", "{n} comments", 0) == "0 commentaire"
        assert i18n.ngettext("{n} comment", "{n} comments", 3) == "3 commentaires"
        assert i18n.gettext("Undo") == "Défaire"
        assert i18n.gettext("Reject with which reason?") == "Rejeter pour quelle raison\u202f?"
        assert i18n.colon() == "\u00a0:"
    root = Path(__file__).resolve().parents[3] / "service" / "moderation"
    single, pairs = set(), set()
    for path in list((root / "templates").glob("*.html")) + list(root.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        single |= set(re.findall(r'\b_\("([^"]+)"[,)]', text)) | set(re.findall(r"\b_\('([^']+)'[,)]", text))
        pairs |= set(re.findall(r'ngettext\("([^"]+)",\s*"([^"]+)"', text))
        pairs |= set(re.findall(r"ngettext\('([^']+)',\s*'([^']+)'", text))
    assert sorted(m for m in single if m not in i18n.FR) == []
    assert sorted(p for p in pairs if p not in i18n.PLURALS) == []


def test_counts_over_the_cap_are_counted_per_tab(browser, db_session, monkeypatch):
    from service.moderation import queue_page

    _world(db_session)
    monkeypatch.setattr(queue_page, "COUNT_CAP", 2)
    browser.login("mod_a")
    got = browser.get("/ui/counts").get_json()
    # 4 comments on site A: over the cap of 2, so "All" is capped and each tab is counted alone
    assert got["counts"] == {"pending": 2, "approved": 1, "rejected": 0, "spam": 0, "all": 2}
    assert sorted(got["capped"]) == ["all", "pending"]
    html = browser.get("/queue").data.decode()
    assert "2+ comments match" in html and re.search(r'data-status-tab="all"\s+data-count="2"[^>]*>\s*All <span class="tab-count">\(2\+\)', html)


def test_rejected_as_spam_by_a_person_goes_to_the_spam_tab_and_undo_takes_it_back(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    browser.get("/queue")
    before = db_session.get(Comment, w["c1"]).flag_labels
    body = browser.act({"action": "reject", "ids": [w["c1"]], "reason": "spam", "view": {}}).get_json()
    assert body["counts"]["spam"] == 1 and body["counts"]["rejected"] == 0
    body = browser.act({"action": "undo", "ids": [w["c1"]], "view": {}}).get_json()
    assert body["counts"]["spam"] == 0 and body["counts"]["pending"] == 3
    db_session.expire_all()
    assert db_session.get(Comment, w["c1"]).flag_labels == before
    body = browser.act({"action": "reject", "ids": [w["c1"]], "reason": "toxic", "view": {}}).get_json()
    assert body["counts"]["rejected"] == 1 and body["counts"]["spam"] == 0
