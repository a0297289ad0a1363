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


def delivery(session, comment, status="dead", target="outbound", attempts=3, last_error="HTTP 500: boom",
             last_status_code=500):
    """An outbox row about `comment`'s latest decision (as `core.outbox` records them)."""
    from sqlalchemy import select

    from service.core.outbox import idempotency_key
    from service.db.integration_tables import Delivery
    from service.db.tables import ModerationAction

    action = session.scalar(select(ModerationAction).where(ModerationAction.comment_id == comment.id)
                            .order_by(ModerationAction.id.desc()).limit(1))
    d = Delivery(site_id=comment.site_id, comment_id=comment.id, action_id=action.id, target=target,
                 idempotency_key=idempotency_key(action.id), payload={"type": "comment.decision"}, status=status,
                 attempts=attempts, next_attempt_at=utcnow(), last_status_code=last_status_code,
                 last_error=last_error, created_at=utcnow())
    session.add(d)
    session.flush()
    return d
