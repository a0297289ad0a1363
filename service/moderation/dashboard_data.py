"""The dashboard's figures, each answering one question a moderator or site owner asks.

- What happened each day? comments in, approved / rejected automatically, held, decided by people.
- How long does a held comment wait? median time from arrival to a person's decision.
- How often do people overturn the automatic decisions, per label?
- Why are comments held? the labels behind holds, most frequent first.
Days and labels with nothing to show are left out (no rows of zeros).
"""
from __future__ import annotations

import statistics
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..db.tables import APPROVED, PENDING, REJECTED, Comment, ModerationAction, Site, utcnow

AUTO = "auto"
HUMAN_ACTIONS = ("approve", "reject")
DAYS = 14
WINDOW_DAYS = 30
MEDIAN_SAMPLE = 20_000  # the latest human decisions the median is computed on


def _labels(flags: str | None) -> list[str]:
    return [x for x in (flags or "").strip(",").split(",") if x]


def _human(column):
    return column != AUTO


def per_day(session, site_ids, today) -> list[dict]:
    since = datetime.combine(today - timedelta(days=DAYS - 1), time.min, tzinfo=timezone.utc)
    rows: dict[str, dict] = {}

    def row(d) -> dict:
        return rows.setdefault(str(d)[:10], {"in": 0, "auto_approved": 0, "auto_rejected": 0, "held": 0, "human": 0})

    day = func.date(Comment.received_at)
    for d, n in session.execute(select(day, func.count()).where(
            Comment.site_id.in_(site_ids), Comment.received_at >= since).group_by(day)):
        row(d)["in"] = n
    aday = func.date(ModerationAction.created_at)
    is_auto = ModerationAction.actor == AUTO
    for d, auto, action, to_status, n in session.execute(
            select(aday, is_auto, ModerationAction.action, ModerationAction.to_status, func.count())
            .where(ModerationAction.site_id.in_(site_ids), ModerationAction.created_at >= since)
            .group_by(aday, is_auto, ModerationAction.action, ModerationAction.to_status)):
        r = row(d)
        if auto:
            key = {APPROVED: "auto_approved", REJECTED: "auto_rejected", PENDING: "held"}.get(to_status)
            if key:
                r[key] += n
        elif action in HUMAN_ACTIONS:
            r["human"] += n
    out = []
    for i in range(DAYS):
        d = (today - timedelta(days=DAYS - 1 - i)).isoformat()
        r = rows.get(d)
        if r and any(r.values()):
            out.append({"day": d, **r})
    return out


def median_wait(session, site_ids, since) -> tuple[float | None, int]:
    """Median seconds from a comment's arrival to a person's decision (decisions since `since`)."""
    rows = session.execute(
        select(ModerationAction.created_at, Comment.received_at)
        .join(Comment, Comment.id == ModerationAction.comment_id)
        .where(ModerationAction.site_id.in_(site_ids), ModerationAction.created_at >= since,
               _human(ModerationAction.actor), ModerationAction.action.in_(HUMAN_ACTIONS))
        .order_by(ModerationAction.id.desc()).limit(MEDIAN_SAMPLE)).all()
    waits = [(a - r).total_seconds() for a, r in rows if a is not None and r is not None]
    waits = [w for w in waits if w >= 0]
    return (statistics.median(waits) if waits else None), len(waits)


