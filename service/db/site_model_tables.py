"""Tables of per-site learning: site model versions, each site's learning state, and the
audit of trainings, promotions and rollbacks (migration 0007)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

# Site model statuses (the API's contract).
LIVE = "live"  # scores the site's comments
CANDIDATE = "candidate"  # trained, not promoted: scores new comments in shadow (stored, not acted on)
RETIRED = "retired"  # kept (every version is), used by nothing; a retired former live version can come back
MODEL_STATUSES = (LIVE, CANDIDATE, RETIRED)

PROMOTE_AUTO = "auto"
PROMOTE_MANUAL = "manual"
PROMOTE_MODES = (PROMOTE_AUTO, PROMOTE_MANUAL)


class SiteModelVersion(Base):
    """One trained site model: its arrays (an .npz, no pickle), what it was trained on and
    how it did on the held-out newest decisions."""

    __tablename__ = "site_model_versions"
    __table_args__ = (
        UniqueConstraint("site_id", "seq", name="uq_site_model_seq"),
        UniqueConstraint("version", name="uq_site_model_version"),
        Index("ix_site_models_site_status", "site_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per site
    # what scores carry: "<global version>+<site id>.v<seq>"
    version: Mapped[str] = mapped_column(String(64))
    global_version: Mapped[str] = mapped_column(String(64))  # the global model it sits on
    status: Mapped[str] = mapped_column(String(16), default=CANDIDATE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(255), default="auto")
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # last time made live
    promoted_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    train_decisions: Mapped[int] = mapped_column(Integer, default=0)
    eval_decisions: Mapped[int] = mapped_column(Integer, default=0)
    # the newest decision the model was trained on (decisions after it are unseen by it)
    trained_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    train_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    labels: Mapped[list] = mapped_column(JSON, default=list)  # labels with a head
    evaluation: Mapped[dict] = mapped_column(JSON, default=dict)  # held-out figures, live vs candidate
    meta: Mapped[dict] = mapped_column(JSON, default=dict)  # training parameters and per-head details
    blob: Mapped[bytes] = mapped_column(LargeBinary)  # models.site.SiteModel.to_bytes()
    sha256: Mapped[str] = mapped_column(String(64))


class SiteLearning(Base):
    """A site's learning settings and state; its row is locked while the live model changes
    (scoring batches hold it FOR KEY SHARE, a promotion FOR UPDATE), so a promotion waits for the
    batches that read the previous live model."""

    __tablename__ = "site_learning"

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    promote_mode: Mapped[str] = mapped_column(String(16), default=PROMOTE_AUTO)  # auto | manual
    every_n: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: COLOMBE_SITE_LEARN_EVERY
    live_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    candidate_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    labels_at_last_run: Mapped[int] = mapped_column(Integer, default=0)  # label count the last run saw
    # the periodic check: labels counted up to `checked_at`, and how many since the last run was started
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    new_labels: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteModelEvent(Base):
    """Audit of per-site learning: train, promote, rollback, retire, settings."""

    __tablename__ = "site_model_events"
    __table_args__ = (Index("ix_site_model_events_site", "site_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))  # train | promote | rollback | keep | settings
    actor: Mapped[str] = mapped_column(String(255))  # "auto", "user:<name>", "api", "cli"
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the version acted on
    from_version: Mapped[str | None] = mapped_column(String(64), nullable=True)  # live before
    to_version: Mapped[str | None] = mapped_column(String(64), nullable=True)  # live after
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
