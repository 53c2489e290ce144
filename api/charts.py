"""Small server-rendered SVG charts: lines over time and bars, with titled, labelled axes.

The page is drawn on the server so it needs no script and no charting library from elsewhere;
each chart is an accessible `<svg role="img">` with a title and a description, and each point or
bar carries a `<title>` with its exact value (a tooltip). Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

Value = float | int | None

#: Colours that stay apart for the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
WIDTH, HEIGHT = 640, 260
TOP, RIGHT, BOTTOM = 44, 16, 44


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[Value]


def nice_ticks(top: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2 or 5 times a power of ten);
    `whole`: steps of at least 1, for counts."""
    if top <= 0:
        return [0.0, 1.0]
    raw = max(top / count, 1.0) if whole else top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.1f}"


def _frame(title: str, desc: str, left: int, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f'<text x="{left}" y="18" font-size="14" font-weight="600" fill="#111">'
        f"{escape(title)}</text>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _y_axis(ticks: list[float], left: int, unit: str, y: Callable[[float], float]) -> list[str]:
    out = []
    for t in ticks:
        out.append(
            f'<line x1="{left}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
            f'stroke="#e5e7eb"/><text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" '
            f'fill="#374151">{escape(_fmt(t))}</text>'
        )
    mid = (TOP + HEIGHT - BOTTOM) / 2
    out.append(
        f'<text transform="translate(12 {mid:.0f}) rotate(-90)" text-anchor="middle" '
        f'fill="#374151">{escape(unit)}</text>'
    )
    return out


def _x_labels(labels: Sequence[str], x: Callable[[int], float], x_title: str) -> list[str]:
    every = max(1, math.ceil(len(labels) / 10))  # at most ten labels, never overlapping
    base = HEIGHT - BOTTOM
    out = [
        f'<text x="{x(i):.1f}" y="{base + 16}" text-anchor="middle" fill="#374151">'
        f"{escape(label)}</text>"
        for i, label in enumerate(labels)
        if i % every == 0
    ]
    centre = (x(0) + x(max(0, len(labels) - 1))) / 2
    out.append(
        f'<text x="{centre:.0f}" y="{HEIGHT - 6}" text-anchor="middle" fill="#6b7280">'
        f"{escape(x_title)}</text>"
    )
    return out


def _legend(series: Sequence[Series], left: int) -> list[str]:
    if len(series) < 2:
        return []
    out, at = [], left
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        out.append(
            f'<rect x="{at}" y="27" width="10" height="10" fill="{colour}"/>'
            f'<text x="{at + 14}" y="36" fill="#374151">{escape(s.name)}</text>'
        )
        at += 24 + 7 * len(s.name)
    return out


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str,
    x_title: str,
    y_max: float | None = None,
) -> Markup:
    """Lines over time; a missing value (None) breaks the line rather than drawing a zero."""
    left = 56
    values = [float(v) for s in series for v in s.values if v is not None]
    ticks = nice_ticks(max([*values, y_max or 0.0]) if values else (y_max or 1.0))
    top = ticks[-1]
    n = max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + 8 + (WIDTH - RIGHT - left - 16) * (i / n if len(labels) > 1 else 0.5)

    def y(v: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * (v / top)

    body = _y_axis(ticks, left, unit, y) + _x_labels(labels, x, x_title) + _legend(series, left)
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        run: list[str] = []
        for j, v in enumerate([*s.values, None]):
            if v is None:
                if len(run) > 1:
                    body.append(
                        f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                        f'points="{" ".join(run)}"/>'
                    )
                run = []
                continue
            run.append(f"{x(j):.1f},{y(float(v)):.1f}")
            body.append(
                f'<circle cx="{x(j):.1f}" cy="{y(float(v)):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(f'{s.name}, {labels[j]}: {_fmt(float(v))} {unit}')}</title>"
                "</circle>"
            )
    desc = f"{title}: {', '.join(s.name for s in series)} by {x_title}, in {unit}."
    return _frame(title, desc, left, body)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str,
    x_title: str,
    stacked: bool = False,
) -> Markup:
    """Vertical bars per label: side by side, or stacked (a total made of parts)."""
    left = 56
    totals = [
        sum(float(s.values[i] or 0) for s in series)
        if stacked
        else max((float(s.values[i] or 0) for s in series), default=0.0)
        for i in range(len(labels))
    ]
    ticks = nice_ticks(max(totals, default=0.0), whole=True)
    top = ticks[-1]
    slot = (WIDTH - RIGHT - left) / max(1, len(labels))

    def x(i: int) -> float:
        return left + slot * (i + 0.5)

    def y(v: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * (v / top)

    body = _y_axis(ticks, left, unit, y) + _x_labels(labels, x, x_title) + _legend(series, left)
    width = slot * 0.7 / (1 if stacked else max(1, len(series)))
    for i, label in enumerate(labels):
        base = 0.0
        for k, s in enumerate(series):
            v = float(s.values[i] or 0)
            x0 = x(i) - slot * 0.35 + (0 if stacked else k * width)
            lo, hi = (base, base + v) if stacked else (0.0, v)
            tip = escape(f"{s.name}, {label}: {_fmt(v)} {unit}")
            body.append(
                f'<rect x="{x0:.1f}" y="{y(hi):.1f}" width="{max(1.0, width - 1):.1f}" '
                f'height="{max(0.0, y(lo) - y(hi)):.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{tip}</title></rect>"
            )
            base = hi if stacked else base
    desc = f"{title}: {', '.join(s.name for s in series)} by {x_title}, in {unit}."
    return _frame(title, desc, left, body)


def hbar_chart(title: str, labels: Sequence[str], values: Sequence[Value], *, unit: str) -> Markup:
    """Horizontal bars, longest first as given, with the value at each bar's end: for
    categories with long names (fields, age buckets)."""
    left = 190
    top_v = nice_ticks(max((float(v or 0) for v in values), default=0.0), whole=True)[-1]
    row = (HEIGHT - TOP - 24) / max(1, len(labels))
    span = WIDTH - RIGHT - left - 40
    body = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        yy = TOP + i * row
        w = span * float(v or 0) / top_v
        body.append(
            f'<text x="{left - 8}" y="{yy + row / 2 + 4:.1f}" text-anchor="end" fill="#374151">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{yy + row * 0.15:.1f}" width="{w:.1f}" height="{row * 0.7:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(f"{label}: {_fmt(float(v or 0))} {unit}")}</title>'
            f'</rect><text x="{left + w + 6:.1f}" y="{yy + row / 2 + 4:.1f}" fill="#111">'
            f"{escape(_fmt(float(v or 0)))}</text>"
        )
    body.append(f'<text x="{left}" y="{HEIGHT - 6}" fill="#6b7280">{escape(unit)}</text>')
    return _frame(title, f"{title}, in {unit}.", 16, body)
