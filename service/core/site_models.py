"""Site model versions: store, load, promote, roll back, list. Every change is audited
(`site_model_events`) and every version is kept.

Statuses: one `live` version per site at most (it scores the site's comments when it sits
on the running global model), one `candidate` at most (trained, not promoted: it scores
new comments in shadow), the rest `retired`. A promotion or rollback locks the site's
`site_learning` row FOR UPDATE; scoring batches hold it FOR KEY SHARE while they read the
live version (`site_scoring.models_for`), so the rescoring that follows a promotion sees every
comment scored with the previous version.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import metrics
from ..db.site_model_tables import (CANDIDATE, LIVE, PROMOTE_AUTO, RETIRED, SiteLearning, SiteModelEvent,
                                    SiteModelVersion)
from ..db.tables import Site, utcnow

log = logging.getLogger("colombe.site_models")

VERSION_MAX = 64


class SiteModelActionError(ValueError):
    """A promotion or rollback that cannot be done (unknown version, nothing to roll back to)."""


def version_name(global_version: str, site_id: str, seq: int) -> str:
    """What scores carry: `<global version>+<site id>.v<seq>` (the global part shortened
    when the whole would not fit the 64-character columns)."""
    suffix = f"+{site_id}.v{seq}"
    return global_version[: VERSION_MAX - len(suffix)] + suffix


def learning_row(session: Session, site_id: str, lock: str | None = None) -> SiteLearning:
    """The site's learning row, created on first use; `lock`: None, "update"."""
    q = select(SiteLearning).where(SiteLearning.site_id == site_id)
    if lock == "update" and session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    row = session.scalar(q)
    if row is None:  # created once; a concurrent creator wins quietly
        from ..db.bulk import dialect_insert

        session.execute(dialect_insert(session, SiteLearning.__table__).values(
            site_id=site_id, promote_mode=PROMOTE_AUTO, labels_at_last_run=0, new_labels=0, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["site_id"]))
        row = session.scalar(q)
    return row


def event(session: Session, site_id: str, action: str, actor: str, *, version: str | None = None,
          from_version: str | None = None, to_version: str | None = None, reason: str | None = None,
          details: dict | None = None) -> SiteModelEvent:
    ev = SiteModelEvent(site_id=site_id, action=action, actor=actor, version=version, from_version=from_version,
                        to_version=to_version, reason=reason, details=details, created_at=utcnow())
    session.add(ev)
    log.info("site model event", extra={"site_id": site_id, "action": action, "actor": actor, "version": version,
                                         "from_version": from_version, "to_version": to_version})
    return ev


def next_seq(session: Session, site_id: str) -> int:
    return int(session.scalar(select(func.max(SiteModelVersion.seq)).where(SiteModelVersion.site_id == site_id))
               or 0) + 1


def add_candidate(session: Session, site_id: str, *, global_version: str, blob: bytes, sha256: str,
                  labels: list, evaluation: dict, meta: dict, train_decisions: int, eval_decisions: int,
                  trained_until: datetime | None, train_seconds: float, actor: str) -> SiteModelVersion:
    """Store a new candidate; the previous candidate (if any) is retired."""
    state = learning_row(session, site_id, lock="update")
    seq = next_seq(session, site_id)
    now = utcnow()
    for old in session.scalars(select(SiteModelVersion).where(SiteModelVersion.site_id == site_id,
                                                              SiteModelVersion.status == CANDIDATE)):
        old.status, old.retired_at = RETIRED, now
    row = SiteModelVersion(site_id=site_id, seq=seq, version=version_name(global_version, site_id, seq),
                           global_version=global_version, status=CANDIDATE, created_at=now, created_by=actor,
                           train_decisions=train_decisions, eval_decisions=eval_decisions,
                           trained_until=trained_until, train_seconds=train_seconds, labels=list(labels),
                           evaluation=evaluation, meta=meta, blob=blob, sha256=sha256)
    session.add(row)
    state.candidate_version = row.version
    state.updated_at = now
    session.flush()
    return row


def _make_live(session: Session, state: SiteLearning, row: SiteModelVersion, actor: str) -> str | None:
    now = utcnow()
    before = state.live_version
    for old in session.scalars(select(SiteModelVersion).where(SiteModelVersion.site_id == row.site_id,
                                                              SiteModelVersion.status == LIVE)):
        if old.id != row.id:
            old.status, old.retired_at = RETIRED, now
    if state.candidate_version == row.version:
        state.candidate_version = None
    row.status, row.promoted_at, row.promoted_by, row.retired_at = LIVE, now, actor, None
    state.live_version = row.version
    state.updated_at = now
    return before


def promote(session: Session, site_id: str, version: str, actor: str, reason: str | None = None,
            details: dict | None = None) -> SiteModelVersion:
    """Make `version` (a candidate or a retired version of the site) live. The caller commits,
    then rescores the site's pending queue (`site_scoring.rescore_pending`)."""
    state = learning_row(session, site_id, lock="update")
    row = session.scalar(select(SiteModelVersion).where(SiteModelVersion.site_id == site_id,
                                                        SiteModelVersion.version == version))
    if row is None:
        raise SiteModelActionError(f"site {site_id} has no model version {version!r}")
    if row.status == LIVE:
        raise SiteModelActionError(f"{version} is already live")
    before = _make_live(session, state, row, actor)
    event(session, site_id, "promote", actor, version=row.version, from_version=before, to_version=row.version,
          reason=reason, details=details)
    metrics.site_model_promotion(site_id, "promote", actor_kind(actor))
    return row


