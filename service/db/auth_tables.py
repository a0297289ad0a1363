"""Tables of the moderator UI (users, site assignments, login attempts, site word rules)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

ROLE_ADMIN = "admin"
ROLE_MODERATOR = "moderator"
ROLES = (ROLE_ADMIN, ROLE_MODERATOR)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=ROLE_MODERATOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change / deactivation: old session cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


class UserSite(Base):
    """A moderator sees and acts only on the sites assigned here."""

    __tablename__ = "user_sites"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True)


class UserSession(Base):
    """A signed-in browser (migration 0004). The session cookie carries a random token; only
    its SHA-256 is stored. Logging out deletes the row, so a copied cookie stops working;
    a password change or a deactivation deletes every row of the user."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user", "user_id"), Index("ix_user_sessions_expiry", "expires_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """Failed logins, for the rate limits (per username + IP, per IP) and the per-user back-off."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_time", "username", "ip", "created_at"),
                      Index("ix_login_attempts_ip_time", "ip", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteRules(Base):
    """Per-site word lists and the trusted-author rule (applied after scoring)."""

    __tablename__ = "site_rules"

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    banned_words: Mapped[list] = mapped_column(JSON, default=list)  # auto-reject
    suspect_words: Mapped[list] = mapped_column(JSON, default=list)  # hold for review
    # Auto-approve an author's comments once they have this many approved ones (None = off).
    trusted_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthorRuleEvent(Base):
    """A moderator's rule about one author of one site: `trust` (always approve), `hold`
    (always hold) or "" (rule removed). The latest event per author is the rule in force;
    the rows are the audit trail (who, when, from which comment)."""

    __tablename__ = "author_rule_events"
    __table_args__ = (Index("ix_author_rule_events_author", "site_id", "author_key", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    author_key: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    rule: Mapped[str] = mapped_column(String(16), default="")
    previous: Mapped[str] = mapped_column(String(16), default="")
    actor: Mapped[str] = mapped_column(String(255))
    comment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
