"""Pollers for platforms without webhooks (Blogger, Disqus): shared scheduling and intake.

`poll_due(settings)` polls every enabled Blogger/Disqus connection whose interval has
elapsed; `poll_site(settings, site_id, platform)` polls one now. Each platform module
provides `fetch(settings, site_id, config, secrets, state) -> PollBatch` pages; the
comments go through `core.intake.accept` like webhook deliveries (backlog rule, idempotent
store, metrics, then scoring). The cursor lives in `integration_configs.state` and moves
forward in the same commit as the comments it covers, so a crash re-reads a page
(harmless: intake is idempotent) and never skips one. When intake refuses (too many
comments waiting to be scored), the poll stops without moving the cursor, records why in
`last_error`, and the next poll tries again.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from ..config import Settings
from ..core.intake import BacklogFull, accept, check_backlog
from ..db.integration_tables import IntegrationConfig
from ..db.session import session_scope
from ..db.tables import Site, utcnow
from . import blogger, disqus
from .common import (AuthError, PollBatch, PollError, read_secrets, redact, set_auth,  # noqa: F401  (re-exported)
                     write_secrets)

log = logging.getLogger("colombe.pollers")
# Who fetches each polled platform's pages.
FETCHERS = {"blogger": blogger.fetch, "disqus": disqus.fetch}
POLLED = tuple(FETCHERS)


def default_enqueue(settings: Settings) -> Callable[[list[int]], object] | None:
    if settings.broker_url:
        from ..core.enqueue import CeleryDispatcher

        return CeleryDispatcher(settings.broker_url, settings.scoring_queue).score
    return None  # embedded without a running app: the sweeper scores them


def poll_site(settings: Settings, site_id: str, platform: str, enqueue=None) -> dict:
    """Poll one connection until caught up (bounded by poll_max_pages); returns counts
    (`refused` set when intake refused the comments: nothing stored, cursor unchanged)."""
    fetch = FETCHERS[platform]
    counts = {"fetched": 0, "new": 0, "pages": 0}
    while counts["pages"] < settings.poll_max_pages:
        try:
            check_backlog(settings)  # before asking the platform for a page we could not store
            with session_scope(settings.database_url) as session:
                row = session.scalar(select(IntegrationConfig).where(IntegrationConfig.site_id == site_id,
                                                                     IntegrationConfig.platform == platform))
                if row is None or not row.enabled:
                    raise PollError(f"{platform} is not configured for site {site_id}")
                site = session.get(Site, site_id)
                secrets_ = read_secrets(settings, row)
                try:
                    batch = fetch(settings, site_id, dict(row.config or {}), secrets_, dict(row.state or {}))
                except PollError as exc:
                    row.last_error = redact(str(exc), *[v for v in secrets_.values() if isinstance(v, str)])
                    row.last_polled_at = utcnow()
                    if isinstance(exc, AuthError):
                        set_auth(row, False, row.last_error)
                        metrics_auth_failure(platform)
                    _keep_secrets(settings, row, secrets_)
                    session.commit()
                    raise
                auth = (row.state or {}).get("auth")
                row.state = {**batch.state, **({"auth": auth} if auth else {})}  # committed with its comments
                set_auth(row, True)
                _keep_secrets(settings, row, secrets_)
                row.last_polled_at = utcnow()
                row.last_error = None
                results = []
                if batch.comments:  # a bad item is skipped (counted), the cursor still moves past it
                    results = accept(settings, site, batch.comments, enqueue=enqueue, session=session,
                                     source=f"poll:{platform}")
                    if results.skipped:
                        counts["skipped"] = counts.get("skipped", 0) + len(results.skipped)
        except BacklogFull as exc:
            _record_refusal(settings, site_id, platform, exc)
            counts["refused"] = exc.code
            break
        new = sum(1 for r in results if not r.duplicate)
        counts["pages"] += 1
        counts["fetched"] += len(results)
        counts["new"] += new
        if not batch.more:
            break
    log.info("polled", extra={"site_id": site_id, "platform": platform, **counts})
    return counts


def _keep_secrets(settings: Settings, row, secrets_: dict) -> None:
    """A fetcher that refreshed its access token says so (`secrets_["_changed"]`): store it."""
    if secrets_.pop("_changed", False):
        write_secrets(settings, row, secrets_)


def metrics_auth_failure(platform: str) -> None:
    from .. import metrics

    metrics.integration_auth_failure(platform)


def _record_refusal(settings: Settings, site_id: str, platform: str, exc: BacklogFull) -> None:
    with session_scope(settings.database_url) as session:
        row = session.scalar(select(IntegrationConfig).where(IntegrationConfig.site_id == site_id,
                                                             IntegrationConfig.platform == platform))
        if row is not None:
            row.last_error = f"intake refused: {exc}"
            row.last_polled_at = utcnow()
    log.warning("poll stopped: intake refused", extra={"site_id": site_id, "platform": platform,
                                                        "backlog_limit": exc.limit})


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
        interval = float((config or {}).get("poll_interval_s") or settings.poll_interval_s)
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
