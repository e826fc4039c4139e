"""SVG charts: valid XML, accessible, bars and points where their values say."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from arflow.charts import Band, Series, nice_ticks
from arflow.charts.svg import bar_chart, line_chart
from arflow.web.i18n import Translator

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//s:rect[@class='bar']", NS)


def test_bar_heights_are_proportional_to_values() -> None:
    values = [Decimal("100.00"), Decimal("250.50"), Decimal("0"), Decimal("400.00")]
    root = parse(bar_chart(["a", "b", "c", "d"], Series("open", values), title="Ageing"))
    heights = [float(r.get("height", "0")) for r in bars(root)]
    assert len(heights) == 4
    assert heights[2] == 0
    for value, height in zip(values, heights, strict=True):
        assert height == pytest.approx(heights[0] * float(value) / 100, rel=0.01)
    # every bar stands on the same base line
    bases = {round(float(r.get("y", "0")) + float(r.get("height", "0")), 1) for r in bars(root)}
    assert len(bases) == 1


def test_chart_is_labelled_for_screen_readers() -> None:
    root = parse(bar_chart(["1-30"], Series("x", [Decimal("5")]), title="账龄 <ageing>",
                           desc="Open balance by days past due"))
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"s:title[@id='{title_id}']", NS).text == "账龄 <ageing>"  # type: ignore[union-attr]
    assert root.find(f"s:desc[@id='{desc_id}']", NS).text == "Open balance by days past due"  # type: ignore[union-attr]
    assert bars(root)[0].find("s:title", NS).text == "1-30: 5"  # type: ignore[union-attr]


def test_axis_and_tooltips_use_the_locale_formats() -> None:
    zh, en = Translator("zh-CN"), Translator("en")
    values = Series("open", [Decimal("1234567.89"), Decimal("20000")])
    for t, expected in ((zh, "¥1,234,567.89"), (en, "CN¥1,234,567.89")):
        root = parse(bar_chart(["a", "b"], values, title="x",
                               fmt=lambda v, t=t: t.money(Decimal(v), "CNY")))
        assert bars(root)[0].find("s:title", NS).text == f"a: {expected}"  # type: ignore[union-attr]
        axis = [e.text for e in root.findall(".//s:g[@class='axis axis-y']/s:text", NS)]
        assert axis[0] == t.money(Decimal(0), "CNY")


def test_empty_and_zero_data_do_not_crash() -> None:
    for chart in (bar_chart([], Series("x", []), title="none"),
                  bar_chart(["a", "b"], Series("x", [0, 0]), title="zeros"),
                  line_chart([], Series("x", []), title="none"),
                  line_chart(["a"], Series("x", [None]), title="gap"),
                  line_chart(["a", "b"], Series("x", [0, 0]), title="flat",
                             band=Band("range", [0, 0], [0, 0]))):
        root = parse(chart)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_grouped_and_stacked_bars() -> None:
    groups = [Series("policy", [Decimal("10"), Decimal("20")]),
              Series("roll rate", [Decimal("30"), Decimal("40")])]
    side = bars(parse(bar_chart(["a", "b"], groups, title="g")))
    assert len(side) == 4
    assert float(side[0].get("x", "0")) < float(side[2].get("x", "0"))  # lanes side by side
    stack = bars(parse(bar_chart(["a", "b"], groups, title="s", stacked=True)))
    first, second = stack[0], stack[2]  # label a: 10 then 30 on top
    assert first.get("x") == second.get("x")
    top_of_first = float(first.get("y", "0"))
    assert float(second.get("y", "0")) + float(second.get("height", "0")) == pytest.approx(
        top_of_first, abs=0.2)


def test_line_with_band_and_gap() -> None:
    labels = ["W1", "W2", "W3", "W4"]
    expected = Series("expected", [Decimal("10"), Decimal("20"), None, Decimal("40")])
    band = Band("10–90%", [5, 15, 20, 30], [15, 25, 35, 50])
    root = parse(line_chart(labels, expected, band=band, title="forecast"))
    points = root.findall(".//s:circle[@class='point']", NS)
    assert [p.get("data-value") for p in points] == ["10", "20", "40"]
    ys = [float(p.get("cy", "0")) for p in points]
    assert ys[0] > ys[1] > ys[2]  # larger values sit higher (smaller y)
    polygon = root.find(".//s:polygon[@class='band']", NS)
    assert polygon is not None and len(polygon.get("points", "").split()) == 8
    # the gap splits the line: one run W1-W2, and W4 alone draws no segment
    assert len(root.findall(".//s:polyline", NS)) == 1
    legend = [e.text for e in root.findall(".//s:g[@class='legend']/s:text", NS)]
    assert legend == ["expected", "10–90%"]


def test_mismatched_series_is_refused() -> None:
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        bar_chart(["a", "b", "c"], Series("x", [1, 2]), title="bad")


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0, 97) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(-12, 30)[0] <= -12 and nice_ticks(-12, 30)[-1] >= 30
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
