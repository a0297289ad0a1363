"""Tables of the platform integrations (connections, poll cursors, outbound deliveries)."""
from __future__ import annotations

from .tables import Base  # noqa: F401
