"""Keyset pagination of comment lists (the moderation queue), shared by the JSON API and
the UI: sort orders, opaque cursors, one page."""
from __future__ import annotations

import base64
import binascii
import json
import math

from sqlalchemy import and_, or_

from ..db.ids import id_above, id_below
from ..db.tables import Comment

SORTS = ("priority", "oldest", "newest")


def ordered_page(q, sort: str, cursor: list | None, limit: int):
    """Order `q` by `sort` and continue after `cursor` ([priority, id]); one extra row tells
    whether another page follows. Uses the (site, status, priority, id) and (site, status,
    id) indexes, so a page costs the same at any depth."""
    if sort == "priority":
        if cursor:
            p, cid = float(cursor[0]), cursor[1]
            q = q.where(or_(Comment.priority < p, and_(Comment.priority == p, id_below(Comment.id, cid))))
        q = q.order_by(Comment.priority.desc(), Comment.id.desc())
    elif sort == "oldest":
        if cursor:
            q = q.where(id_above(Comment.id, cursor[1]))
        q = q.order_by(Comment.id.asc())
    else:
        if cursor:
            q = q.where(id_below(Comment.id, cursor[1]))
        q = q.order_by(Comment.id.desc())
    return q.limit(limit + 1)


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> list:
    """A cursor made by `encode_cursor`; ValueError for anything else."""
    padded = raw + "=" * (-len(raw) % 4)
    try:
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError("cursor is not one this API returned") from None
    if not isinstance(values, list) or len(values) != 2 or not isinstance(values[1], int) \
            or isinstance(values[1], bool):
        raise ValueError("cursor is not one this API returned")
    if values[0] is not None:  # a priority: a finite number (10**400 or a bool is not one)
        try:
            if isinstance(values[0], bool) or not math.isfinite(float(values[0])):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise ValueError("cursor is not one this API returned") from None
    return values


def cursor_after(c: Comment, sort: str) -> str:
    """The cursor of the page that follows comment `c` in this sort order."""
    return encode_cursor([c.priority if sort == "priority" else None, c.id])
