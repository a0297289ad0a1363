"""`colombe import wxr|blogger`: history becomes comments + labels, idempotently, without
notifying the platform; hostile XML (entity expansion, external entities) is refused."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import run_cli
from tests.unit.platforms.platforms import Receiver, configure, deliveries

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Le carnet</title>
  <link>https://carnet.example.org</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <item>
    <title>Les mésanges reviennent</title>
    <link>https://carnet.example.org/2024/01/mesanges/</link>
    <dc:creator><![CDATA[admin]]></dc:creator>
    <content:encoded><![CDATA[<p>Elles sont <b>là</b> chaque hiver.</p>]]></content:encoded>
    <wp:post_id>12</wp:post_id>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:comment>
      <wp:comment_id>101</wp:comment_id>
      <wp:comment_author><![CDATA[Jeanne]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[jeanne@example.org]]></wp:comment_author_email>
      <wp:comment_author_url>https://jeanne.example.org</wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[203.0.113.4]]></wp:comment_author_IP>
      <wp:comment_date><![CDATA[2024-01-05 11:00:00]]></wp:comment_date>
      <wp:comment_date_gmt><![CDATA[2024-01-05 10:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[Merci, j'en ai vu trois ce matin.]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_type><![CDATA[comment]]></wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent>
      <wp:comment_user_id>0</wp:comment_user_id>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>102</wp:comment_id>
      <wp:comment_author><![CDATA[Cheap Pills]]></wp:comment_author>
      <wp:comment_date_gmt><![CDATA[2024-01-06 10:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[buy now http://pills.example]]></wp:comment_content>
      <wp:comment_approved><![CDATA[spam]]></wp:comment_approved>
      <wp:comment_type><![CDATA[comment]]></wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>103</wp:comment_id>
      <wp:comment_author><![CDATA[Troll]]></wp:comment_author>
      <wp:comment_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[Tu es un idiot, Jeanne]]></wp:comment_content>
      <wp:comment_approved><![CDATA[trash]]></wp:comment_approved>
      <wp:comment_parent>101</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>104</wp:comment_id>
      <wp:comment_author><![CDATA[Paul]]></wp:comment_author>
      <wp:comment_content><![CDATA[Et les rouges-gorges ?]]></wp:comment_content>
      <wp:comment_approved><![CDATA[0]]></wp:comment_approved>
      <wp:comment_parent>101</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>105</wp:comment_id>
      <wp:comment_content><![CDATA[Ping from another blog]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_type><![CDATA[pingback]]></wp:comment_type>
    </wp:comment>
  </item>
  <item>
    <title>logo.png</title>
    <wp:post_id>13</wp:post_id>
    <wp:post_type><![CDATA[attachment]]></wp:post_type>
  </item>
</channel>
</rss>
"""

BLOGGER = """<?xml version='1.0' encoding='utf-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:blogger='http://schemas.google.com/blogger/2018'>
  <id>tag:blogger.com,1999:blog-777</id>
  <title>Mon blog</title>
  <entry>
    <id>tag:blogger.com,1999:blog-777.post-5001</id>
    <blogger:type>POST</blogger:type>
    <blogger:status>LIVE</blogger:status>
    <author><name>Auteur</name><uri>https://www.blogger.com/profile/1</uri><blogger:type>BLOGGER</blogger:type></author>
    <title>Les rouges-gorges</title>
    <content type='html'>&lt;p&gt;Un oiseau familier.&lt;/p&gt;</content>
    <blogger:created>2024-02-01T09:00:00.000Z</blogger:created>
    <published>2024-02-01T09:00:00.000Z</published>
    <updated>2024-02-01T09:00:00.000Z</updated>
    <link rel='alternate' type='text/html' href='https://monblog.blogspot.com/2024/02/rouges-gorges.html'/>
    <blogger:filename>/2024/02/rouges-gorges.html</blogger:filename>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-777.post-9001</id>
    <blogger:parent>tag:blogger.com,1999:blog-777.post-5001</blogger:parent>
    <blogger:type>COMMENT</blogger:type>
    <blogger:status>LIVE</blogger:status>
    <author><name>Lou</name><uri>https://lou.example.org</uri><blogger:type>ANONYMOUS</blogger:type></author>
    <title></title>
    <content type='html'>Superbe photo !</content>
    <published>2024-02-02T10:00:00.000-08:00</published>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-777.post-9002</id>
    <blogger:parent>tag:blogger.com,1999:blog-777.post-5001</blogger:parent>
    <blogger:inReplyTo>tag:blogger.com,1999:blog-777.post-9001</blogger:inReplyTo>
    <blogger:type>COMMENT</blogger:type>
    <blogger:status>SPAM</blogger:status>
    <author><name>Casino</name></author>
    <content type='html'>casino bonus http://casino.example</content>
    <published>2024-02-03T10:00:00.000Z</published>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-777.post-9003</id>
    <blogger:parent>tag:blogger.com,1999:blog-777.post-5001</blogger:parent>
    <blogger:type>COMMENT</blogger:type>
    <blogger:status>PENDING</blogger:status>
    <author><name>Nina</name></author>
    <content type='html'>Quel appareil utilisez-vous ?</content>
    <published>not a date</published>
  </entry>
</feed>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><wp:post_id>1</wp:post_id>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>&lol4;</wp:comment_content>
<wp:comment_approved>1</wp:comment_approved></wp:comment></item></channel></rss>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:blogger='http://schemas.google.com/blogger/2018'>
<entry><id>tag:blogger.com,1999:blog-1.post-2</id><blogger:type>COMMENT</blogger:type>
<content>&xxe;</content></entry></feed>
"""


