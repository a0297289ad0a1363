"""The queue page, the actions the page's script calls, highlight spans and the thread view."""
from __future__ import annotations

from flask import abort, jsonify, render_template, request
from sqlalchemy import select

from ..core.status_changes import REASONS, change_status, moderate
from ..core.threads import UI_MAX_DEPTH, build_tree, flatten_tree, thread_members
from ..db.ids import id_in, maybe_id, parse_id, valid_id
from ..db.tables import Comment, ModerationAction, Post, Site
from ..web import db, log_comment_ids
from .auth import actor_name, allowed_site_ids, can_see_site, current_user, login_required
from .blueprint import bp
from .explain import model_info, spans_for
from .queue_page import (BULK_CAP, PAGE_SIZE, SORTS, TABS, QueueFilter, cursor_after, fetch_page, filtered, load_context,
                         parse_cursor, tab_counts)
from .views_authors import rules_for
from .score_view import score_rows, site_policies, suggest_reason, why_heading

ACTIONS = ("approve", "reject", "undo")
TAB_NAMES = {"pending": "Pending", "approved": "Approved", "rejected": "Rejected", "spam": "Spam", "all": "All"}
EMPTY_PENDING = "The queue is empty. Nice work! New comments that need you will appear here."
EMPTY_OTHER = "No comment here for this filter."


def _sites_for_filters(site_ids):
    if not site_ids:
        return []
    return db().execute(select(Site.id, Site.name).where(Site.id.in_(site_ids)).order_by(Site.name)).all()


@bp.get("/queue")
@login_required
def queue_page():
    session = db()
    site_ids = allowed_site_ids()
    f, errors = QueueFilter.from_args(request.args)
    if f.site and f.site not in site_ids:
        abort(404)
    cursor = parse_cursor(request.args.get("after"), f.sort)
    rows = fetch_page(session, f, site_ids, cursor, PAGE_SIZE)
    comments = rows[:PAGE_SIZE]
    next_after = cursor_after(comments[-1], f.sort) if len(rows) > PAGE_SIZE else None
    ctx = load_context(session, comments)
    counts = tab_counts(session, f, site_ids)
    total, capped = counts[f.status]["n"], counts[f.status]["capped"]
    post = None
    if f.post:
        post_id = maybe_id(f.post)
        post = session.get(Post, post_id) if valid_id(post_id) else None
        if post is None or post.site_id not in site_ids:
            abort(404)
    info = model_info()
    labels = list(info["labels"]) or sorted({k for c in comments for k in (c.scores or {})})
    log_comment_ids(c.id for c in comments)
    return render_template(
        "queue.html", comments=comments, ctx=ctx, f=f, errors=errors, next_after=next_after, first_page=cursor is None,
        total=total, capped=capped, sites=_sites_for_filters(site_ids), labels=labels + ["banned_word", "suspect_word"],
        tabs=TABS, counts=counts, sorts=SORTS, reasons=REASONS, post=post, policies=site_policies(session, ctx.sites),
        model_version=info["version"], suggest_reason=suggest_reason, score_rows=score_rows, why_heading=why_heading,
        post_link_args={k: v for k, v in f.args().items() if k not in ("post", "after")},
        tab_args={k: v for k, v in f.args().items() if k not in ("status", "after")},
        tab_names=TAB_NAMES, author_rules=rules_for(session, comments),
        empty_message=EMPTY_PENDING if f.status == "pending" else EMPTY_OTHER,
    )


def _counts_json(counts: dict) -> dict:
    return {tab: c["n"] for tab, c in counts.items()}, [tab for tab, c in counts.items() if c["capped"]]


@bp.get("/ui/counts")
@login_required
def counts():
    """The status-tab counts for a filter (the page refreshes its numbers with this)."""
    f, errors = QueueFilter.from_args(request.args)
    site_ids = allowed_site_ids()
    if errors:
        return jsonify({"error": "invalid_filter", "message": "some filter fields are invalid",
                        "fields": {k: "invalid value" for k in errors}}), 422
    if f.site and f.site not in site_ids:
        return jsonify({"error": "not_found", "message": "no such site"}), 404
    n, capped = _counts_json(tab_counts(db(), f, site_ids))
    return jsonify({"counts": n, "capped": capped})


def _visible_comments(ids) -> list[Comment]:
    site_ids = allowed_site_ids()
    if not ids or not site_ids:
        return []
    return list(db().scalars(select(Comment).where(id_in(Comment.id, ids), Comment.site_id.in_(site_ids))
                             .order_by(Comment.id)))


def _undo(session, comment: Comment, user) -> bool:
    """Revert the comment's last moderator decision (a moderator undoes only their own)."""
    last = session.scalar(select(ModerationAction).where(ModerationAction.comment_id == comment.id)
                          .order_by(ModerationAction.id.desc()).limit(1))
    if last is None or last.action not in ("approve", "reject") or not last.actor.startswith("user:"):
        return False
    if not user.is_admin and last.actor != actor_name(user):
        return False
    if comment.status != last.to_status:
        return False
    change_status(session, comment, last.from_status, actor=actor_name(user), action="undo",
                  reason=last.reason, details={"undid": last.id})
    if isinstance(last.details, dict) and last.details.get("marked_spam") and comment.flag_labels:
        comment.flag_labels = comment.flag_labels.replace(",spam,", ",") if comment.flag_labels != ",spam," else None
    return True


