"""Charts for people: SVG for the web pages (svg.py), PNG for email (png.py).

Both draw the same three shapes — bars, grouped bars, and lines with an optional band
(the forecast's 10–90% range) — from plain labels and Decimal values. Values become floats
only for geometry; every number a reader sees is formatted from the Decimal by the caller's
formatter (the Translator's locale formats on the web).
"""

from arflow.charts.axis import Band, Series, nice_ticks

__all__ = ["Band", "Series", "nice_ticks"]
