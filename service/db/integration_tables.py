"""Tables of the platform integrations (connections, poll cursors, outbound deliveries, labels)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

# Delivery states.
DELIVERY_PENDING = "pending"  # waiting for its (next) attempt
DELIVERY_DELIVERED = "delivered"
DELIVERY_DEAD = "dead"  # gave up (too many attempts, or a permanent refusal): visible, retryable by hand
DELIVERY_SUPERSEDED = "superseded"  # a newer decision about the same comment replaced this write-back
DELIVERY_STATES = (DELIVERY_PENDING, DELIVERY_DELIVERED, DELIVERY_DEAD, DELIVERY_SUPERSEDED)


class IntegrationConfig(Base):
    """One platform connection of one site (outbound, wordpress, blogger, disqus, coral).

    `config` holds plain settings (URLs, ids); `secrets_enc` is a Fernet-encrypted JSON
    object with the credentials (application passwords, tokens, signing secrets);
    `state` is the poller's cursor and health.
    """

    __tablename__ = "integration_configs"
    __table_args__ = (UniqueConstraint("site_id", "platform", name="uq_integration_site_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    secrets_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """Transactional outbox: one row per decision and target, written with the decision."""

    __tablename__ = "integration_deliveries"
    __table_args__ = (
        UniqueConstraint("action_id", "target", name="uq_delivery_action_target"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_site_status", "site_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"), nullable=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("moderation_actions.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(32))  # outbound | wordpress | blogger | disqus
    idempotency_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=DELIVERY_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TrainingLabel(Base):
    """A human judgement usable for learning: imported history, Akismet submit-spam/ham."""

    __tablename__ = "training_labels"
    __table_args__ = (
        UniqueConstraint("site_id", "dedupe_key", name="uq_training_labels_site_key"),
        Index("ix_training_labels_site_source", "site_id", "source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"), nullable=True)
    source: Mapped[str] = mapped_column(String(32))  # import:wxr | import:blogger | akismet
    dedupe_key: Mapped[str] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(String(16))  # clean | rejected
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)  # spam | toxic | ...
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # when no stored comment carries it
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlatformStatus(Base):
    """A comment's status on its platform as last known to Colombe (what the platform told
    us at intake, then what we wrote back), so that a write-back that would change nothing
    is not sent (WordPress answers 500 `rest_comment_failed_edit` to those)."""

    __tablename__ = "platform_statuses"

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnalyzedText(Base):
    """A text scored through the Perspective-compatible API with `doNotStore: false` and
    not queued for moderation (authoring-time checks): kept, with its scores, as unlabeled
    material for per-site learning. Deduplicated per site on a hash of the text; purged
    with `colombe purge`."""

    __tablename__ = "analyzed_texts"
    __table_args__ = (
        UniqueConstraint("site_id", "text_hash", name="uq_analyzed_texts_site_hash"),
        Index("ix_analyzed_texts_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))  # perspective
    text_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    scores: Mapped[dict] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