def overturns(session, site_ids, since) -> dict:
    """Per label: automatic holds / rejections, how many people reviewed, how many they overturned."""
    human = aliased(ModerationAction)
    auto = aliased(ModerationAction)
    latest = (select(func.max(ModerationAction.id).label("id"))
              .where(ModerationAction.site_id.in_(site_ids), ModerationAction.created_at >= since,
                     _human(ModerationAction.actor), ModerationAction.action.in_(HUMAN_ACTIONS))
              .group_by(ModerationAction.comment_id).subquery())
    reviewed = session.execute(
        select(auto.to_status, human.to_status, Comment.flag_labels, func.count(func.distinct(human.id)))
        .select_from(human).join(latest, latest.c.id == human.id)
        .join(auto, and_(auto.comment_id == human.comment_id, auto.actor == AUTO, auto.id < human.id))
        .join(Comment, Comment.id == human.comment_id)
        .group_by(auto.to_status, human.to_status, Comment.flag_labels)).all()
    totals = session.execute(
        select(ModerationAction.to_status, Comment.flag_labels, func.count())
        .join(Comment, Comment.id == ModerationAction.comment_id)
        .where(ModerationAction.site_id.in_(site_ids), ModerationAction.created_at >= since,
               ModerationAction.actor == AUTO)
        .group_by(ModerationAction.to_status, Comment.flag_labels)).all()
    labels: dict[str, dict] = {}

    def entry(label):
        return labels.setdefault(label, {"held": 0, "held_reviewed": 0, "held_approved": 0,
                                         "rejected": 0, "rejected_reviewed": 0, "rejected_approved": 0})
    approved_auto = {"total": 0, "reviewed": 0, "rejected": 0}
    for to_status, flags, n in totals:
        if to_status == APPROVED:
            approved_auto["total"] += n
        for label in _labels(flags):
            if to_status == PENDING:
                entry(label)["held"] += n
            elif to_status == REJECTED:
                entry(label)["rejected"] += n
    for auto_status, human_status, flags, n in reviewed:
        if auto_status == APPROVED:
            approved_auto["reviewed"] += n
            approved_auto["rejected"] += n if human_status == REJECTED else 0
            continue
        for label in _labels(flags):
            kind = "held" if auto_status == PENDING else "rejected" if auto_status == REJECTED else None
            if kind:
                e = entry(label)
                e[f"{kind}_reviewed"] += n
                e[f"{kind}_approved"] += n if human_status == APPROVED else 0
    rows = [{"label": k, **v} for k, v in labels.items() if v["held"] or v["rejected"]]
    rows.sort(key=lambda r: -(r["held"] + r["rejected"]))
    return {"labels": rows, "approved": approved_auto}


def hold_reasons(rows: list[dict]) -> list[tuple[str, int]]:
    total = [(r["label"], r["held"]) for r in rows if r["held"]]
    return sorted(total, key=lambda kv: -kv[1])[:8]


def dashboard_data(session, site_ids: list[str]) -> dict:
    sites = dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all())
    now = utcnow()
    pending = dict(session.execute(select(Comment.site_id, func.count()).where(
        Comment.site_id.in_(site_ids), Comment.status == PENDING).group_by(Comment.site_id)).all())
    queue_rows = sorted(((sites.get(s, s), pending.get(s, 0)) for s in sites), key=lambda r: -r[1])
    since = now - timedelta(days=WINDOW_DAYS)
    median_s, decided = median_wait(session, site_ids, since)
    over = overturns(session, site_ids, since)
    throughput = session.execute(
        select(ModerationAction.actor, func.count()).where(
            ModerationAction.site_id.in_(site_ids), ModerationAction.created_at >= now - timedelta(days=7),
            ModerationAction.actor.like("user:%"), ModerationAction.action.in_(HUMAN_ACTIONS))
        .group_by(ModerationAction.actor).order_by(func.count().desc()).limit(20)).all()
    versions = session.execute(
        select(Comment.model_version, func.count()).where(
            Comment.site_id.in_(site_ids), Comment.received_at >= since, Comment.model_version.is_not(None))
        .group_by(Comment.model_version).order_by(func.count().desc()).limit(10)).all()
    return {
        "queue_rows": [r for r in queue_rows if r[1]], "queue_total": sum(pending.values()),
        "days": per_day(session, site_ids, now.date()), "median_s": median_s, "decided": decided,
        "overturns": over["labels"], "approved_auto": over["approved"], "hold_reasons": hold_reasons(over["labels"]),
        "throughput": [tuple(r) for r in throughput], "versions": [tuple(r) for r in versions], "computed_at": now,
    }


def duration(seconds: float | None, lang: str = "en") -> str:
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h".replace(".", "," if lang == "fr" else ".")
    return (f"{seconds / 86400:.1f} j" if lang == "fr" else f"{seconds / 86400:.1f} d").replace(".", "," if lang == "fr" else ".")


def percent(part: int, whole: int, lang: str = "en") -> str:
    if not whole:
        return "–"
    return f"{100 * part / whole:.0f}" + ("\u00a0%" if lang == "fr" else "%")
