"""Issue #15, item 9: every intake path validates like the webhook, and a bad item is
skipped with a counted, logged reason instead of stopping the poll or the import."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.unit.platforms.platforms import FakeDisqus, configure


def _skipped_metric(source: str, reason: str) -> float:
    from service import metrics

    body, _ = metrics.render(lambda: {})
    pattern = rf'colombe_intake_skipped_total\{{reason="{re.escape(reason)}",source="{re.escape(source)}"\}} ([0-9.e+]+)'
    m = re.search(pattern, body.decode())
    return float(m.group(1)) if m else 0.0


def test_an_unpaired_surrogate_from_disqus_is_skipped_and_the_cursor_moves(env, caplog):
    from service.db.integration_tables import IntegrationConfig
    from service.db.session import session_scope
    from service.db.tables import Comment
    from service.integrations.pollers import poll_site

    before = _skipped_metric("poll:disqus", "text_invalid_unicode")
    with FakeDisqus(page_size=2) as disqus:
        disqus.add_post(300, 7, "Premier", "2026-11-20T10:00:00")
        disqus.add_post(301, 7, "cassé \ud83d ici", "2026-11-20T10:01:00")
        disqus.add_post(302, 7, "Troisième", "2026-11-20T10:02:00")
        configure(env, env["a"], "disqus", secrets={"api_key": disqus.api_key, "access_token": disqus.access_token},
                  forum=disqus.forum, api_base=disqus.url)
        with caplog.at_level("WARNING", logger="colombe.intake"):
            counts = poll_site(env["settings"], env["a"]["id"], "disqus")
        assert counts["new"] == 2 and counts["skipped"] == 1 and counts["pages"] == 2
        with session_scope(env["settings"].database_url) as s:
            assert sorted(s.scalars(select(Comment.external_id))) == ["300", "302"]
            row = s.scalar(select(IntegrationConfig).filter_by(site_id=env["a"]["id"], platform="disqus"))
            assert row.state["since"] == "2026-11-20T10:02:00" and row.last_error is None
        assert any(getattr(r, "reason", None) == "text_invalid_unicode" for r in caplog.records)
        assert _skipped_metric("poll:disqus", "text_invalid_unicode") == before + 1
        # the next poll goes on from there
        disqus.add_post(303, 7, "Quatrième", "2026-11-20T10:03:00")
        counts = poll_site(env["settings"], env["a"]["id"], "disqus")
        with session_scope(env["settings"].database_url) as s:
            assert sorted(s.scalars(select(Comment.external_id))) == ["300", "302", "303"]


def test_accept_checks_what_pollers_and_imports_build(env):
    from service.core.intake import CommentIn, PostIn, accept
    from service.db.session import session_scope
    from service.db.tables import Site

    with session_scope(env["settings"].database_url) as s:
        site = s.get(Site, env["a"]["id"])
        bad = [CommentIn("x" * 256, "texte"), CommentIn("ok-post", "texte", post=PostIn("p" * 300)),
               CommentIn("nul", "a\x00b"), CommentIn("empty", "   "), CommentIn("big", "é" * 100_001),
               CommentIn("lang", "texte", lang="x" * 17), CommentIn("surrogate-author", "texte", author_name="\udcff"),
               CommentIn("fmt", "texte", format="markdown")]
        good = CommentIn("fine", "Un commentaire correct", post=PostIn("p1", title="Billet"))
        result = accept(env["settings"], site, bad + [good], enqueue=None, source="test")
    assert [r.external_id for r in result] == ["fine"]
    assert [reason for _, reason in result.skipped] == [
        "id_too_long", "post_id_too_long", "text_nul_character", "text_empty", "text_too_long", "lang_too_long",
        "author_name_invalid_unicode", "format_invalid"]
