"""Server-side SVG charts: small, readable at a glance, accessible, no JavaScript.

Each chart is an inline <svg role="img"> with a <title> and a <desc> that says in words what it
shows; the report puts the numbers in a table next to it as well. Colours come from the
Okabe-Ito palette (distinguishable with colour-blindness) and values are written on the bars,
so nothing depends on colour alone. All text is passed in by the caller (German labels live in
labels_de.yml).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

from markupsafe import Markup, escape

FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\""
INK = "#1a1a1a"
MUTED = "#5a5a5a"
GRID = "#d9d9d9"
OK = "#0072B2"  # blue
BAD = "#B8420B"  # dark orange-red, 4.5:1 against white
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#999999")


@dataclass(frozen=True)
class Bar:
    label: str
    value: Optional[float]  # None: no value (drawn as a hatched full-width bar)
    text: str  # what is written beside the bar, e.g. "21 Tage"
    alert: bool = False  # drawn in the alert colour (and `text` should say why)


def _header(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT} font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def nice_step(value: float) -> float:
    """A round step of at least `value` (1, 2, 5 x 10^n)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if value <= step * power)


def axis(maximum: float, count: int = 5) -> tuple[float, list[float]]:
    """The axis end and the ticks for values up to `maximum`: whole, round steps."""
    step = nice_step(max(maximum, 1) / count)
    top = math.ceil(max(maximum, 1) / step) * step
    return top, [step * i for i in range(round(top / step) + 1)]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def horizontal_bars(
    chart_id: str,
    bars: Sequence[Bar],
    title: str,
    desc: str,
    axis_label: str,
    reference: Optional[tuple[float, str]] = None,
    label_width: Optional[int] = None,
    width: int = 760,
) -> Markup:
    """One bar per row, value written at its end; an optional dashed reference line
    (e.g. the 14-day promise) with its label on top. Labels get the room their text needs."""
    if label_width is None:
        label_width = max(120, int(7.4 * max((len(b.label) for b in bars), default=10)) + 16)
    row, top, bottom = 26, 34 if reference else 12, 40
    height = top + row * max(len(bars), 1) + bottom
    text_room = 12 + 7.5 * max((len(b.text) for b in bars), default=4)
    plot_left, plot_right = label_width, width - max(int(text_room), 50)
    values = [b.value for b in bars if b.value is not None]
    maximum, ticks = axis(max(values + ([reference[0] * 1.2] if reference else []) + [1]))
    scale = (plot_right - plot_left) / maximum

    def x(value: float) -> float:
        return plot_left + value * scale

    out = _header(chart_id, width, height, title, desc)
    out.append(f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
               'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3d5c8"/>'
               f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAD}" stroke-width="2"/></pattern></defs>')
    axis_y = top + row * len(bars)
    for tick in ticks:
        out.append(f'<line x1="{x(tick):.1f}" y1="{top - 4}" x2="{x(tick):.1f}" y2="{axis_y}" stroke="{GRID}"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{axis_y + 16}" text-anchor="middle" fill="{MUTED}">{_fmt(tick)}</text>')
    out.append(f'<text x="{(plot_left + plot_right) / 2:.1f}" y="{axis_y + 34}" text-anchor="middle" '
               f'fill="{MUTED}">{escape(axis_label)}</text>')
    for i, bar in enumerate(bars):
        y = top + i * row
        out.append(f'<text x="{plot_left - 8}" y="{y + 17}" text-anchor="end" fill="{INK}">{escape(bar.label)}</text>')
        if bar.value is None:
            out.append(f'<rect x="{plot_left}" y="{y + 4}" width="{plot_right - plot_left}" height="{row - 8}" '
                       f'fill="url(#{chart_id}-hatch)"/>')
            end: float = plot_right
        else:
            length = max(bar.value * scale, 2.0)
            colour = BAD if bar.alert else OK
            out.append(f'<rect x="{plot_left}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" fill="{colour}" rx="2"/>')
            end = plot_left + length
        weight = ' font-weight="700"' if bar.alert else ""
        out.append(f'<text x="{end + 6:.1f}" y="{y + 17}" fill="{BAD if bar.alert else INK}"{weight}>{escape(bar.text)}</text>')
    if reference is not None:
        value, label = reference
        out.append(f'<line x1="{x(value):.1f}" y1="{top - 8}" x2="{x(value):.1f}" y2="{axis_y}" stroke="{INK}" '
                   f'stroke-width="2" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{x(value):.1f}" y="{top - 14}" text-anchor="middle" fill="{INK}" font-weight="700">'
                   f'{escape(label)}</text>')
    out.append(f'<line x1="{plot_left}" y1="{top - 4}" x2="{plot_left}" y2="{axis_y}" stroke="{INK}"/>')
    out.append("</svg>")
    return Markup("\n".join(out))  # noqa: S704 (every text in `out` went through escape())


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def stacked_columns(
    chart_id: str,
    categories: Sequence[str],
    series: Sequence[Series],
    title: str,
    desc: str,
    axis_label: str,
    width: int = 960,
) -> Markup:
    """Columns per category (e.g. day), stacked by series (e.g. channel), total on top, legend
    above the plot."""
    height, top, bottom, left, right = 300, 44, 48, 48, 12
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    maximum, ticks = axis(max([*totals, 1]), 4)
    plot_h = height - top - bottom
    plot_w = width - left - right
    slot = plot_w / max(len(categories), 1)
    column = min(slot * 0.7, 48)

    def y(value: float) -> float:
        return top + plot_h - value / maximum * plot_h

    out = _header(chart_id, width, height, title, desc)
    legend_x = left
    for index, s in enumerate(series):
        colour = SERIES[index % len(SERIES)]
        out.append(f'<rect x="{legend_x}" y="8" width="14" height="14" fill="{colour}"/>')
        out.append(f'<text x="{legend_x + 20}" y="20" fill="{INK}">{escape(s.name)}</text>')
        legend_x += 30 + 8 * len(s.name) + 20
    for tick in ticks:
        out.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" y2="{y(tick):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">{_fmt(tick)}</text>')
    every = max(1, math.ceil(64 / slot))  # a label needs about 64 px
    for i, category in enumerate(categories):
        cx = left + slot * i + slot / 2
        base = 0
        for index, s in enumerate(series):
            value = s.values[i]
            if value:
                out.append(f'<rect x="{cx - column / 2:.1f}" y="{y(base + value):.1f}" width="{column:.1f}" '
                           f'height="{y(base) - y(base + value):.1f}" fill="{SERIES[index % len(SERIES)]}">'
                           f'<title>{escape(category)}: {escape(s.name)} {value}</title></rect>')
            base += value
        if totals[i]:
            out.append(f'<text x="{cx:.1f}" y="{y(totals[i]) - 4:.1f}" text-anchor="middle" fill="{INK}" '
                       f'font-size="11">{totals[i]}</text>')
        if i % every == 0:
            out.append(f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="{MUTED}" '
                       f'font-size="11">{escape(category)}</text>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}"/>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" fill="{MUTED}">'
               f'{escape(axis_label)}</text>')
    out.append("</svg>")
    return Markup("\n".join(out))  # noqa: S704 (every text in `out` went through escape())
