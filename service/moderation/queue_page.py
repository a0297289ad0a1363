"""One page of the moderator queue: filters, keyset pagination (`core.pagination`), and
batch loading of what each item shows.

Every query is restricted to the sites the user may see. The page loads its items with
one keyset query, then posts, parents, sites and author counts with one query each.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, load_only

from ..core.pagination import SORTS, cursor_after, decode_cursor, ordered_page  # noqa: F401  (re-exported for the views)
from ..db.ids import id_is, maybe_id
from ..db.tables import APPROVED, PENDING, REJECTED, STATUSES, Comment, Post, Site

SPAM = "spam"  # a tab, not a stored status: rejected comments flagged as spam
UI_STATUSES = (PENDING, APPROVED, REJECTED, SPAM, "all")
_SPAM_FLAG = "%,spam,%"
PAGE_SIZE = 25
COUNT_CAP = 1_000  # beyond this the page says "1000+" (an exact count would scan the table)
BULK_CAP = 10_000


@dataclass
class QueueFilter:
    site: str = ""
    post: str = ""  # Colombe post id
    label: str = ""
    lang: str = ""
    status: str = PENDING
    sort: str = "priority"
    q: str = ""
    author: str = ""  # author key (hash), from the "all their comments" link
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def from_args(cls, args) -> tuple["QueueFilter", dict]:
        errors = {}
        f = cls(**{fld.name: str(args.get(fld.name) or "").strip()[:200] for fld in fields(cls)
                   if args.get(fld.name) is not None})
        if f.status not in UI_STATUSES and f.status != "received":
            errors["status"] = f.status
            f.status = PENDING
        if f.sort not in SORTS:
            errors["sort"] = f.sort
            f.sort = "priority"
        if f.post and (maybe_id(f.post) or 0) < 1:
            errors["post"] = f.post
            f.post = ""
        for name in ("date_from", "date_to"):
            value = getattr(f, name)
            if value:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    errors[name] = value
                    setattr(f, name, "")
        if f.lang and not f.lang.replace("-", "").isalnum():
            errors["lang"] = f.lang
            f.lang = ""
        return f, errors

    def args(self, **changes) -> dict:
        """Non-default values, for links and hidden form fields."""
        data = {**asdict(self), **changes}
        defaults = asdict(QueueFilter())
        return {k: v for k, v in data.items() if v and v != defaults.get(k)}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _status_clause(q, status: str, raw: bool = False):
    """Rejected and Spam split the rejected comments: flagged spam or not (`raw`: the stored status only)."""
    if status == "all":
        return q
    if raw:
        return q.where(Comment.status == status)
    if status == SPAM:
        return q.where(Comment.status == REJECTED, Comment.flag_labels.like(_SPAM_FLAG))
    if status == REJECTED:
        return q.where(Comment.status == REJECTED,
                       or_(Comment.flag_labels.is_(None), ~Comment.flag_labels.like(_SPAM_FLAG)))
    return q.where(Comment.status == status)


def filtered(f: QueueFilter, site_ids: list[str], raw_status: bool = False):
    """SELECT of the comments matching the filter, within the given sites (no order)."""
    q = select(Comment)
    if f.site:
        q = q.where(Comment.site_id == (f.site if f.site in site_ids else "\x00none"))
    elif len(site_ids) == 1:
        q = q.where(Comment.site_id == site_ids[0])
    else:
        q = q.where(Comment.site_id.in_(site_ids or ["\x00none"]))
    q = _status_clause(q, f.status, raw_status)
    if f.post:
        q = q.where(id_is(Comment.post_id, maybe_id(f.post)))
    if f.label:
        q = q.where(Comment.flag_labels.like(f"%,{_like_escape(f.label)},%", escape="\\"))
    if f.lang:
        q = q.where(Comment.lang == f.lang)
    if f.author:
        q = q.where(Comment.author_key == f.author)
    if f.q:
        pattern = f"%{_like_escape(f.q)}%"
        q = q.where(or_(Comment.text.ilike(pattern, escape="\\"), Comment.author_name.ilike(pattern, escape="\\")))
    if f.date_from:
        start = datetime.combine(date.fromisoformat(f.date_from), time.min, tzinfo=timezone.utc)
        q = q.where(Comment.received_at >= start)
    if f.date_to:
        end = datetime.combine(date.fromisoformat(f.date_to) + timedelta(days=1), time.min, tzinfo=timezone.utc)
        q = q.where(Comment.received_at < end)
    return q


def fetch_page(session: Session, f: QueueFilter, site_ids: list[str], cursor: list | None, limit: int) -> list[Comment]:
    """One page (plus one row to know whether another page follows).

    With status "all" there is no index on (priority, id) alone, so each status is read
    through its own (status, priority, id) index and the short lists are merged here.
    """
    if f.status != "all":
        return list(session.scalars(ordered_page(filtered(f, site_ids), f.sort, cursor, limit)))
    rows: list[Comment] = []
    for status in STATUSES:
        part = QueueFilter(**{**asdict(f), "status": status})
        rows += session.scalars(ordered_page(filtered(part, site_ids, raw_status=True), f.sort, cursor, limit))
    if f.sort == "priority":
        rows.sort(key=lambda c: (-c.priority, -c.id))
    else:
        rows.sort(key=lambda c: c.id, reverse=f.sort == "newest")
    return rows[: limit + 1]


def parse_cursor(raw: str | None, sort: str) -> list | None:
    if not raw:
        return None
    try:
        cursor = decode_cursor(raw)
    except ValueError:
        return None
    if sort == "priority" and not isinstance(cursor[0], (int, float)):
        return None
    return cursor


def count_matching(session: Session, f: QueueFilter, site_ids: list[str]) -> tuple[int, bool]:
    """How many comments match, capped (counting 100,000 rows on every page view is waste)."""
    inner = filtered(f, site_ids).with_only_columns(Comment.id).limit(COUNT_CAP + 1).subquery()
    n = session.scalar(select(func.count()).select_from(inner)) or 0
    return min(n, COUNT_CAP), n > COUNT_CAP


TABS = (PENDING, APPROVED, REJECTED, SPAM, "all")


def tab_counts(session: Session, f: QueueFilter, site_ids: list[str]) -> dict[str, dict]:
    """The count of every status tab, with the other filters of `f` (site, post, label, search, dates).

    One query reads at most COUNT_CAP + 1 matching comments of any status: when that is all
    of them (most sites, most filters) every tab is exact from it. Otherwise "All" is
    over the cap, and each status tab is counted on its own (capped, through its index).
    """
    every = QueueFilter(**{**asdict(f), "status": "all"})
    is_spam = and_(Comment.status == REJECTED, Comment.flag_labels.like(_SPAM_FLAG))
    sample = (filtered(every, site_ids).with_only_columns(Comment.status, is_spam.label("is_spam"))
              .limit(COUNT_CAP + 1).subquery())
    rows = session.execute(select(sample.c.status, sample.c.is_spam, func.count())
                           .group_by(sample.c.status, sample.c.is_spam)).all()
    total = sum(n for _, _, n in rows)
    if total <= COUNT_CAP:
        out = {tab: {"n": 0, "capped": False} for tab in TABS}
        for status, spam, n in rows:
            tab = SPAM if spam else status
            if tab in out:
                out[tab]["n"] += n
        out["all"]["n"] = total
        return out
    out = {}
    for tab in TABS[:-1]:
        n, capped = count_matching(session, QueueFilter(**{**asdict(f), "status": tab}), site_ids)
        out[tab] = {"n": n, "capped": capped}
    out["all"] = {"n": COUNT_CAP, "capped": True}
    return out


# ---- what each item shows --------------------------------------------------------------

@dataclass
class Context:
    posts: dict
    parents: dict
    sites: dict
    authors: dict  # (site_id, author_key) -> {"approved": n, "rejected": n}


def load_context(session: Session, comments: list[Comment]) -> Context:
    post_ids = {c.post_id for c in comments if c.post_id}
    parent_ids = {c.parent_id for c in comments if c.parent_id}
    site_ids = {c.site_id for c in comments}
    posts = {}
    if post_ids:
        posts = {p.id: p for p in session.scalars(
            select(Post).options(load_only(Post.id, Post.title, Post.url, Post.external_id, Post.site_id))
            .where(Post.id.in_(post_ids)))}
    parents = {}
    if parent_ids:
        parents = {p.id: p for p in session.execute(
            select(Comment.id, Comment.site_id, Comment.text, Comment.author_name, Comment.status)
            .where(Comment.id.in_(parent_ids))).all()}
    sites = {}
    if site_ids:
        sites = dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all())
    authors: dict = {}
    keys = {c.author_key for c in comments if c.author_key}
    if keys:
        rows = session.execute(
            select(Comment.site_id, Comment.author_key, Comment.status, func.count())
            .where(Comment.site_id.in_(site_ids), Comment.author_key.in_(keys),
                   Comment.status.in_((APPROVED, REJECTED)))
            .group_by(Comment.site_id, Comment.author_key, Comment.status)).all()
        for site_id, key, status, n in rows:
            authors.setdefault((site_id, key), {APPROVED: 0, REJECTED: 0})[status] = n
    return Context(posts, parents, sites, authors)

