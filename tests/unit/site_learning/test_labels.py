"""Labels of a site: the latest human judgement per comment, tool labels, never another site's."""
from __future__ import annotations


def _labels(env, site):
    from service.core.site_labels import collect_labels
    from service.db.session import session_scope

    with session_scope(env["settings"].database_url) as s:
        return collect_labels(s, site["id"])


def test_latest_human_decision_wins_and_automatic_ones_never_count(env):
    from service.core.status_changes import change_status, moderate
    from service.db.session import session_scope
    from service.db.tables import Comment

    ids = env["add"](["premier", "deuxième", "troisième", "quatrième", "cinquième"])
    with session_scope(env["settings"].database_url) as s:
        c = [s.get(Comment, i) for i in ids]
        moderate(s, c[0], "approve", "user:a")
        moderate(s, c[0], "reject", "user:b", reason="toxic")  # changed their mind: positive
        moderate(s, c[1], "reject", "api", reason="spam")
        moderate(s, c[1], "approve", "user:c")  # approve after reject: clean
        moderate(s, c[2], "reject", "user:a", reason="other")  # ambiguous: no label
        moderate(s, c[3], "approve", "user:a")
        change_status(s, c[3], "pending", actor="user:a", action="undo")  # taken back: no label
        change_status(s, c[4], "rejected", actor="auto", action="reject", reason="toxicity")  # the model: no label
    got = {lab.comment_id: lab for lab in _labels(env, env["a"])}
    assert set(got) == {ids[0], ids[1]}
    assert got[ids[0]].targets == {"toxicity": 1, "spam": -1, "off_topic": -1}
    assert got[ids[1]].targets == {"toxicity": 0, "spam": 0, "off_topic": 0}


def test_akismet_and_perspective_labels_count_for_their_site_only(env):
    from service.core.training_labels import add_label
    from service.db.session import session_scope

    with session_scope(env["settings"].database_url) as s:
        add_label(s, env["a"]["id"], source="akismet", key_material="x1", label="rejected", reason="spam",
                  text="Gagnez 500 € par jour, cliquez ici")
        add_label(s, env["a"]["id"], source="akismet", key_material="x2", label="clean", text="Merci pour l'article")
        add_label(s, env["a"]["id"], source="perspective", key_material="x3", label="rejected", reason="off_topic",
                  text="Parlons plutôt de football")
        add_label(s, env["b"]["id"], source="akismet", key_material="x4", label="rejected", reason="spam",
                  text="Spam of site B")
    labels = _labels(env, env["a"])
    by_text = {lab.item["text"]: lab for lab in labels}
    assert by_text["Gagnez 500 € par jour, cliquez ici"].targets["spam"] == 1
    assert by_text["Merci pour l'article"].targets == {"toxicity": 0, "spam": 0, "off_topic": 0}
    assert by_text["Parlons plutôt de football"].targets["off_topic"] == 1
    assert "Spam of site B" not in by_text
    assert {lab.source for lab in labels} == {"akismet", "perspective"}


def test_another_sites_decisions_never_reach_a_sites_labels(env):
    env["decide"]([("le brocoli de A", True)], site=env["a"])
    env["decide"]([("le brocoli de B", False), ("autre chose de B", True)], site=env["b"])
    a = _labels(env, env["a"])
    assert [lab.item["text"] for lab in a] == ["le brocoli de A"]
    assert {lab.item["text"] for lab in _labels(env, env["b"])} == {"le brocoli de B", "autre chose de B"}


def test_new_labels_are_counted_since_a_time(env):
    from service.core.site_labels import count_new_labels
    from service.db.session import session_scope
    from service.db.tables import utcnow

    before = utcnow()
    env["decide"](env["rows"](7), site=env["a"])
    env["decide"](env["rows"](3), site=env["b"])
    with session_scope(env["settings"].database_url) as s:
        assert count_new_labels(s, env["a"]["id"], None, utcnow()) == 7
        assert count_new_labels(s, env["a"]["id"], utcnow(), utcnow()) == 0
        assert count_new_labels(s, env["b"]["id"], before, utcnow()) == 3
