"""Jinja filters: times, scores, reasons."""
from __future__ import annotations

from datetime import datetime, timezone

from .i18n import colon, current_lang, gettext as _, label_name


def fmt_time(dt: datetime | None) -> str:
    if dt is None:
        return ""
    dt = dt.astimezone(timezone.utc)
    if current_lang() == "fr":
        return dt.strftime("%d/%m/%Y %H:%M UTC")
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def iso(dt: datetime | None) -> str:
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if dt else ""


def fmt_score(value) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return "–"


def fmt_precise(value) -> str:
    """Scores and thresholds in reasons: enough digits that 0.0015 ≥ 0.0012 does not read 0.00 ≥ 0.00."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    if v == 0 or v >= 0.1:
        return f"{v:.2f}"
    if v >= 0.01:
        return f"{v:.3f}"
    return f"{v:.2g}" if v < 0.0001 else f"{v:.4f}"


def _pair(reason: dict) -> tuple[str, str]:
    """A reason's score and threshold with the digits it takes for them to read differently."""
    from .score_view import pair

    try:
        return pair(float(reason.get("score")), float(reason.get("threshold")))
    except (TypeError, ValueError):
        return fmt_precise(reason.get("score")), fmt_precise(reason.get("threshold"))


def reason_text(reason: dict) -> str:
    """One held/rejected reason as a sentence fragment a moderator understands."""
    if not isinstance(reason, dict):
        return str(reason)
    kind = reason.get("kind")
    label = label_name(reason.get("label", ""))
    if kind == "approve_below":
        score, threshold = _pair(reason)
        return f"{label} {score} ≥ {threshold} ({_('hold threshold')})"
    if kind == "reject_above":
        score, threshold = _pair(reason)
        return f"{label} {score} > {threshold} ({_('reject threshold')})"
    if kind in ("banned_word", "suspect_word"):
        words = ", ".join(f"« {w} »" for w in reason.get("words") or [])
        return f"{_(kind.replace('_', ' '))}{colon()} {words}"
    if kind == "author_trusted":
        return _("trusted author") + f" ({_('moderator rule')})"
    if kind == "author_held":
        return _("author always held") + f" ({_('moderator rule')})"
    if kind == "trusted_author":
        return f"{_('trusted author')} ({reason.get('approved')} {_('approved_count')})"
    return label or kind or "?"


def sanitized(markup: str | None):
    """Stored comment HTML, sanitized again at display time (defence in depth)."""
    from markupsafe import Markup

    from ..core.html import sanitize_html

    return Markup(sanitize_html(markup or ""))


def register_filters(app) -> None:
    app.jinja_env.filters.update(fmt_time=fmt_time, iso=iso, fmt_score=fmt_score, fmt_precise=fmt_precise,
                                 reason_text=reason_text, label_name=label_name,
                                 sanitized=sanitized)
