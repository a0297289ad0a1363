"""Read-only views of per-site learning for `/metrics` (no model, no numpy)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.site_model_tables import SiteModelVersion


def auc_gauges(session: Session) -> dict:
    """{(site, label, "live" | "candidate"): AUC} from each site's newest version's shadow test."""
    newest = (select(SiteModelVersion.site_id, func.max(SiteModelVersion.seq).label("seq"))
              .group_by(SiteModelVersion.site_id).subquery())
    out: dict = {}
    rows = session.execute(select(SiteModelVersion.site_id, SiteModelVersion.evaluation).join(
        newest, (newest.c.site_id == SiteModelVersion.site_id) & (newest.c.seq == SiteModelVersion.seq)))
    for site_id, evaluation in rows:
        for label, fig in ((evaluation or {}).get("labels") or {}).items():
            for which in ("live", "candidate"):
                value = fig.get(f"{which}_auc")
                if isinstance(value, (int, float)):
                    out[(site_id, label, which)] = float(value)
    return out


def shadow_report(session: Session, site_id: str, candidate_version: str | None, live_prefix: str | None = None,
                  limit: int = 5000) -> dict | None:
    """The candidate in shadow, judged on the decisions made since it was trained: for each
    comment it scored beside the live model and a human then judged, both scores against
    the judgement (toxicity ROC AUC, and counts). None without a candidate."""
    if not candidate_version:
        return None
    from ..db.tables import Comment, ModerationAction, Score
    from .site_labels import AUTO_ACTOR, targets_of

    row = session.execute(select(SiteModelVersion.created_at).where(SiteModelVersion.version == candidate_version)).first()
    if row is None:
        return None
    shadow = dict(session.execute(select(Score.comment_id, Score.scores).join(Comment, Comment.id == Score.comment_id)
                                  .where(Comment.site_id == site_id, Score.model_version == candidate_version)
                                  .limit(limit)).all())
    out = {"scored": len(shadow), "judged": 0, "positives": 0, "live_auc": None, "candidate_auc": None}
    if not shadow:
        return out
    latest = (select(func.max(ModerationAction.id).label("id"))
              .where(ModerationAction.site_id == site_id, ModerationAction.actor != AUTO_ACTOR,
                     ModerationAction.comment_id.in_(list(shadow)), ModerationAction.created_at >= row.created_at)
              .group_by(ModerationAction.comment_id).subquery())
    y, live, cand = [], [], []
    for cid, action, reason, scores in session.execute(
            select(ModerationAction.comment_id, ModerationAction.action, ModerationAction.reason, Comment.scores)
            .join(latest, latest.c.id == ModerationAction.id).join(Comment, Comment.id == ModerationAction.comment_id)):
        t = targets_of(action, reason)
        if t is None or t["toxicity"] < 0 or not scores:
            continue
        y.append(t["toxicity"])
        live.append(float(scores.get("toxicity", 0.0)))
        cand.append(float(shadow[cid].get("toxicity", 0.0)))
    out["judged"], out["positives"] = len(y), int(sum(y))
    if y and 0 < sum(y) < len(y):
        from models.site import roc_auc

        out["live_auc"] = round(roc_auc(y, live), 4)
        out["candidate_auc"] = round(roc_auc(y, cand), 4)
    return out
