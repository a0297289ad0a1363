"""A site's labels for its own model: its moderators' decisions, and the judgements its
tools sent us (Akismet submit-spam / submit-ham, Perspective suggestscore, imported history).

==============================================  ==========================================
latest human judgement of a comment             label
==============================================  ==========================================
approve (moderator, API, import)                clean for every label
reject, reason toxic / spam / off_topic         positive for toxicity / spam / off_topic
reject with reason other or none, hold, undo    nothing (ambiguous, or taken back)
Akismet submit-ham, Perspective all < 0.5       clean for every label
Akismet submit-spam                             positive for spam
Perspective suggestscore with a value >= 0.5    positive for toxicity / spam / off_topic
==============================================  ==========================================

The latest human judgement per comment wins, whatever the comment's status; automatic
decisions (actor "auto") are never labels. Only rows of the site itself are read: another
site's decisions never reach a site's model.

No Flask, no model here: rows in, plain objects out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.integration_tables import TrainingLabel
from ..db.tables import Comment, ModerationAction, Post, utcnow

AUTO_ACTOR = "auto"
# The labels a judgement can make positive (models.site.SITE_LABELS, without importing numpy).
SITE_LABELS = ("toxicity", "spam", "off_topic")
REASON_LABEL = {"toxic": "toxicity", "spam": "spam", "off_topic": "off_topic"}


@dataclass(slots=True)
class SiteLabel:
    key: str  # "c:<comment id>" or "l:<training label id>"
    item: dict  # model input: text, lang, post_title, post_text, parent_text
    targets: dict  # label -> 1 (positive), 0 (negative), -1 (unknown)
    decided_at: datetime
    source: str  # "decision", "akismet", "perspective", "import"
    comment_id: int | None = None
    decision: str = ""  # "approve" or "reject:<reason>"


def targets_of(action: str, reason: str | None) -> dict | None:
    """Per-label targets of one judgement, None when it teaches nothing."""
    if action in ("approve", "clean"):
        return {label: 0 for label in SITE_LABELS}
    if action in ("reject", "rejected"):
        label = REASON_LABEL.get((reason or "").strip().lower())
        if label is None:
            return None
        return {lab: (1 if lab == label else -1) for lab in SITE_LABELS}
    return None


def _aware(dt: datetime | None) -> datetime:
    if dt is None:
        return utcnow()
    return dt if dt.tzinfo else dt.replace(tzinfo=utcnow().tzinfo)


def collect_labels(session: Session, site_id: str, max_chars: int = 5000) -> list[SiteLabel]:
    """Every label of the site, oldest judgement first."""
    latest = (select(func.max(ModerationAction.id).label("id"))
              .where(ModerationAction.site_id == site_id, ModerationAction.actor != AUTO_ACTOR)
              .group_by(ModerationAction.comment_id).subquery())
    rows = session.execute(
        select(ModerationAction.comment_id, ModerationAction.action, ModerationAction.reason,
               ModerationAction.created_at, ModerationAction.actor)
        .join(latest, latest.c.id == ModerationAction.id)
    ).all()
    judged: dict[int, tuple] = {}  # comment id -> (time, action, reason, source)
    for cid, action, reason, at, actor in rows:
        source = "import" if (actor or "").startswith("import") else "decision"
        judged[cid] = (_aware(at), action, reason, source)
    free: list[tuple] = []  # labels without a stored comment: (time, label, reason, source, text, lang, id)
    for row in session.execute(
        select(TrainingLabel.id, TrainingLabel.comment_id, TrainingLabel.source, TrainingLabel.label,
               TrainingLabel.reason, TrainingLabel.text, TrainingLabel.lang, TrainingLabel.created_at)
        .where(TrainingLabel.site_id == site_id)
    ):
        at = _aware(row.created_at)
        if row.comment_id is not None:
            prev = judged.get(row.comment_id)
            if prev is None or at > prev[0]:
                judged[row.comment_id] = (at, row.label, row.reason, row.source.split(":")[0])
        elif (row.text or "").strip():
            free.append((at, row.label, row.reason, row.source.split(":")[0], row.text, row.lang, row.id))
    out: list[SiteLabel] = []
    if judged:
        out.extend(_comment_labels(session, site_id, judged, max_chars))
    for at, label, reason, source, text, lang, lid in free:
        targets = targets_of(label, reason)
        if targets is None:
            continue
        out.append(SiteLabel(key=f"l:{lid}", item={"text": text[:max_chars], "lang": _lang(lang), "post_title": None,
                                                   "post_text": None, "parent_text": None},
                             targets=targets, decided_at=at, source=source,
                             decision=_decision_name(label, reason)))
    out.sort(key=lambda lab: (lab.decided_at, lab.key))
    return out


def _lang(value: str | None) -> str | None:
    lang = (value or "").strip().lower()[:2]
    return lang or None


def _decision_name(action: str, reason: str | None) -> str:
    return "approve" if action in ("approve", "clean") else f"reject:{reason}"


def _comment_labels(session: Session, site_id: str, judged: dict, max_chars: int) -> list[SiteLabel]:
    out = []
    ids = sorted(judged)
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        comments = session.execute(
            select(Comment.id, Comment.text, Comment.lang, Comment.lang_given, Comment.post_id, Comment.parent_id)
            .where(Comment.id.in_(chunk), Comment.site_id == site_id)).all()
        post_ids = {c.post_id for c in comments if c.post_id}
        parent_ids = {c.parent_id for c in comments if c.parent_id}
        posts = {p.id: p for p in session.execute(
            select(Post.id, Post.title, Post.text).where(Post.id.in_(post_ids)))} if post_ids else {}
        parents = dict(session.execute(
            select(Comment.id, Comment.text).where(Comment.id.in_(parent_ids))).all()) if parent_ids else {}
        for c in comments:
            at, action, reason, source = judged[c.id]
            targets = targets_of(action, reason)
            if targets is None or not (c.text or "").strip():
                continue
            post = posts.get(c.post_id)
            item = {"text": c.text[:max_chars], "lang": c.lang if c.lang_given else None,
                    "post_title": post.title if post else None,
                    "post_text": (post.text or "")[:max_chars] if post else None,
                    "parent_text": (parents.get(c.parent_id) or "")[:max_chars] if c.parent_id else None}
            out.append(SiteLabel(key=f"c:{c.id}", item=item, targets=targets, decided_at=at, source=source,
                                 comment_id=c.id, decision=_decision_name(action, reason)))
    return out


def count_new_labels(session: Session, site_id: str, since: datetime | None, until: datetime) -> int:
    """Human judgements of the site recorded in (since, until]: decisions (any human action)
    and tool labels. Counted from the audit index (site, time)."""
    q1 = select(func.count()).select_from(ModerationAction).where(
        ModerationAction.site_id == site_id, ModerationAction.actor != AUTO_ACTOR,
        ModerationAction.created_at <= until)
    q2 = select(func.count()).select_from(TrainingLabel).where(
        TrainingLabel.site_id == site_id, TrainingLabel.created_at <= until,
        TrainingLabel.source.not_like("import%"))  # imports also write a decision: count it once
    if since is not None:
        q1 = q1.where(ModerationAction.created_at > since)
        q2 = q2.where(TrainingLabel.created_at > since)
    return int(session.scalar(q1) or 0) + int(session.scalar(q2) or 0)


def check_window(now: datetime | None = None, lag_s: float = 5.0) -> datetime:
    """Count up to a few seconds ago: rows whose transaction is still open get their turn."""
    return (now or utcnow()) - timedelta(seconds=lag_s)