@bp.post("/ui/actions")
@login_required
def act():
    """Approve / reject / undo one or several comments, or all comments matching a filter."""
    user = current_user()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "invalid", "message": "send a JSON object"}), 400
    action = body.get("action")
    reason = body.get("reason") or None
    if action not in ACTIONS:
        return jsonify({"error": "invalid", "message": "action must be approve, reject or undo"}), 422
    if action == "reject" and reason not in REASONS:
        return jsonify({"error": "invalid", "message": f"reason must be one of {', '.join(REASONS)}"}), 422
    if action != "reject":
        reason = None
    session = db()
    if body.get("all_matching"):
        if action == "undo":
            return jsonify({"error": "invalid", "message": "undo takes ids"}), 422
        raw_filter = body.get("filter")
        if raw_filter is not None and not isinstance(raw_filter, dict):
            return jsonify({"error": "invalid", "message": "filter must be an object"}), 422
        f, errors = QueueFilter.from_args(raw_filter or {})
        if errors:  # a filter field we cannot apply would widen the action: refuse it
            return jsonify({"error": "invalid_filter", "message": "some filter fields are invalid",
                            "fields": {k: "invalid value" for k in errors}}), 422
        if f.site and f.site not in allowed_site_ids():
            return jsonify({"error": "not_found", "message": "no such site"}), 404
        q = filtered(f, allowed_site_ids()).order_by(Comment.id).limit(BULK_CAP)
        comments = list(session.scalars(q))
    else:
        raw_ids = body.get("ids")
        if not isinstance(raw_ids, list) or not raw_ids or len(raw_ids) > BULK_CAP:
            return jsonify({"error": "invalid", "message": "ids must be a non-empty list"}), 422
        try:
            ids = sorted({parse_id(i) for i in raw_ids})
        except ValueError:
            return jsonify({"error": "invalid", "message": "ids must be integers"}), 422
        comments = _visible_comments(ids)
        if not comments:
            return jsonify({"error": "not_found", "message": "no such comment"}), 404
    results = []
    actor = actor_name(user)
    for c in comments:
        before = c.status
        if action == "undo":
            ok = _undo(session, c, user)
        elif c.status == {"approve": "approved", "reject": "rejected"}[action]:
            ok = False  # already there: no duplicate audit row
        else:
            entry = moderate(session, c, action, actor=actor, reason=reason)
            if reason == "spam" and ",spam," not in (c.flag_labels or ""):
                # rejected as spam by a person: it belongs in the Spam tab (undo takes the mark back)
                c.flag_labels = (c.flag_labels or ",") + "spam,"
                entry.details = {"marked_spam": True}
            ok = True
        results.append({"id": c.id, "ok": ok, "from": before, "status": c.status})
    session.commit()
    log_comment_ids(c.id for c in comments)
    out = {"action": action, "count": sum(r["ok"] for r in results), "results": results}
    view = body.get("view")  # the page's filter: its tab counts come back fresh with the answer
    if isinstance(view, dict):
        vf, verrors = QueueFilter.from_args(view)
        if not verrors and (not vf.site or vf.site in allowed_site_ids()):
            out["counts"], out["capped"] = _counts_json(tab_counts(session, vf, allowed_site_ids()))
    return jsonify(out)


@bp.get("/ui/spans")
@login_required
def spans():
    raw = (request.args.get("ids") or "").split(",")
    try:
        ids = sorted({parse_id(x) for x in raw if x.strip()})[:50]
    except ValueError:
        return jsonify({"error": "invalid", "message": "ids must be integers"}), 422
    comments = _visible_comments(ids)
    ctx = load_context(db(), comments)
    out = {}
    for c in comments:
        post = ctx.posts.get(c.post_id)
        parent = ctx.parents.get(c.parent_id)
        out[str(c.id)] = spans_for(c, post.title if post else None, parent.text if parent else None)
    return jsonify({"spans": out})


@bp.get("/comments/<int:comment_id>")
@login_required
def thread_page(comment_id: int):
    session = db()
    c = session.get(Comment, comment_id)
    if c is None or not can_see_site(c.site_id):
        abort(404)
    post = session.get(Post, c.post_id) if c.post_id else None
    members = thread_members(session, c, post, limit=2000)
    steps = flatten_tree(build_tree(members, max_depth=UI_MAX_DEPTH))
    site_name = session.scalar(select(Site.name).where(Site.id == c.site_id))
    history = list(session.scalars(select(ModerationAction).where(ModerationAction.comment_id == c.id)
                                   .order_by(ModerationAction.id)))
    log_comment_ids([c.id])
    return render_template("thread.html", focus=c, post=post, steps=steps, site_name=site_name, reasons=REASONS,
                           history=history, count=len(members), policy=site_policies(session, [c.site_id]).get(c.site_id),
                           suggest_reason=suggest_reason)
