"""PNG charts for email: real images, and no crash on empty data."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image

from arflow.charts import Band, Series
from arflow.charts.png import bar_png, can_draw, cjk_font, line_png

PNG = b"\x89PNG\r\n\x1a\n"


def test_bar_and_line_charts_are_png_images() -> None:
    bars = bar_png(["current", "1-30"], Series("open", [Decimal("10.5"), Decimal("3")]),
                   title="Ageing")
    line = line_png(["W1", "W2", "W3"], Series("expected", [1, 2, 3]), title="Forecast",
                    band=Band("10-90%", [0, 1, 2], [2, 3, 4]))
    for data in (bars, line):
        assert data.startswith(PNG)
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (720, 320)


def test_empty_data_still_draws() -> None:
    assert bar_png([], Series("x", []), title="none").startswith(PNG)
    assert line_png([], Series("x", []), title="none").startswith(PNG)
    assert line_png(["a", "b"], Series("x", [None, 0]), title="gap").startswith(PNG)


def test_chinese_labels_only_with_a_cjk_font() -> None:
    assert can_draw("Ageing")
    assert can_draw("账龄") is (cjk_font() is not None)
