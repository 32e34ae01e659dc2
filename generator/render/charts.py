"""Small inline SVG charts, drawn at build time: no JavaScript, no chart library.

Each chart is one ``<svg>`` with a ``viewBox`` and ``width="100%"``, so it scales with the
column and stays readable on a 360 px phone; ``role="img"`` with ``<title>`` and ``<desc>``
names it for screen readers, and the page puts the same numbers in a table beside it. Every
mark carries ``data-label`` and ``data-value`` (the exact number from ``stats.json``). Series
differ by dash pattern and marker shape as well as colour, so a black-and-white print still
tells them apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from generator.core.money import format_yuan_short

WIDTH = 360
FONT = 15
SMALL = 13
TEXT_COLOUR = "#212121"
GRID_COLOUR = "#bdbdbd"
# Colour-blind-safe hues dark enough to print on grey-scale printers.
PALETTE = ("#1565c0", "#e65100", "#2e7d32", "#6a1b9a", "#c62828", "#00838f")
DASHES = ("", "7 3", "2 3", "9 3 2 3", "4 4", "12 4")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")

Formatter = Callable[[float], str]


# ---------------------------------------------------------------- number formats


def format_percent(value: float | None) -> str:
    """``85.3%`` from a rate (0.853)."""
    return "无预算" if value is None or value != value else f"{value * 100:.1f}%"


def _axis_number(value: float) -> str:
    if value >= 1e8:
        return f"{value / 1e8:g}亿"
    if value >= 1e4:
        return f"{value / 1e4:g}万"
    return f"{value:g}"


# ---------------------------------------------------------------- charts


def bar_chart(items: Sequence[tuple[str, float | None]], *, chart_id: str, title: str,
              value_text: Formatter = format_yuan_short, reference: float | None = None,
              reference_label: str = "") -> Markup:
    """Horizontal bars, one per (label, value): the label above its bar, the value after it.

    `reference` draws a dashed line at that value (e.g. 1.0 for a 100 % budget). A value of
    None is drawn as no bar with 无数据.
    """
    row, top, left, reserve = 46, 8, 4, 84
    values = [v for _, v in items if v is not None and v == v]
    scale_max = max([*values, reference or 0.0, 0.0]) or 1.0
    span = WIDTH - left - reserve
    height = top + row * len(items) + 8
    parts = [_open(chart_id, title, _describe(items, value_text), height)]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        parts.append(f'<text x="{left}" y="{y + 15}" font-size="{FONT}">{escape(label)}</text>')
        usable = value is not None and value == value
        length = max(0.0, (value or 0.0) / scale_max * span) if usable else 0.0
        parts.append(
            f'<rect class="bar" x="{left}" y="{y + 21}" width="{length:.1f}" height="16" '
            f'fill="{PALETTE[0]}" data-label="{escape(label)}" '
            f'data-value="{_data(value if usable else None)}"></rect>')
        shown = value_text(value if usable and value is not None else float("nan"))
        parts.append(f'<text x="{left + length + 5:.1f}" y="{y + 34}" font-size="{SMALL}">{escape(shown)}</text>')
    if reference is not None and items:
        x = left + reference / scale_max * span
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 6}" stroke="{TEXT_COLOUR}" '
                     f'stroke-dasharray="3 3" stroke-width="1"></line>')
        if reference_label:
            parts.append(f'<text x="{x - 3:.1f}" y="{height - 1}" font-size="{SMALL}" text-anchor="end">'
                         f'{escape(reference_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
               chart_id: str, title: str, value_text: Formatter = format_yuan_short,
               label_points: bool | None = None) -> Markup:
    """Lines over `x_labels` (e.g. years), one per (name, values); None leaves a gap.

    A legend under the plot names each series with its dash pattern and marker. With one
    series (or `label_points`), each point also shows its value.
    """
    left, right, top, plot_h, axis_h = 54, 20, 30, 160, 24
    legend_h = 22 * len(series) if len(series) > 1 else 0
    height = top + plot_h + axis_h + legend_h + 4
    label_points = len(series) == 1 if label_points is None else label_points
    values = [v for _, vs in series for v in vs if v is not None and v == v]
    ticks = nice_ticks(max(values) if values else 0.0)
    y_max = ticks[-1] or 1.0
    span = WIDTH - left - right

    def x_at(i: int) -> float:
        return left + span / 2 if len(x_labels) == 1 else left + 32 + i * (span - 64) / (len(x_labels) - 1)

    def y_at(v: float) -> float:
        return top + plot_h - v / y_max * plot_h

    desc = "；".join(f"{name}：" + "，".join(f"{x} {value_text(v) if v is not None else '无数据'}"
                                             for x, v in zip(x_labels, vs, strict=True))
                    for name, vs in series)
    parts = [_open(chart_id, title, desc, height)]
    for tick in ticks:
        y = y_at(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID_COLOUR}" '
                     f'stroke-width="0.6"></line>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="{SMALL}" text-anchor="end">'
                     f'{escape(_axis_number(tick))}</text>')
    for i, label in enumerate(x_labels):
        parts.append(f'<text x="{x_at(i):.1f}" y="{top + plot_h + 18}" font-size="{SMALL}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for s, (name, vs) in enumerate(series):
        colour, dash, marker = PALETTE[s % len(PALETTE)], DASHES[s % len(DASHES)], MARKERS[s % len(MARKERS)]
        points = [(x_at(i), y_at(v)) if v is not None and v == v else None for i, v in enumerate(vs)]
        for run in _runs(points):
            if len(run) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"'
                             + (f' stroke-dasharray="{dash}"' if dash else "") + "></polyline>")
        for i, v in enumerate(vs):
            if points[i] is None:
                continue
            x, y = points[i]  # type: ignore[misc]
            parts.append(_marker(marker, x, y, colour, name, x_labels[i], v))
            if label_points:
                parts.append(f'<text x="{x:.1f}" y="{y - 9:.1f}" font-size="{SMALL}" text-anchor="middle">'
                             f'{escape(value_text(v))}</text>')  # type: ignore[arg-type]
        if legend_h:
            y = top + plot_h + axis_h + 16 + 22 * s
            parts.append(f'<line x1="{left}" y1="{y - 4}" x2="{left + 28}" y2="{y - 4}" stroke="{colour}" '
                         f'stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "") + "></line>")
            parts.append(_marker(marker, left + 14, y - 4, colour, None, None, None))
            parts.append(f'<text x="{left + 36}" y="{y}" font-size="{SMALL}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """0 and up to `count` round steps (1, 2, 2.5, 5 × 10ⁿ) covering `maximum`."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < maximum - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


