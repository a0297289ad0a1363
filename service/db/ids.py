"""Database ids are 32-bit INTEGER columns: the one place that says so."""
from __future__ import annotations

ID_MAX = 2**31 - 1  # the largest id a row can have


def valid_id(value: int) -> bool:
    """Whether `value` can be a row id (1 .. ID_MAX)."""
    return 0 < value <= ID_MAX


def clamp_id(value) -> int:
    """An id from user input, clamped into a range the driver accepts: a huge number then
    simply matches nothing (one past `ID_MAX`) instead of overflowing the database driver.
    Raises ValueError / TypeError like int() for non-numbers."""
    return max(-1, min(int(value), ID_MAX + 1))
