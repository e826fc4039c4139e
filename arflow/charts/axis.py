"""What every chart shares: the data shapes and a value axis with round tick marks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

Number = Decimal | int | float


@dataclass(frozen=True)
class Series:
    """One named line or group of bars; ``values`` align with the chart's labels."""

    name: str
    values: Sequence[Number | None]  # None: no value at this label (a gap in a line)


@dataclass(frozen=True)
class Band:
    """A shaded range under a line, e.g. the forecast's 10% and 90% quantiles."""

    name: str
    low: Sequence[Number]
    high: Sequence[Number]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (always including 0 when the range does).

    Steps are 1, 2, 2.5 or 5 times a power of ten, so axis labels read as round numbers
    in any locale. An empty range (all zeros) still gets an axis 0..1.
    """
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        high = low + 1.0
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def floats(values: Sequence[Number | None]) -> list[float | None]:
    """Geometry only: the pixel position of a value (never shown as a number)."""
    return [None if v is None else float(v) for v in values]


def extent(*groups: Sequence[Number | None]) -> tuple[float, float]:
    """The smallest and largest value over all groups (0, 0 when there is none)."""
    seen = [float(v) for group in groups for v in group if v is not None]
    return (min(seen), max(seen)) if seen else (0.0, 0.0)
