"""The audit log page and the dashboard."""
from __future__ import annotations

import threading
import time as _time

from flask import abort, render_template, request
from sqlalchemy import select

from ..db.tables import ModerationAction, Site
from ..web import db
from ..db.auth_tables import User, UserSite
from .auth import allowed_site_ids, current_user, login_required
from .blueprint import bp
from .views_authors import recent_events
from .charts import bar_chart
from .dashboard_data import DAYS, WINDOW_DAYS, dashboard_data, duration, percent
from .explain import model_info
from .i18n import current_lang
from ..db.ids import id_below, maybe_id

AUDIT_PAGE = 100
AUDIT_ACTIONS = ("approve", "reject", "hold", "undo")
RULE_NAMES = {"trust": "trusted author", "hold": "always held", "": "no rule"}


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
    author_events = recent_events(session, [site] if site else site_ids) if not (action or before) else []
    if moderator:
        author_events = [e for e in author_events if e.actor == f"user:{moderator}" or e.actor == moderator]
    return render_template("audit.html", entries=entries, older=older, sites=sites, site_names=site_names,
                           actors=actors, actions=AUDIT_ACTIONS, site=site, moderator=moderator, action=action,
                           args=args, author_events=author_events, rule_names=RULE_NAMES)


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
    lang = current_lang()
    return render_template(
        "dashboard.html", d=data, model_version=info["version"],
        queue_chart=bar_chart(data["queue_rows"], css="warn"),
        throughput_chart=bar_chart([(actor.split(":", 1)[1], n) for actor, n in data["throughput"]]),
        median=duration(data["median_s"], lang), pct=lambda a, b: percent(a, b, lang),
        window_days=WINDOW_DAYS, days_shown=DAYS,
    )
