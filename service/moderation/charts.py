"""Tiny server-side SVG charts (no script, no inline style: CSP-friendly)."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 520
LABEL_W = 130
ROW_H = 22
VALUE_W = 110


def _fmt(v: float, suffix: str) -> str:
    return (f"{v:g}" if isinstance(v, float) else str(v)) + suffix


def bar_chart(rows, css: str = "", suffix: str = "") -> Markup:
    """Horizontal bars: [(label, value)]."""
    return stacked_bars([(label, [value]) for label, value in rows], (css,), suffix)


def stacked_bars(rows, classes, suffix: str = "") -> Markup:
    """Horizontal stacked bars: [(label, [v1, v2, ...])], one css class per segment."""
    if not rows:
        return Markup('<p class="muted">–</p>')
    biggest = max((sum(values) for _, values in rows), default=0) or 1
    span = WIDTH - LABEL_W - VALUE_W
    height = ROW_H * len(rows) + 4
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, values) in enumerate(rows):
        y = i * ROW_H + 2
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end">{escape(str(label)[:22])}</text>')
        x = float(LABEL_W)
        for j, v in enumerate(values):
            w = span * (v / biggest) if v else 0
            if w > 0:
                cls = escape(classes[j % len(classes)])
                parts.append(f'<rect class="bar {cls}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW_H - 8}">'
                             f'<title>{escape(str(label))}: {escape(_fmt(v, suffix))}</title></rect>')
            x += w
        total = " / ".join(_fmt(v, suffix) for v in values)
        parts.append(f'<text x="{x + 5:.1f}" y="{y + 14}">{escape(total)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