def rollback(session: Session, site_id: str, actor: str, reason: str | None = None) -> tuple[str | None, str]:
    """Back to the version that was live before the current one (one action). Returns
    (the version taken out, the version now live)."""
    state = learning_row(session, site_id, lock="update")
    current = session.scalar(select(SiteModelVersion).where(SiteModelVersion.site_id == site_id,
                                                            SiteModelVersion.status == LIVE))
    if current is None:
        raise SiteModelActionError(f"site {site_id} has no live site model to roll back")
    rolled_back = select(SiteModelEvent.version).where(SiteModelEvent.site_id == site_id,
                                                       SiteModelEvent.action == "rollback",
                                                       SiteModelEvent.version.is_not(None))
    # the version live before this one: once promoted, earlier, and never rolled back itself
    previous = session.scalar(
        select(SiteModelVersion).where(SiteModelVersion.site_id == site_id, SiteModelVersion.status == RETIRED,
                                       SiteModelVersion.promoted_at.is_not(None), SiteModelVersion.id != current.id,
                                       SiteModelVersion.promoted_at < current.promoted_at,
                                       SiteModelVersion.version.not_in(rolled_back))
        .order_by(SiteModelVersion.promoted_at.desc()).limit(1))
    now = utcnow()
    current.status, current.retired_at = RETIRED, now
    if previous is not None:
        previous.status, previous.retired_at = LIVE, None  # promoted_at/by: its own promotion, kept
        state.live_version = previous.version
    else:
        state.live_version = None  # back to the global model alone
    state.updated_at = now
    # the rolled-back version must not be promoted again by itself: it is the candidate no more
    if state.candidate_version == current.version:
        state.candidate_version = None
    event(session, site_id, "rollback", actor, version=current.version, from_version=current.version,
          to_version=state.live_version, reason=reason)
    metrics.site_model_promotion(site_id, "rollback", actor_kind(actor))
    return current.version, state.live_version


def actor_kind(actor: str) -> str:
    return "auto" if actor == "auto" else "user"


# --- loading, with a small per-process cache --------------------------------------------

_cache_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()  # version -> SiteModel
CACHE_SIZE = 32  # loaded site models per process (a few MB each)


def load_site_model(session: Session, version: str):
    """The `models.site.SiteModel` of `version` (cached per process; versions never change)."""
    with _cache_lock:
        hit = _cache.get(version)
        if hit is not None:
            _cache.move_to_end(version)
            return hit
    row = session.execute(select(SiteModelVersion.blob, SiteModelVersion.sha256)
                          .where(SiteModelVersion.version == version)).first()
    if row is None:
        return None
    from models.site import SiteModel, SiteModelError

    blob = bytes(row.blob)
    if SiteModel.digest(blob) != row.sha256:
        raise SiteModelError(f"site model {version}: sha256 mismatch (altered or corrupt)")
    model = SiteModel.from_bytes(blob)
    with _cache_lock:
        _cache[version] = model
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return model


# --- JSON shapes (API and UI) --------------------------------------------------------------

def version_json(row: SiteModelVersion) -> dict:
    def iso(dt):
        return dt.isoformat().replace("+00:00", "Z") if dt else None

    return {"version": row.version, "status": row.status, "seq": row.seq, "global_version": row.global_version,
            "created_at": iso(row.created_at), "created_by": row.created_by, "promoted_at": iso(row.promoted_at),
            "promoted_by": row.promoted_by, "retired_at": iso(row.retired_at),
            "train_decisions": row.train_decisions, "eval_decisions": row.eval_decisions,
            "trained_until": iso(row.trained_until), "train_seconds": row.train_seconds, "labels": row.labels,
            "evaluation": row.evaluation, "size_bytes": len(row.blob) if row.blob is not None else 0,
            "sha256": row.sha256}


def site_models_json(session: Session, site_id: str, limit: int = 200) -> dict:
    from .site_learning_state import shadow_report

    state = session.get(SiteLearning, site_id)
    rows = session.scalars(select(SiteModelVersion).where(SiteModelVersion.site_id == site_id)
                           .order_by(SiteModelVersion.seq.desc()).limit(limit)).all()
    events = session.scalars(select(SiteModelEvent).where(SiteModelEvent.site_id == site_id)
                             .order_by(SiteModelEvent.id.desc()).limit(50)).all()
    return {
        "site_id": site_id,
        "live_version": state.live_version if state else None,
        "candidate_version": state.candidate_version if state else None,
        "promote_mode": state.promote_mode if state else PROMOTE_AUTO,
        "every_n": state.every_n if state else None,
        "last_run_at": state.last_run_at.isoformat().replace("+00:00", "Z") if state and state.last_run_at else None,
        "last_result": state.last_result if state else None,
        "versions": [version_json(r) for r in rows],
        # the candidate in shadow, judged on the decisions made since it was trained
        "shadow": shadow_report(session, site_id, state.candidate_version) if state else None,
        "events": [{"id": e.id, "action": e.action, "actor": e.actor, "version": e.version,
                    "from_version": e.from_version, "to_version": e.to_version, "reason": e.reason,
                    "details": e.details,
                    "at": e.created_at.isoformat().replace("+00:00", "Z") if e.created_at else None}
                   for e in events],
    }


def site_exists(session: Session, site_id: str) -> bool:
    return session.get(Site, site_id) is not None
