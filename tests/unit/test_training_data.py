"""Moderator decisions → training rows (SQLite via the migrations) and the extra-CSV loader."""
from __future__ import annotations

import csv

from service.core.status_changes import change_status
from service.core.sites import create_site
from service.core.training_data import decision_label, export_decisions, write_decisions_csv
from service.db.session import session_scope
from service.db.tables import APPROVED, PENDING, REJECTED, Comment


def _comment(session, site_id, ext, text, lang=None, status=PENDING):
    c = Comment(site_id=site_id, external_id=ext, text=text, lang=lang, status=status)
    session.add(c)
    session.flush()
    return c


def _act(session, c, action, actor="user:alice", reason=None):
    to = {"approve": APPROVED, "reject": REJECTED, "hold": PENDING, "undo": PENDING}[action]
    change_status(session, c, to, actor=actor, action=action, reason=reason)
    session.flush()


def test_decision_label_mapping():
    assert decision_label("approve", None) == "clean"
    assert decision_label("reject", "toxic") == "toxic"
    assert decision_label("reject", "spam") == "spam"
    for reason in (None, "other", "off_topic"):
        assert decision_label("reject", reason) is None
    assert decision_label("hold", "toxic") is None


def test_export_decisions_latest_human_decision_wins(sqlite_settings, tmp_path):
    with session_scope(sqlite_settings.database_url) as s:
        a = create_site(s, "Blog A", "k").site.id
        b = create_site(s, "Blog B", "k").site.id
        s.flush()
        c1 = _comment(s, a, "1", "Tu es un idiot fini", lang="fr")
        _act(s, c1, "approve")
        _act(s, c1, "reject", reason="toxic")             # latest human decision: toxic
        c2 = _comment(s, a, "2", "Great post, thanks", lang="en-GB")
        _act(s, c2, "reject", reason="toxic")
        _act(s, c2, "approve")                            # moderator changed their mind: clean
        _act(s, c2, "reject", actor="auto", reason="toxic")  # the model's later action is ignored
        c3 = _comment(s, a, "3", "Buy cheap pills at example.com")
        _act(s, c3, "reject", actor="import:wordpress", reason="spam")  # imported history counts
        c4 = _comment(s, a, "4", "Only the model decided")
        _act(s, c4, "reject", actor="auto", reason="toxic")
        c5 = _comment(s, a, "5", "Rejected without a reason")
        _act(s, c5, "reject", reason=None)
        c6 = _comment(s, a, "6", "Off topic rant")
        _act(s, c6, "reject", reason="off_topic")
        c7 = _comment(s, a, "7", "Was approved then put back on hold")
        _act(s, c7, "approve")
        _act(s, c7, "hold")
        c8 = _comment(s, b, "8", "Merci pour cet article", lang="fr")
        _act(s, c8, "approve", actor="api")
        c9 = _comment(s, a, "9", "Rejected as other")
        _act(s, c9, "reject", reason="other")
        ids = {c.id: c for c in (c1, c2, c3, c8)}

    with session_scope(sqlite_settings.database_url) as s:
        rows = export_decisions(s)
        only_b = export_decisions(s, site_ids=[b])
    got = {r["source_id"]: (r["text"], r["lang"], r["label"]) for r in rows}
    assert got == {
        f"{a}:{c1.id}": ("Tu es un idiot fini", "fr", "toxic"),
        f"{a}:{c2.id}": ("Great post, thanks", "en", "clean"),
        f"{a}:{c3.id}": ("Buy cheap pills at example.com", "", "spam"),
        f"{b}:{c8.id}": ("Merci pour cet article", "fr", "clean"),
    }, ids
    assert [r["source_id"] for r in only_b] == [f"{b}:{c8.id}"]

    path = tmp_path / "out" / "decisions.csv"
    assert write_decisions_csv(rows, path) == 4
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["text", "lang", "label", "source_id"]
        back = list(reader)
    assert [r["label"] for r in back] == [r["label"] for r in rows]


def test_export_decisions_empty_database(sqlite_settings):
    with session_scope(sqlite_settings.database_url) as s:
        assert export_decisions(s) == []
