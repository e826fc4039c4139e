"""The same charts as PNG, for email: mail clients do not show inline SVG, PNG they all do.

matplotlib with the Agg backend (no display; safe in the scheduler's threads when each
chart owns its Figure and nothing touches pyplot's global state). Chinese labels need a
CJK font: ``CJK_FONT`` names one if the machine has it; without one, ``can_draw`` says so
and the caller keeps the PNG's labels in English (a missing glyph would print as boxes).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from functools import cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402 - the backend is chosen first
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from arflow.charts.axis import Band, Number, Series, floats  # noqa: E402

PALETTE = ("#1f5fbf", "#c0362c", "#2f855a", "#b7791f", "#6b46c1", "#667085")
_CJK_NAMES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
              "WenQuanYi Micro Hei", "AR PL UMing CN", "Droid Sans Fallback", "SimHei")
_LOCK = threading.Lock()  # font lookups and text layout share matplotlib caches


@cache
def cjk_font() -> str | None:
    """The first installed font family that draws Chinese, or None."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_NAMES if name in installed), None)


def can_draw(text: str) -> bool:
    """Whether ``text`` renders here: ASCII always, CJK only with a CJK font."""
    return text.isascii() or cjk_font() is not None


def _family() -> list[str]:
    """The fonts every text of a chart is set in: the CJK one first when there is one."""
    return [cjk_font(), "DejaVu Sans"] if cjk_font() else ["DejaVu Sans"]


def _legend(axes: object) -> None:
    """The series' names, in the chart's fonts (the default font has no Chinese)."""
    axes.legend(frameon=False,  # type: ignore[attr-defined]
                prop={"family": _family(), "size": 8})


def _figure(title: str) -> tuple[Figure, object]:
    family = _family()
    figure = Figure(figsize=(7.2, 3.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=11, fontfamily=family)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#e4e7ec", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _finish(figure: Figure, axes: object, labels: Sequence[str],
            fmt: Callable[[Number], str]) -> bytes:
    family = _family()
    every = max(1, -(-len(labels) // 12))
    axes.set_xticks(range(len(labels)))  # type: ignore[attr-defined]
    axes.set_xticklabels([label if i % every == 0 else "" for i, label in enumerate(labels)],
                         fontsize=8, fontfamily=family)  # type: ignore[attr-defined]
    axes.yaxis.set_major_formatter(  # type: ignore[attr-defined]
        FuncFormatter(lambda value, _pos: fmt(int(value) if value.is_integer() else value)))
    axes.tick_params(axis="y", labelsize=8)  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def bar_png(labels: Sequence[str], series: Series | Sequence[Series], *, title: str,
            fmt: Callable[[Number], str] = lambda v: f"{v:,}") -> bytes:
    """Bars per label (side by side for several series), as PNG bytes."""
    groups = [series] if isinstance(series, Series) else list(series)
    with _LOCK:
        figure, axes = _figure(title)
        width = 0.7 / max(1, len(groups))
        for lane, group in enumerate(groups):
            offset = (lane - (len(groups) - 1) / 2) * width
            heights = [v or 0.0 for v in floats(group.values)]
            axes.bar([i + offset for i in range(len(labels))], heights,  # type: ignore[attr-defined]
                     width=width, color=PALETTE[lane % len(PALETTE)], label=group.name)
        if len(groups) > 1:
            _legend(axes)
        return _finish(figure, axes, labels, fmt)


def line_png(labels: Sequence[str], series: Series | Sequence[Series], *, title: str,
             band: Band | None = None,
             fmt: Callable[[Number], str] = lambda v: f"{v:,}") -> bytes:
    """Lines over labels with ``band`` shaded behind them, as PNG bytes."""
    lines = [series] if isinstance(series, Series) else list(series)
    with _LOCK:
        figure, axes = _figure(title)
        xs = list(range(len(labels)))
        if band is not None and labels:
            axes.fill_between(xs, [float(v) for v in band.low],  # type: ignore[attr-defined]
                              [float(v) for v in band.high], color=PALETTE[0], alpha=0.18,
                              linewidth=0, label=band.name)
        for index, line in enumerate(lines):
            values = [float("nan") if v is None else v for v in floats(line.values)]
            axes.plot(xs, values, color=PALETTE[index % len(PALETTE)],  # type: ignore[attr-defined]
                      linewidth=2, marker="o", markersize=3, label=line.name)
        if len(lines) > 1 or band is not None:
            _legend(axes)
        if not labels:
            axes.set_ylim(0, 1)  # type: ignore[attr-defined]
        return _finish(figure, axes, labels, fmt)
