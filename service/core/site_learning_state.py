"""Read-only views of per-site learning for `/metrics` (no model, no numpy)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.site_model_tables import SiteModelVersion


def auc_gauges(session: Session) -> dict:
    """{(site, label, "live" | "candidate"): AUC} from each site's newest version's shadow test."""
    newest = (select(SiteModelVersion.site_id, func.max(SiteModelVersion.seq).label("seq"))
              .group_by(SiteModelVersion.site_id).subquery())
    out: dict = {}
    rows = session.execute(select(SiteModelVersion.site_id, SiteModelVersion.evaluation).join(
        newest, (newest.c.site_id == SiteModelVersion.site_id) & (newest.c.seq == SiteModelVersion.seq)))
    for site_id, evaluation in rows:
        for label, fig in ((evaluation or {}).get("labels") or {}).items():
            for which in ("live", "candidate"):
                value = fig.get(f"{which}_auc")
                if isinstance(value, (int, float)):
                    out[(site_id, label, which)] = float(value)
    return out
