"""Database ids are 32-bit INTEGER columns: the one place that says so.

An id from user input (query string, JSON body, cursor) goes through `parse_id`, then
into a query through `id_is` / `id_in` / `id_below` / `id_above`: a number the column
cannot hold simply matches nothing (or everything, for an upper bound), and is never
bound as a parameter (PostgreSQL casts parameters to INTEGER and would raise
"integer out of range": a 500).
"""
from __future__ import annotations

from sqlalchemy import false, true

ID_MAX = 2**31 - 1  # the largest id a row can have (PostgreSQL INTEGER)
_MAX_DIGITS = 40  # longer strings are not worth converting


def valid_id(value) -> bool:
    """Whether `value` can be a row id: an int (not a bool) in 1 .. ID_MAX."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX


def parse_id(value) -> int:
    """An integer from user input: an int (not a bool), or a string of ASCII digits with an
    optional leading minus. Raises ValueError for anything else (floats such as 1e999,
    superscripts such as "²", which `str.isdigit` accepts, booleans, empty strings). The
    result may lie outside the id range: compare it with the helpers below."""
    if isinstance(value, bool):
        raise ValueError("an id must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if digits and len(digits) <= _MAX_DIGITS and digits.isascii() and digits.isdigit():
            return int(text)
    raise ValueError("an id must be an integer")


def maybe_id(value) -> int | None:
    """`parse_id`, or None when the value is not an integer."""
    try:
        return parse_id(value)
    except ValueError:
        return None


def id_is(column, value: int):
    """`column == value`, false when no row can have that id."""
    return column == value if valid_id(value) else false()


def id_in(column, values):
    """`column IN values`, keeping only values a row can have (false when none)."""
    keep = sorted({v for v in values if valid_id(v)})
    return column.in_(keep) if keep else false()


def id_below(column, value: int):
    """`column < value` (a keyset "before" bound)."""
    if value > ID_MAX:
        return true()
    if value <= 1:
        return false()
    return column < value


def id_above(column, value: int):
    """`column > value` (a keyset "after" bound)."""
    if value >= ID_MAX:
        return false()
    if value < 1:
        return true()
    return column > value
