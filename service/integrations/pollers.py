"""Pollers for platforms without webhooks (Blogger, Disqus): shared scheduling and ingest.

`poll_due(settings)` polls every enabled Blogger/Disqus connection whose interval has
elapsed; `poll_site(settings, site_id, platform)` polls one now. Each platform module
provides `fetch(settings, row, secrets) -> PollBatch` pages; the comments go through
the same idempotent ingest as webhooks, then to scoring. The cursor lives in
`integration_configs.state` and only moves forward once the comments it covers are
committed, so a crash re-reads a page (harmless: ingest is idempotent) and never skips one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from ..config import Settings
from ..core.ingest import ingest_comments
from ..db.integration_tables import IntegrationConfig
from ..db.session import session_scope
from ..db.tables import Site, utcnow
from .common import read_secrets, redact, tunable

log = logging.getLogger("colombe.pollers")
POLLED = ("blogger", "disqus")


class PollError(Exception):
    pass


@dataclass
class PollBatch:
    comments: list = field(default_factory=list)
    state: dict = field(default_factory=dict)
    more: bool = False


def _module(platform: str):
    from . import blogger, disqus

    return {"blogger": blogger, "disqus": disqus}[platform]


def default_enqueue(settings: Settings) -> Callable[[list[int]], object] | None:
    if settings.broker_url:
        from ..core.enqueue import CeleryDispatcher

        return CeleryDispatcher(settings.broker_url, settings.scoring_queue).score
    return None  # embedded without a running app: the sweeper scores them


def poll_site(settings: Settings, site_id: str, platform: str, enqueue=None) -> dict:
    """Poll one connection until caught up (bounded by poll_max_pages); returns counts."""
    module = _module(platform)
    counts = {"fetched": 0, "new": 0, "pages": 0}
    max_pages = tunable(settings, "poll_max_pages")
    while counts["pages"] < max_pages:
        with session_scope(settings.database_url) as session:
            row = session.scalar(select(IntegrationConfig).where(IntegrationConfig.site_id == site_id,
                                                                 IntegrationConfig.platform == platform))
            if row is None or not row.enabled:
                raise PollError(f"{platform} is not configured for site {site_id}")
            site = session.get(Site, site_id)
            secrets_ = read_secrets(settings, row)
            try:
                batch = module.fetch(settings, site_id, dict(row.config or {}), secrets_, dict(row.state or {}))
            except PollError as exc:
                row.last_error = redact(str(exc), *[v for v in secrets_.values() if isinstance(v, str)])
                row.last_polled_at = utcnow()
                session.commit()
                raise
            results = ingest_comments(session, site, batch.comments) if batch.comments else []
            row.state = batch.state
            row.last_polled_at = utcnow()
            row.last_error = None
        new_ids = [r.id for r in results if not r.duplicate]
        counts["pages"] += 1
        counts["fetched"] += len(results)
        counts["new"] += len(new_ids)
        if new_ids and enqueue is not None:
            enqueue(new_ids)
        if not batch.more:
            break
    log.info("polled", extra={"site_id": site_id, "platform": platform, **counts})
    return counts


def poll_due(settings: Settings, platform: str | None = None, enqueue=None) -> dict:
    """Poll the connections whose interval has elapsed (errors are recorded, not raised)."""
    now = utcnow()
    platforms = (platform,) if platform else POLLED
    with session_scope(settings.database_url) as session:
        rows = session.execute(
            select(IntegrationConfig.site_id, IntegrationConfig.platform, IntegrationConfig.config,
                   IntegrationConfig.last_polled_at)
            .where(IntegrationConfig.enabled.is_(True), IntegrationConfig.platform.in_(platforms))
        ).all()
    done = {}
    for site_id, plat, config, last in rows:
        interval = float((config or {}).get("poll_interval_s") or tunable(settings, "poll_interval_s"))
        if last is not None and last + timedelta(seconds=interval) > now:
            continue
        try:
            done[f"{site_id}/{plat}"] = poll_site(settings, site_id, plat, enqueue)
        except PollError as exc:
            done[f"{site_id}/{plat}"] = {"error": str(exc)[:300]}
            log.warning("poll failed", extra={"site_id": site_id, "platform": plat, "error": str(exc)[:300]})
        except Exception:
            log.exception("poll crashed", extra={"site_id": site_id, "platform": plat})
            done[f"{site_id}/{plat}"] = {"error": "internal error"}
    return done
