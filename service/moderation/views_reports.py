"""The audit log page and the dashboard."""
from __future__ import annotations

import threading
import time as _time
from datetime import datetime, time, timedelta, timezone

from flask import abort, render_template, request
from sqlalchemy import func, select

from ..db.tables import APPROVED, PENDING, REJECTED, Comment, ModerationAction, Site, utcnow
from ..web import db
from ..db.auth_tables import User, UserSite
from .auth import allowed_site_ids, current_user, login_required
from .blueprint import bp
from .charts import bar_chart, stacked_bars
from .explain import model_info
from .i18n import label_name
from ..db.ids import id_below, maybe_id

AUDIT_PAGE = 100
AUDIT_ACTIONS = ("approve", "reject", "hold", "undo")


@bp.get("/audit")
@login_required
def audit_page():
    session = db()
    site_ids = allowed_site_ids()
    site = (request.args.get("site") or "").strip()
    moderator = (request.args.get("moderator") or "").strip()[:255]
    action = (request.args.get("action") or "").strip()
    before = request.args.get("before", "")
    if site and site not in site_ids:
        abort(404)
    q = select(ModerationAction)
    q = q.where(ModerationAction.site_id == site) if site else q.where(ModerationAction.site_id.in_(site_ids or ["\x00"]))
    if moderator:
        q = q.where(ModerationAction.actor == (moderator if ":" in moderator or moderator in ("auto", "api")
                                               else f"user:{moderator}"))
    if action in AUDIT_ACTIONS:
        q = q.where(ModerationAction.action == action)
    before_id = maybe_id(before)
    if before_id is not None:
        q = q.where(id_below(ModerationAction.id, before_id))
    rows = list(session.scalars(q.order_by(ModerationAction.id.desc()).limit(AUDIT_PAGE + 1)))
    entries = rows[:AUDIT_PAGE]
    older = entries[-1].id if len(rows) > AUDIT_PAGE else None
    sites = session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids or ["\x00"])).order_by(Site.name)).all()
    site_names = dict(sites)
    actors = [f"user:{name}" for name in _visible_usernames(session, site_ids)]
    args = {k: v for k, v in (("site", site), ("moderator", moderator), ("action", action)) if v}
    return render_template("audit.html", entries=entries, older=older, sites=sites, site_names=site_names,
                           actors=actors, actions=AUDIT_ACTIONS, site=site, moderator=moderator, action=action,
                           args=args)


def _visible_usernames(session, site_ids) -> list[str]:
    """Admins see every account; a moderator sees the people who share one of their sites."""
    user = current_user()
    if user.is_admin:
        return list(session.scalars(select(User.username).order_by(User.username)))
    return list(session.scalars(
        select(User.username).join(UserSite, UserSite.user_id == User.id)
        .where(UserSite.site_id.in_(site_ids or ["\x00"])).distinct().order_by(User.username)))


DASHBOARD_TTL_S = 60.0  # the dashboard aggregates whole tables: recompute at most once a minute
_dash_lock = threading.Lock()
_dash_cache: dict[tuple, tuple[float, dict]] = {}


@bp.get("/dashboard")
@login_required
def dashboard_page():
    site_ids = tuple(allowed_site_ids()) or ("\x00",)
    key = (db().get_bind().url.render_as_string(hide_password=True), site_ids)
    with _dash_lock:
        hit = _dash_cache.get(key)
    if hit is None or _time.monotonic() - hit[0] > DASHBOARD_TTL_S or request.args.get("fresh"):
        data = dashboard_data(db(), list(site_ids))
        with _dash_lock:
            _dash_cache[key] = (_time.monotonic(), data)
            for old in [k for k, (t, _) in _dash_cache.items() if _time.monotonic() - t > DASHBOARD_TTL_S * 5]:
                _dash_cache.pop(old, None)
    else:
        data = hit[1]
    info = model_info()
    return render_template(
        "dashboard.html",
        queue_chart=bar_chart(data["queue_rows"], css="warn"),
        decisions_chart=stacked_bars(data["decisions"], ("ok", "warn", "bad")),
        labels_chart=stacked_bars([(label_name(label), [round(h, 1), round(r, 1)]) for label, h, r in data["label_rows"]],
                                  ("warn", "bad"), suffix="%"),
        throughput_chart=bar_chart([(actor.split(":", 1)[1], n) for actor, n in data["throughput"]]),
        versions=data["versions"], model_version=info["version"], total_scored=data["total_scored"],
        computed_at=data["computed_at"],
    )


