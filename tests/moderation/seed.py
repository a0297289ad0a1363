"""Seeding helpers shared by the moderation unit tests and the browser tests."""
from __future__ import annotations

import re
from datetime import timedelta

from service.core.scoring import score_comments
from service.core.sites import create_site
from service.db.tables import Comment, Post, utcnow
from service.moderation.auth import create_user
from tests.fakes import FakeModel

PASSWORD = "correct horse battery"


class ExplainingFake(FakeModel):
    """The fake scorer plus `explain`: the insulting words are the spans."""

    def explain(self, item, top_k=10):
        out = []
        for m in re.finditer(r"idiot|connard|buy now", item.get("text") or "", re.IGNORECASE):
            label = "spam" if m.group(0).lower() == "buy now" else "insult"
            out.append({"begin": m.start(), "end": m.end(), "label": label, "score": 0.6})
        return out


def site(session, name, secret_key="test-secret"):
    new = create_site(session, name, secret_key)
    session.flush()
    return new


def post(session, site_id, ext="p1", title="Un article", url="https://blog.example/p1"):
    p = Post(site_id=site_id, external_id=ext, title=title, url=url, text="Le texte de l'article.")
    session.add(p)
    session.flush()
    return p


def comment(session, site_id, post_id, ext, text, author="Alice", parent_id=None, html=None, age_s=0, lang=None):
    c = Comment(site_id=site_id, external_id=ext, post_id=post_id, text=text, html=html,
                format="html" if html else "text", author_name=author, author_key=("k_" + author) if author else None,
                parent_id=parent_id, lang=lang, lang_given=bool(lang), received_at=utcnow() - timedelta(seconds=age_s))
    session.add(c)
    session.flush()
    return c


def score(session, comments, model=None):
    return score_comments(session, [c.id for c in comments], model or FakeModel())


def user(session, username, role="moderator", sites=()):
    return create_user(session, username, PASSWORD, role, sites)
