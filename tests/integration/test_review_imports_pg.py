"""Issue #15, item 9 on PostgreSQL (which enforces column lengths): a WXR export whose post
id is over 255 characters no longer aborts the import with a traceback; the bad post and
its comments are skipped with a reason, everything else is imported."""
from __future__ import annotations

import json

from tests.conftest import create_site_cli, run_cli

LONG = "9" * 300


def _wxr(post_ids: list[str]) -> str:
    items = []
    for n, pid in enumerate(post_ids):
        items.append(f"""
  <item>
    <title>Billet {n}</title>
    <link>https://carnet.example.org/{n}/</link>
    <wp:post_id>{pid}</wp:post_id>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:comment>
      <wp:comment_id>{n}01</wp:comment_id>
      <wp:comment_author><![CDATA[Jeanne]]></wp:comment_author>
      <wp:comment_content><![CDATA[Merci pour le billet {n}.]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
  </item>""")
    return ("""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Le carnet</title><wp:wxr_version>1.2</wp:wxr_version>""" + "".join(items) + "\n</channel></rss>\n")


def test_wxr_post_id_over_255_characters_is_skipped_not_fatal(prod_env, tmp_path):
    site = create_site_cli(prod_env, "Import long ids")
    path = tmp_path / "export.xml"
    path.write_text(_wxr(["11", LONG, "13"]), encoding="utf-8")
    proc = run_cli(["import", "wxr", str(path), "--site", site["id"]], prod_env, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert stats["posts"] == 2 and stats["comments"] == 2 and stats["skipped"] == 1, stats
    assert any("post" in json.dumps(e) for e in stats["errors"]), stats["errors"]
    import sqlalchemy as sa

    engine = sa.create_engine(prod_env["COLOMBE_DATABASE_URL"])
    with engine.connect() as c:
        posts = sorted(c.execute(sa.text("SELECT external_id FROM posts WHERE site_id = :s"), {"s": site["id"]})
                       .scalars())
        comments = sorted(c.execute(sa.text("SELECT external_id FROM comments WHERE site_id = :s"),
                                    {"s": site["id"]}).scalars())
    engine.dispose()
    assert posts == ["11", "13"] and comments == ["001", "201"]