def dashboard_data(session, site_ids: list[str]) -> dict:
    sites = dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all())
    now = utcnow()
    today = now.date()

    # queue size per site
    pending = dict(session.execute(select(Comment.site_id, func.count()).where(
        Comment.site_id.in_(site_ids), Comment.status == PENDING).group_by(Comment.site_id)).all())
    queue_rows = [(sites.get(s, s), pending.get(s, 0)) for s in sites]
    queue_rows.sort(key=lambda r: -r[1])

    # decisions per day, last 14 days (approved / held / rejected; automatic and human)
    since = datetime.combine(today - timedelta(days=13), time.min, tzinfo=timezone.utc)
    day = func.date(ModerationAction.created_at)
    per_day: dict[str, dict[str, int]] = {}
    for d, to_status, n in session.execute(
            select(day, ModerationAction.to_status, func.count())
            .where(ModerationAction.site_id.in_(site_ids), ModerationAction.created_at >= since,
                   ModerationAction.to_status.in_((APPROVED, REJECTED, PENDING)))
            .group_by(day, ModerationAction.to_status)).all():
        per_day.setdefault(str(d)[:10], {})[to_status] = n
    days = [(today - timedelta(days=13 - i)).isoformat() for i in range(14)]
    decisions = [(d[5:], [per_day.get(d, {}).get(APPROVED, 0), per_day.get(d, {}).get(PENDING, 0),
                          per_day.get(d, {}).get(REJECTED, 0)]) for d in days]

    # share held / rejected per label, comments received in the last 30 days
    since30 = now - timedelta(days=30)
    total_scored = 0
    by_label: dict[str, dict[str, int]] = {}
    versions: dict[str, int] = {}
    for flags, status, version, n in session.execute(
            select(Comment.flag_labels, Comment.status, Comment.model_version, func.count())
            .where(Comment.site_id.in_(site_ids), Comment.received_at >= since30, Comment.scored_at.is_not(None))
            .group_by(Comment.flag_labels, Comment.status, Comment.model_version)).all():
        total_scored += n
        if version:
            versions[version] = versions.get(version, 0) + n
        for label in (flags or "").strip(",").split(","):
            if label and status in (PENDING, REJECTED):
                by_label.setdefault(label, {PENDING: 0, REJECTED: 0})[status] += n
    label_rows = sorted(((label, counts[PENDING] / total_scored * 100 if total_scored else 0.0,
                          counts[REJECTED] / total_scored * 100 if total_scored else 0.0)
                         for label, counts in by_label.items()), key=lambda r: -(r[1] + r[2]))

    # moderator throughput, last 7 days
    since7 = now - timedelta(days=7)
    throughput = session.execute(
        select(ModerationAction.actor, func.count()).where(
            ModerationAction.site_id.in_(site_ids), ModerationAction.created_at >= since7,
            ModerationAction.actor.like("user:%"), ModerationAction.action.in_(("approve", "reject")))
        .group_by(ModerationAction.actor).order_by(func.count().desc()).limit(20)).all()
    return {
        "queue_rows": queue_rows, "decisions": decisions, "label_rows": label_rows,
        "throughput": [tuple(r) for r in throughput], "total_scored": total_scored,
        "versions": sorted(versions.items(), key=lambda kv: -kv[1])[:10], "computed_at": now,
    }
