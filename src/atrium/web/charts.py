"""Charts drawn by the server as SVG: no chart library and no script, so they obey the strict
CSP and read the same without JavaScript. Every label is escaped; colours come
from classes in app.css (an inline `style` would need 'unsafe-inline')."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

# The drawing's own coordinates; the <svg> scales to its container's width.
WIDTH = 720
HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 12, 16, 36
# At most this many day labels under the bars, so they never overlap at any width.
_MAX_X_LABELS = 10


@dataclass(frozen=True, slots=True)
class Point:
    """One bar: `label` goes under it, `title` is what a pointer or screen reader is told."""

    label: str
    value: float
    title: str


def compact(value: float) -> str:
    """1234 as 1.2k, 5_000_000 as 5M: short enough for an axis, whatever the size."""
    if not math.isfinite(value):
        return "∞" if value > 0 else "—"
    magnitude = abs(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= size:
            shown = value / size
            if abs(shown) >= 1000:  # beyond a thousand trillion: scientific, still short
                return f"{value:.1e}"
            return f"{shown:.1f}".removesuffix(".0") + suffix
    if magnitude == 0 or magnitude >= 1:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.2g}"


def _nice_top(highest: float) -> float:
    """The axis' top: 1, 2, 2.5 or 5 times a power of ten, at or above the highest bar."""
    if highest <= 0 or not math.isfinite(highest):
        return 1.0
    power = 10.0 ** math.floor(math.log10(highest))
    for step in (1, 2, 2.5, 5, 10):
        if highest <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop ends at 10


def bar_chart(
    points: Sequence[Point],
    *,
    title: str,
    axis: Callable[[float], str] = compact,
    empty: str = "Nothing to show for this period",
) -> Markup:
    """An <svg> with one bar per point, a y axis from 0 with three labelled ticks, the points'
    labels along x (thinned out so they never overlap) and a <title> on every bar."""
    # Markup("...").format escapes every argument: a label cannot become markup.
    parts = [
        Markup(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" '
            'preserveAspectRatio="xMidYMid meet" aria-label="{}"><title>{}</title>'
        ).format(WIDTH, HEIGHT, title, title)
    ]
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    base_y = _TOP + plot_h
    values = [p.value if math.isfinite(p.value) and p.value > 0 else 0.0 for p in points]
    top = _nice_top(max(values, default=0.0))
    for fraction in (0.0, 0.5, 1.0):
        y = base_y - fraction * plot_h
        parts.append(
            Markup(
                '<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>'
                '<text class="axis" x="{}" y="{:.1f}" text-anchor="end">{}</text>'
            ).format(_LEFT, WIDTH - _RIGHT, y, y, _LEFT - 6, y + 4, axis(top * fraction))
        )
    if not points:
        parts.append(
            Markup(
                '<text class="empty" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>'
            ).format(_LEFT + plot_w / 2, _TOP + plot_h / 2, empty)
        )
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    every = math.ceil(len(points) / _MAX_X_LABELS)
    for i, (point, value) in enumerate(zip(points, values, strict=True)):
        x = _LEFT + i * slot + (slot - bar_w) / 2
        h = plot_h * value / top
        # A bar of zero keeps a hairline, so a day without usage is still a place to point at.
        parts.append(
            Markup(
                '<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">'
                "<title>{}</title></rect>"
            ).format(x, base_y - h, bar_w, max(h, 0.5), point.title)
        )
        if i % every == 0:
            # Every other label is "minor": a narrow screen hides those (app.css), so the
            # larger text it needs still does not overlap.
            minor = " minor" if (i // every) % 2 else ""
            parts.append(
                Markup(
                    '<text class="axis{}" x="{:.1f}" y="{}" text-anchor="middle">{}</text>'
                ).format(minor, x + bar_w / 2, base_y + 26, point.label)
            )
    parts.append(
        Markup('<line class="baseline" x1="{}" x2="{}" y1="{}" y2="{}"/></svg>').format(
            _LEFT, WIDTH - _RIGHT, base_y, base_y
        )
    )
    return Markup("").join(parts)
