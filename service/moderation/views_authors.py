"""Per-author rules from the card: trust this author (always approve), always hold them,
or remove the rule. Each change is an `AuthorRuleEvent` row (who, when, before → after)."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from ..core.site_rules import AUTHOR_RULES, author_rules
from ..db.auth_tables import AuthorRuleEvent
from ..db.ids import maybe_id, valid_id
from ..db.tables import Comment
from ..web import db
from .auth import actor_name, allowed_site_ids, current_user, login_required
from .blueprint import bp


def rules_for(session, comments) -> dict[tuple[str, str], str]:
    """{(site_id, author_key): rule} for the authors of these comments."""
    out = {}
    for site_id in {c.site_id for c in comments if c.author_key}:
        rules = author_rules(session, site_id)
        for c in comments:
            if c.site_id == site_id and c.author_key in rules:
                out[(site_id, c.author_key)] = rules[c.author_key]
    return out


@bp.post("/ui/author-rule")
@login_required
def set_author_rule():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "invalid", "message": "send a JSON object"}), 400
    rule = body.get("rule") if body.get("rule") is not None else ""
    if rule not in AUTHOR_RULES + ("",):
        return jsonify({"error": "invalid", "message": "rule must be trust, hold or empty"}), 422
    comment_id = maybe_id(body.get("comment_id"))
    if not valid_id(comment_id):
        return jsonify({"error": "invalid", "message": "comment_id must be a comment id"}), 422
    session = db()
    comment = session.get(Comment, comment_id)
    if comment is None or comment.site_id not in allowed_site_ids():
        return jsonify({"error": "not_found", "message": "no such comment"}), 404
    if not comment.author_key:
        return jsonify({"error": "invalid", "message": "this comment has no known author"}), 422
    previous = author_rules(session, comment.site_id).get(comment.author_key, "")
    if previous != rule:
        session.add(AuthorRuleEvent(site_id=comment.site_id, author_key=comment.author_key,
                                    author_name=(comment.author_name or "")[:255] or None, rule=rule,
                                    previous=previous, actor=actor_name(current_user()), comment_id=comment.id))
        session.commit()
    return jsonify({"site": comment.site_id, "author": comment.author_key, "rule": rule, "previous": previous,
                    "changed": previous != rule})


def recent_events(session, site_ids, limit: int = 50) -> list[AuthorRuleEvent]:
    return list(session.scalars(select(AuthorRuleEvent).where(AuthorRuleEvent.site_id.in_(site_ids or ["\x00"]))
                                .order_by(AuthorRuleEvent.id.desc()).limit(limit)))
