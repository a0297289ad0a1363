"""The deliveries page: decision webhooks and platform write-backs, dead letters, retry.

Admins see every site's deliveries; a moderator sees only their sites' (any other site's
delivery answers 404, listing or retry alike). Retrying uses the same function as the
JSON API and the CLI (`core.outbox.retry_delivery`).
"""
from __future__ import annotations

import logging

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ..core.outbox import delivery_wakeup, retry_delivery
from ..db.ids import id_below, maybe_id
from ..db.integration_tables import DELIVERY_DEAD, DELIVERY_STATES, Delivery
from ..db.tables import ModerationAction, Site
from ..integrations.common import auth_problems
from ..web import db
from .auth import actor_name, allowed_site_ids, can_see_site, current_user, login_required
from .blueprint import bp

log = logging.getLogger("colombe.notify")

DELIVERIES_PAGE = 50
STATUS_FILTERS = ("all", DELIVERY_DEAD, *(s for s in DELIVERY_STATES if s != DELIVERY_DEAD))
TARGET_NAMES = {"outbound": "Outbound webhook", "wordpress": "WordPress", "blogger": "Blogger", "disqus": "Disqus",
                "coral": "Coral", "perspective": "Perspective"}


def dead_delivery_count() -> int:
    """Dead letters on the sites the current user may see (shown in the navigation)."""
    if "dead_deliveries" not in g:
        user = current_user()
        if user is None:
            return 0
        q = select(func.count()).select_from(Delivery).where(Delivery.status == DELIVERY_DEAD)
        if not user.is_admin:  # an admin sees every site: no need for the IN list
            q = q.where(Delivery.site_id.in_(allowed_site_ids() or ["\x00"]))
        g.dead_deliveries = db().scalar(q) or 0
    return g.dead_deliveries


def _as_id(value) -> int | None:
    """A row id from a query string ("²" or a 40-digit number is not one)."""
    value = maybe_id(value)
    return value if value is not None and value >= 1 else None


def _list_args(source) -> dict:
    """The page's filters from a query string or a form, validated (unknown site → 404)."""
    site = (source.get("site") or "").strip()
    if site and site not in allowed_site_ids():
        abort(404)
    status = source.get("status") or "all"
    if status not in STATUS_FILTERS:
        status = "all"
    before = _as_id(source.get("before"))
    args = {"site": site, "status": status, "before": str(before) if before is not None else ""}
    return {k: v for k, v in args.items() if v and not (k == "status" and v == "all")}


@bp.get("/deliveries")
@login_required
def deliveries_page():
    session = db()
    site_ids = allowed_site_ids()
    args = _list_args(request.args)
    site, status, before = args.get("site"), args.get("status", "all"), args.get("before")
    q = (select(Delivery, ModerationAction)
         .outerjoin(ModerationAction, ModerationAction.id == Delivery.action_id))
    q = q.where(Delivery.site_id == site) if site else q.where(Delivery.site_id.in_(site_ids or ["\x00"]))
    if status != "all":
        q = q.where(Delivery.status == status)
    if before:
        q = q.where(id_below(Delivery.id, int(before)))
    rows = session.execute(q.order_by(Delivery.id.desc()).limit(DELIVERIES_PAGE + 1)).all()
    entries = rows[:DELIVERIES_PAGE]
    older = entries[-1][0].id if len(rows) > DELIVERIES_PAGE else None
    sites = session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids or ["\x00"]))
                            .order_by(Site.name)).all()
    filter_args = {k: v for k, v in args.items() if k != "before"}
    notice = None
    for key in ("retried", "not_retried"):
        value = _as_id(request.args.get(key))
        if value is not None:
            notice = (key, value)
    problems = auth_problems(session, site_ids or [])
    return render_template("deliveries.html", entries=entries, older=older, sites=sites, site_names=dict(sites),
                           auth_problems=problems,
                           site=site or "", status=status, statuses=STATUS_FILTERS, filter_args=filter_args,
                           before=before or "", target_names=TARGET_NAMES, notice=notice, dead=DELIVERY_DEAD)


@bp.post("/deliveries/<int:delivery_id>/retry")
@login_required
def delivery_retry(delivery_id: int):
    session = db()
    d = session.scalar(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    if d is None or not can_see_site(d.site_id):
        abort(404)
    back = _list_args(request.form)
    if d.status != DELIVERY_DEAD:  # delivered, or already queued again (a second click): change nothing
        session.rollback()
        return redirect(url_for("moderation.deliveries_page", **back, not_retried=delivery_id))
    retry_delivery(session, d)
    session.commit()
    delivery_wakeup.set()
    log.info("dead delivery queued again from the UI",
             extra={"delivery_id": delivery_id, "actor": actor_name(current_user())})
    return redirect(url_for("moderation.deliveries_page", **back, retried=delivery_id))
