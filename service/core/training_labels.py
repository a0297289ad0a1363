"""Training labels from outside the moderator UI (imports, Akismet submit-spam/ham, Perspective suggestscore).

One label per (site, dedupe key): the same judgement twice changes nothing, a newer
judgement of the same item (submit-ham after submit-spam) replaces the older one.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db.integration_tables import TrainingLabel
from ..db.tables import utcnow

LABELS = ("clean", "rejected")


def dedupe_key(source: str, key_material: str) -> str:
    digest = hashlib.sha256(key_material.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{source}:{digest}"


def add_label(session: Session, site_id: str, *, source: str, key_material: str, label: str,
              reason: str | None = None, text: str | None = None, lang: str | None = None,
              comment_id: int | None = None) -> tuple[TrainingLabel, bool]:
    """Insert or update one label; returns (row, created)."""
    if label not in LABELS:
        raise ValueError(f"label must be one of {LABELS}")
    key = dedupe_key(source, key_material)
    row = session.scalar(select(TrainingLabel).where(TrainingLabel.site_id == site_id,
                                                     TrainingLabel.dedupe_key == key))
    if row is None:
        row = TrainingLabel(site_id=site_id, comment_id=comment_id, source=source, dedupe_key=key, label=label,
                            reason=reason, text=text, lang=lang, created_at=utcnow())
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # a concurrent request stored it first
            row = session.scalar(select(TrainingLabel).where(TrainingLabel.site_id == site_id,
                                                             TrainingLabel.dedupe_key == key))
        else:
            return row, True
    changed = (row.label, row.reason) != (label, reason)
    if changed:
        row.label, row.reason = label, reason
        row.created_at = utcnow()
    if comment_id is not None and row.comment_id is None:
        row.comment_id = comment_id
    return row, False
