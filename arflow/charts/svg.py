"""Hand-written SVG charts for the web pages: bars (single, grouped or stacked) and lines
with an optional shaded band.

No JavaScript and no chart library: the page is served as it is, prints, and reads in a
screen reader. Each chart is ``role="img"`` with a ``<title>`` and ``<desc>`` it is
labelled by, and every bar and point carries its own ``<title>`` ("1–30: ¥12,345.00"), so
the figures are there for a reader who cannot see the shapes. Numbers on the axis and in
the tooltips come from ``fmt`` (the Translator's locale formats on the web).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from arflow.charts.axis import Band, Number, Series, extent, floats, nice_ticks

Format = Callable[[Number], str]
PALETTE = ("#1f5fbf", "#c0362c", "#2f855a", "#b7791f", "#6b46c1", "#667085")
BAND_FILL = "#1f5fbf"
_ids = itertools.count(1)


def _plain(value: Number) -> str:
    return f"{value:,}"


class _Frame:
    """The plot area inside the margins, and the value -> y mapping of its axis."""

    def __init__(self, width: int, height: int, ticks: list[float], legend: bool) -> None:
        self.left, self.right = 78, width - 30
        self.top, self.bottom = (36 if legend else 14), height - 46
        self.low, self.high = ticks[0], ticks[-1]
        self.ticks = ticks

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        return self.bottom - (value - self.low) / span * (self.bottom - self.top)


def _open(kind: str, width: int, height: int, title: str, desc: str) -> tuple[list[str], str]:
    uid = f"chart{next(_ids)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'style="max-width:100%;height:auto" '
        f'aria-labelledby="{uid}-title {uid}-desc">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(desc or title)}</desc>',
    ]
    return parts, uid


def _axes(parts: list[str], frame: _Frame, labels: Sequence[str], xs: list[float],
          fmt: Format) -> None:
    """Grid lines with value labels; category labels under the plot (thinned if crowded)."""
    parts.append('<g class="axis axis-y">')
    for tick in frame.ticks:
        y = frame.y(tick)
        parts.append(f'<line x1="{frame.left}" x2="{frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#e4e7ec" stroke-width="1"/>')
        parts.append(f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt(_tick_value(tick)))}</text>')
    parts.append("</g>")
    # thin the labels until they fit side by side (≈6 px a character at 11 px)
    widest = max((len(label) for label in labels), default=0) * 6 + 6
    every = max(1, math.ceil(len(labels) * widest / max(1, frame.right - frame.left)))
    parts.append('<g class="axis axis-x">')
    for index, (label, x) in enumerate(zip(labels, xs, strict=True)):
        if index % every == 0:
            anchor = "end" if x + len(label) * 3 > frame.right + 28 else "middle"
            parts.append(f'<text x="{x:.1f}" y="{frame.bottom + 18}" text-anchor="{anchor}">'
                         f"{escape(label)}</text>")
    parts.append(f'<line x1="{frame.left}" x2="{frame.right}" y1="{frame.y(0):.1f}" '
                 f'y2="{frame.y(0):.1f}" stroke="#98a2b3" stroke-width="1"/></g>')


def _tick_value(tick: float) -> Number:
    """Ticks are round: show whole ones as integers so no ".00" clutters the axis."""
    return int(tick) if float(tick).is_integer() else tick


def _legend(parts: list[str], names: Sequence[tuple[str, str, str]]) -> None:
    """(name, colour, shape) entries in a row above the plot."""
    x = 78
    parts.append('<g class="legend">')
    for name, colour, shape in names:
        if shape == "band":
            parts.append(f'<rect x="{x}" y="10" width="14" height="10" fill="{colour}" '
                         f'fill-opacity="0.18"/>')
        else:
            parts.append(f'<rect x="{x}" y="10" width="14" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="19">{escape(name)}</text>')
        x += 26 + 7 * len(name) + 6 * sum(1 for c in name if ord(c) > 0x2E80)
    parts.append("</g>")


def bar_chart(labels: Sequence[str], series: Series | Sequence[Series], *, title: str,
              desc: str = "", fmt: Format = _plain, axis: Format | None = None,
              stacked: bool = False, width: int = 640, height: int = 280) -> Markup:
    """Bars per label: one series plain, several side by side (or ``stacked``).

    ``fmt`` formats each bar's value (its tooltip); ``axis`` the round tick values
    (default ``fmt``; e.g. whole numbers when the title names the currency)."""
    groups = [series] if isinstance(series, Series) else list(series)
    for group in groups:
        if len(group.values) != len(labels):
            raise ValueError(f"series {group.name!r}: {len(group.values)} values "
                             f"for {len(labels)} labels")
    if stacked:
        sums = [sum(float(g.values[i] or 0) for g in groups) for i in range(len(labels))]
        low, high = extent(sums, *(g.values for g in groups))
    else:
        low, high = extent(*(g.values for g in groups))
    legend = len(groups) > 1
    frame = _Frame(width, height, nice_ticks(low, high), legend)
    parts, _ = _open("bar", width, height, title, desc)
    slot = (frame.right - frame.left) / max(1, len(labels))
    xs = [frame.left + slot * (i + 0.5) for i in range(len(labels))]
    _axes(parts, frame, labels, xs, axis or fmt)
    if legend:
        _legend(parts, [(g.name, PALETTE[i % len(PALETTE)], "bar") for i, g in enumerate(groups)])
    lanes = 1 if stacked else len(groups)
    bar = slot * 0.7 / lanes
    parts.append('<g class="bars">')
    base = [0.0] * len(labels)
    for lane, group in enumerate(groups):
        colour = PALETTE[lane % len(PALETTE)]
        for i, (label, raw, value) in enumerate(zip(labels, group.values, floats(group.values),
                                                     strict=True)):
            if value is None:
                continue
            start = base[i] if stacked else 0.0
            x = xs[i] - slot * 0.35 + (0 if stacked else lane * bar)
            y1, y2 = frame.y(start + value), frame.y(start)
            top, size = min(y1, y2), abs(y2 - y1)
            name = f"{group.name} · {label}" if legend else label
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{size:.1f}" fill="{colour}" data-value="{escape(str(raw))}">'
                f"<title>{escape(name)}: {escape(fmt(raw))}</title></rect>"  # type: ignore[arg-type]
            )
            if stacked:
                base[i] += value
    parts.append("</g></svg>")
    return Markup("".join(parts))


def line_chart(labels: Sequence[str], series: Series | Sequence[Series], *, title: str,
               desc: str = "", fmt: Format = _plain, axis: Format | None = None,
               band: Band | None = None, width: int = 640, height: int = 280) -> Markup:
    """Lines over labels (months, weeks), with ``band`` shaded behind the first line."""
    lines = [series] if isinstance(series, Series) else list(series)
    for values, name in [(s.values, s.name) for s in lines] + (
            [(band.low, band.name), (band.high, band.name)] if band else []):
        if len(values) != len(labels):
            raise ValueError(f"{name!r}: {len(values)} values for {len(labels)} labels")
    low, high = extent(*(s.values for s in lines), *((band.low, band.high) if band else ()))
    legend = len(lines) > 1 or band is not None
    frame = _Frame(width, height, nice_ticks(low, high), legend)
    parts, _ = _open("line", width, height, title, desc)
    step = (frame.right - frame.left) / max(1, len(labels) - 1)
    xs = ([frame.left + step * i for i in range(len(labels))] if len(labels) > 1
          else [(frame.left + frame.right) / 2] * len(labels))
    _axes(parts, frame, labels, xs, axis or fmt)
    entries = [(s.name, PALETTE[i % len(PALETTE)], "line") for i, s in enumerate(lines)]
    if band is not None:
        entries.append((band.name, BAND_FILL, "band"))
        upper = [f"{x:.1f},{frame.y(float(v)):.1f}" for x, v in zip(xs, band.high, strict=True)]
        lower = [f"{x:.1f},{frame.y(float(v)):.1f}" for x, v in zip(xs, band.low, strict=True)]
        if upper:
            parts.append(f'<polygon class="band" points="{" ".join(upper + lower[::-1])}" '
                         f'fill="{BAND_FILL}" fill-opacity="0.18" stroke="none">'
                         f"<title>{escape(band.name)}</title></polygon>")
    if legend:
        _legend(parts, entries)
    for index, line in enumerate(lines):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<g class="series" data-name="{escape(line.name)}">')
        for path in _runs(xs, floats(line.values), frame):
            parts.append(f'<polyline class="line" points="{path}" fill="none" '
                         f'stroke="{colour}" stroke-width="2"/>')
        for label, x, raw in zip(labels, xs, line.values, strict=True):
            if raw is None:
                continue
            parts.append(f'<circle class="point" cx="{x:.1f}" cy="{frame.y(float(raw)):.1f}" '
                         f'r="3" fill="{colour}" data-value="{escape(str(raw))}">'
                         f"<title>{escape(label)}: {escape(fmt(raw))}</title></circle>")
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _runs(xs: list[float], values: list[float | None], frame: _Frame) -> list[str]:
    """The unbroken stretches of a line (a None value is a gap, not a drop to zero)."""
    runs: list[list[str]] = [[]]
    for x, value in zip(xs, values, strict=True):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(f"{x:.1f},{frame.y(value):.1f}")
    return [" ".join(run) for run in runs if len(run) > 1]
