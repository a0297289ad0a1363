"""Platform write-back of decisions (outbound webhooks, WordPress, Blogger, Disqus).

`on_status_change` runs inside the transaction that changes a comment's status, so
a notification is recorded exactly when the decision is (transactional outbox).
"""
from __future__ import annotations


def on_status_change(session, comment, action) -> None:
    """Record what must be sent to the platform about this decision (nothing yet)."""
    return None
