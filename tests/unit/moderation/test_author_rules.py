"""Per-author rules: trust → approved, hold → held, banned words still reject, the latest
rule wins, another site is not affected, every change is a row."""
from __future__ import annotations

from sqlalchemy import select

from service.db.auth_tables import AuthorRuleEvent, SiteRules
from tests.unit.moderation import seed


def _rule(db_session, site_id, author, rule, previous=""):
    db_session.add(AuthorRuleEvent(site_id=site_id, author_key="k_" + author, rule=rule, previous=previous,
                                   actor="user:mod"))
    db_session.flush()
    db_session.info.pop("colombe_author_rules", None)  # a new scoring session would look again


def test_rules_decide_for_the_author_on_their_site_only(db_session):
    a = seed.site(db_session, "A")
    b = seed.site(db_session, "B")
    pa, pb = seed.post(db_session, a.site.id), seed.post(db_session, b.site.id, "pb")
    db_session.add(SiteRules(site_id=a.site.id, banned_words=["connard"], suspect_words=[]))
    _rule(db_session, a.site.id, "Bob", "trust")
    _rule(db_session, a.site.id, "Carl", "hold")
    rows = [seed.comment(db_session, a.site.id, pa.id, "1", "quel idiot", author="Bob"),
            seed.comment(db_session, a.site.id, pa.id, "2", "quel connard", author="Bob"),
            seed.comment(db_session, a.site.id, pa.id, "3", "Merci, très clair.", author="Carl"),
            seed.comment(db_session, b.site.id, pb.id, "4", "quel idiot", author="Bob"),
            seed.comment(db_session, b.site.id, pb.id, "5", "Merci, très clair.", author="Carl")]
    seed.score(db_session, rows)
    assert [c.status for c in rows] == ["approved", "rejected", "pending", "pending", "approved"]
    assert rows[0].reasons[0]["kind"] == "author_trusted" and rows[2].reasons[0]["kind"] == "author_held"
    assert rows[1].reasons[0]["kind"] == "banned_word"  # a banned word still rejects a trusted author


def test_latest_rule_wins_and_removal_restores_scoring(db_session):
    a = seed.site(db_session, "A")
    pa = seed.post(db_session, a.site.id)
    _rule(db_session, a.site.id, "Bob", "trust")
    _rule(db_session, a.site.id, "Bob", "", previous="trust")
    c = seed.comment(db_session, a.site.id, pa.id, "1", "quel idiot", author="Bob")
    seed.score(db_session, [c])
    assert c.status == "pending" and all(r.get("kind") != "author_trusted" for r in c.reasons)
    assert len(db_session.scalars(select(AuthorRuleEvent)).all()) == 2


def test_endpoint_records_who_and_before_after(browser, db_session):
    a = seed.site(db_session, "A")
    pa = seed.post(db_session, a.site.id)
    c = seed.comment(db_session, a.site.id, pa.id, "1", "quel idiot", author="Bob")
    anon = seed.comment(db_session, a.site.id, pa.id, "2", "quel idiot", author=None)
    seed.score(db_session, [c, anon])
    seed.user(db_session, "mod_a", "moderator", [a.site.id])
    db_session.commit()
    browser.login("mod_a")
    browser.get("/queue")
    post = lambda body: browser.client.post("/ui/author-rule", json=body, headers={"X-CSRF-Token": browser.csrf})  # noqa: E731
    assert post({"comment_id": c.id, "rule": "hold"}).get_json()["changed"] is True
    again = post({"comment_id": c.id, "rule": "hold"}).get_json()
    assert again["changed"] is False  # no duplicate audit row
    assert post({"comment_id": c.id, "rule": None}).get_json() == {
        "site": a.site.id, "author": "k_Bob", "rule": "", "previous": "hold", "changed": True}
    assert post({"comment_id": anon.id, "rule": "trust"}).status_code == 422  # no known author
    events = db_session.scalars(select(AuthorRuleEvent).order_by(AuthorRuleEvent.id)).all()
    assert [(e.previous, e.rule, e.actor, e.comment_id) for e in events] == [
        ("", "hold", "user:mod_a", c.id), ("hold", "", "user:mod_a", c.id)]
    html = browser.get("/audit").data.decode()
    assert 'id="author-rules"' in html and "always held → no rule" in html
