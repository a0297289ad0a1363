"""Rescoring a site's pending queue after a promotion or a rollback, and finding queues a
rescoring left behind (see `site_models` for the locking that makes it exact)."""
from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..db.site_model_tables import SiteLearning
from ..db.tables import PENDING, Comment
from .scoring import rescore_claimed

log = logging.getLogger("colombe.site_scoring")


def rescore_pending(settings, site_id: str, model=None, batch: int = 500, max_rounds: int = 10_000,
                    only_current_global: bool = False) -> int:
    """Rescore the site's pending comments whose scores are not from the site's current
    version (after a promotion or a rollback), batch by batch; each batch re-applies the
    site's policy, so a comment the new model clears leaves the queue (audited, actor
    "auto"). Safe to run twice at once and beside scoring workers: rows are claimed
    FOR UPDATE SKIP LOCKED and a comment already scored by the current version is skipped.
    Returns the number of comments rescored."""
    from ..db.session import session_scope

    if model is None:
        from .jobs import settings_model

        model = settings_model(settings)
    total = 0
    for _ in range(max_rounds):
        with session_scope(settings.database_url) as session:
            current = current_version(session, model.version, site_id)
            q = (select(Comment.id).where(Comment.site_id == site_id, Comment.status == PENDING,
                                          or_(Comment.model_version.is_(None), Comment.model_version != current))
                 .order_by(Comment.id).limit(batch))
            if only_current_global:  # the sweeper: not the comments an older global model scored
                q = q.where(Comment.model_version.like(f"{_like_escape(model.version)}%", escape="\\"))
            if session.get_bind().dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            ids = list(session.scalars(q))
            if not ids:
                break
            total += rescore_claimed(session, ids, model, settings.score_prefix_chars)
    if total:
        log.info("pending queue rescored", extra={"site_id": site_id, "count": total})
    return total


def current_version(session: Session, global_version: str, site_id: str) -> str:
    """The version that scores the site's comments now."""
    row = session.execute(select(SiteLearning.live_version).where(SiteLearning.site_id == site_id)).first()
    if row and row.live_version:
        from .site_models import load_site_model

        sm = load_site_model(session, row.live_version)
        if sm is not None and sm.global_version == global_version:
            return row.live_version
    return global_version


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def stale_pending_sites(session: Session, global_version: str, limit: int = 50) -> list[str]:
    """Sites with a site model history whose pending queue holds comments that the running
    global model scored with another site version than the current one (a rescoring
    interrupted, or a batch that committed after the rescoring passed). Comments an older
    global model scored are left alone, as for any global model change."""
    out = []
    prefix = _like_escape(global_version)
    for site_id, in session.execute(select(SiteLearning.site_id)):
        current = current_version(session, global_version, site_id)
        hit = session.execute(select(Comment.id).where(
            Comment.site_id == site_id, Comment.status == PENDING, Comment.model_version != current,
            Comment.model_version.like(f"{prefix}%", escape="\\")).limit(1)).first()
        if hit is not None:
            out.append(site_id)
        if len(out) >= limit:
            break
    return out
