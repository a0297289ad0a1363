"""Operations tables: when each periodic job last ran (migration 0004).

Every run of a periodic job (sweeper, outbox, pollers), whoever runs it (Celery beat's
tasks, the embedded threads), records its end here. `/readyz` and the metric
`colombe_periodic_last_run_timestamp_seconds{job}` read it, so a scheduler that died
(or hangs) is reported by every web process, not only by the one that ran it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class PeriodicRun(Base):
    __tablename__ = "periodic_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    interval_s: Mapped[float] = mapped_column(Float)  # how often it is meant to run
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # end of the last run
    last_duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)  # None when the last run succeeded
    runs: Mapped[int] = mapped_column(Integer, default=0)