# ---------------------------------------------------------------- helpers


def _open(chart_id: str, title: str, desc: str, height: int) -> str:
    cid = escape(chart_id)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="yk-chart" id="{cid}" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
            f'aria-labelledby="{cid}-title {cid}-desc" font-family="inherit" fill="{TEXT_COLOUR}">'
            f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>')


def _describe(items: Sequence[tuple[str, float | None]], value_text: Formatter) -> str:
    return "；".join(f"{label}：{value_text(v) if v is not None else '无数据'}" for label, v in items)


def _data(value: float | None) -> str:
    """The exact number for data-value (empty when there is none)."""
    if value is None or value != value:
        return ""
    return repr(int(value)) if isinstance(value, int) else repr(float(value))


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [r for r in runs if r]


def _marker(shape: str, x: float, y: float, colour: str, series: str | None, label: str | None,
            value: float | None) -> str:
    data = "" if series is None else (f' class="point" data-series="{escape(series)}" '
                                      f'data-label="{escape(str(label))}" data-value="{_data(value)}"')
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"{data}></rect>'
    if shape == "triangle":
        return (f'<polygon points="{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y + 3.5:.1f} {x - 4.5:.1f},{y + 3.5:.1f}" '
                f'fill="{colour}"{data}></polygon>')
    if shape == "diamond":
        return (f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}" '
                f'fill="{colour}"{data}></polygon>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"{data}></circle>'
