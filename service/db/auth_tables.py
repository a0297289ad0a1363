"""Tables of the moderator UI (users, site assignments, login attempts)."""
from __future__ import annotations

from .tables import Base  # noqa: F401
