"""The database schema. The database is the source of truth for every comment."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow  # noqa: F401  (utcnow: re-exported, used across the code)

# Comment statuses.
RECEIVED = "received"  # stored, not yet scored
PENDING = "pending"  # in the moderator queue
APPROVED = "approved"
REJECTED = "rejected"
STATUSES = (RECEIVED, PENDING, APPROVED, REJECTED)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Webhook secrets must be usable for HMAC, so they are encrypted (Fernet), not hashed.
    webhook_secret_enc: Mapped[str] = mapped_column(Text)
    # During rotation the previous secret stays valid until revoked.
    webhook_secret_old_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    api_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Per-site salt for author e-mail / IP hashes.
    hash_salt: Mapped[str] = mapped_column(String(64))
    # Policy overrides: {"approve_below": {label: x}, "reject_above": {label: x|null}}
    policy: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("site_id", "external_id", name="uq_posts_site_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id", name="uq_comments_site_external"),
        # Queue orderings (keyset pagination): priority, oldest/newest.
        Index("ix_comments_queue_priority", "site_id", "status", "priority", "id"),
        Index("ix_comments_queue_age", "site_id", "status", "id"),
        Index("ix_comments_parent_lookup", "site_id", "parent_external_id"),
        Index("ix_comments_status_received", "status", "received_at"),
        Index("ix_comments_author", "site_id", "author_key"),
        # The moderator UI: queue across several sites (migration 0002).
        Index("ix_comments_ui_status_priority", "status", "priority", "id"),
        Index("ix_comments_ui_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(255))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), nullable=True, index=True)
    parent_external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"), nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text)  # plain text (HTML reduced to text), what is scored
    html: Mapped[str | None] = mapped_column(Text, nullable=True)  # sanitized HTML for display
    format: Mapped[str] = mapped_column(String(8), default="text")
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    lang_given: Mapped[bool] = mapped_column(Boolean, default=False)
    author_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    author_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_email_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    author_ip_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Groups an author's comments: e-mail hash when known, else a hash of the name.
    author_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=RECEIVED)
    scores: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reasons: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # Labels that crossed a threshold, comma-wrapped (",toxicity,insult,") for filtering.
    flag_labels: Mapped[str | None] = mapped_column(String(255), nullable=True)
    priority: Mapped[float] = mapped_column(Float, default=0.0)  # highest score, for sorting
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Score(Base):
    """One row per comment and model version: a second delivery changes nothing."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("comment_id", "model_version", name="uq_scores_comment_model"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    scores: Mapped[dict] = mapped_column(JSON)
    lang_detected: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationAction(Base):
    """The audit log: one row per status change."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        Index("ix_actions_comment", "comment_id", "id"),
        Index("ix_actions_site_time", "site_id", "created_at"),
        # The moderator UI: audit log filtered by moderator, dashboard by day (migration 0002).
        Index("ix_actions_ui_actor", "actor", "id"),
        Index("ix_actions_ui_time", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(255))  # "auto" or "user:<username>" or "api"
    action: Mapped[str] = mapped_column(String(32))  # approve | reject | hold | undo
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[list | dict | None] = mapped_column(JSON, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