def counts(env):
    from service.db.integration_tables import TrainingLabel
    from service.db.session import session_scope
    from service.db.tables import Comment, ModerationAction

    with session_scope(env["settings"].database_url) as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                for t in (Comment, TrainingLabel, ModerationAction)}


def test_wxr_import_labels_history_idempotently_and_silently(env, tmp_path):
    from service.db.integration_tables import TrainingLabel
    from service.db.session import session_scope
    from service.db.tables import Comment, Post
    from service.integrations.imports import run_import

    path = tmp_path / "export.xml"
    path.write_text(WXR, encoding="utf-8")
    with Receiver() as receiver:
        configure(env, env["a"], "outbound", url=receiver.url)
        configure(env, env["a"], "wordpress", url=receiver.url, user="editor")
        stats = run_import(env["settings"], env["a"]["id"], str(path), "wxr")
        assert stats.as_json() == {"posts": 1, "comments": 4, "new": 4, "labels": 3, "skipped": 0, "pending": 1,
                                   "errors": []}
        assert deliveries(env) == []  # past decisions are not sent back to the platform
        before = counts(env)
        again = run_import(env["settings"], env["a"]["id"], str(path), "wxr")
        assert (again.new, again.labels) == (0, 0) and counts(env) == before
    with session_scope(env["settings"].database_url) as s:
        rows = {c.external_id: c for c in s.scalars(select(Comment))}
        assert {k: c.status for k, c in rows.items()} == {"101": "approved", "102": "rejected", "103": "rejected",
                                                          "104": "received"}
        assert rows["103"].parent_id == rows["101"].id and rows["103"].created_at is None
        assert rows["101"].created_at.isoformat() == "2024-01-05T10:00:00+00:00"
        post = s.get(Post, rows["101"].post_id)
        assert (post.external_id, post.title, post.text) == ("12", "Les mésanges reviennent",
                                                              "Elles sont là chaque hiver.")
        labels = {s.get(Comment, lab.comment_id).external_id: (lab.label, lab.reason)
                  for lab in s.scalars(select(TrainingLabel))}
        assert labels == {"101": ("clean", None), "102": ("rejected", "spam"), "103": ("rejected", "other")}


def test_blogger_export_import(env, tmp_path):
    from service.db.session import session_scope
    from service.db.tables import Comment, Post
    from service.integrations.imports import run_import

    path = tmp_path / "blog.atom"
    path.write_text(BLOGGER, encoding="utf-8")
    stats = run_import(env["settings"], env["b"]["id"], str(path), "blogger")
    assert (stats.posts, stats.comments, stats.labels, stats.pending) == (1, 3, 2, 1)
    with session_scope(env["settings"].database_url) as s:
        rows = {c.external_id: c for c in s.scalars(select(Comment))}
        assert set(rows) == {"9001", "9002", "9003"}  # the ids Blogger's API uses, so the poller dedupes
        assert rows["9002"].parent_id == rows["9001"].id and rows["9002"].status == "rejected"
        assert rows["9001"].created_at.isoformat() == "2024-02-02T18:00:00+00:00"
        assert rows["9003"].status == "received" and rows["9003"].site_id == env["b"]["id"]
        post = s.get(Post, rows["9001"].post_id)
        assert (post.external_id, post.title) == ("5001", "Les rouges-gorges")
        assert post.url == "https://monblog.blogspot.com/2024/02/rouges-gorges.html"


@pytest.mark.parametrize("fmt,doc", [("wxr", BILLION_LAUGHS), ("blogger", EXTERNAL_ENTITY),
                                     ("wxr", "<rss><channel><item>"), ("blogger", "not xml at all")])
def test_hostile_or_broken_xml_is_refused(env, tmp_path, fmt, doc):
    from service.integrations.imports import ExportFileError, run_import

    path = tmp_path / "bad.xml"
    path.write_text(doc)
    with pytest.raises(ExportFileError) as info:
        run_import(env["settings"], env["a"]["id"], str(path), fmt)
    assert "XML" in str(info.value)
    assert counts(env)["comments"] == 0


def test_import_cli(env, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(WXR, encoding="utf-8")
    cli_env = {"COLOMBE_DATA_DIR": str(env["settings"].data_dir), "COLOMBE_DATABASE_URL": env["settings"].database_url}
    proc = run_cli(["import", "wxr", str(path), "--site", env["a"]["id"]], cli_env)
    assert json.loads(proc.stdout)["labels"] == 3
    bad = tmp_path / "lol.xml"
    bad.write_text(BILLION_LAUGHS)
    proc = run_cli(["import", "wxr", str(bad), "--site", env["a"]["id"]], cli_env, check=False)
    assert proc.returncode == 1 and "unsafe XML" in proc.stderr
    proc = run_cli(["import", "blogger", str(path), "--site", "s_missing"], cli_env, check=False)
    assert proc.returncode == 1 and "no site" in proc.stderr
