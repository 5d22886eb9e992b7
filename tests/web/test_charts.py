"""The server-drawn SVG charts: well-formed for any data, every label escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from atrium.web.charts import Point, bar_chart, compact

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    # The chart is inline SVG without a namespace declaration (HTML supplies it). Our own
    # output, not untrusted XML.
    tagged = str(svg).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return ET.fromstring(tagged)  # noqa: S314


def test_empty_data_draws_axes_and_says_so() -> None:
    root = parse(bar_chart([], title="Tokens per day", empty="No calls yet"))
    assert root.findall(f"{SVG}rect") == []
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "No calls yet" in texts
    assert texts[:3] == ["0", "0.5", "1"]  # an axis from 0 to 1 when nothing is above 0
    assert root.find(f"{SVG}title").text == "Tokens per day"  # type: ignore[union-attr]


def test_one_day_is_one_bar_with_its_title_and_label() -> None:
    root = parse(bar_chart([Point("05 Dec", 1234, "05 Dec 2026: 1,234 tokens")], title="T"))
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 1
    assert bars[0].find(f"{SVG}title").text == "05 Dec 2026: 1,234 tokens"  # type: ignore[union-attr]
    assert float(bars[0].get("height", "0")) > 100  # the highest bar nearly fills the plot
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "05 Dec" in texts and "2k" in texts  # the axis tops out at a round 2,000


def test_huge_values_stay_short_on_the_axis() -> None:
    points = [Point(f"{d:02} Dec", v, f"day {d}") for d, v in ((1, 3e15), (2, 0), (3, 7.5e14))]
    root = parse(bar_chart(points, title="T"))
    axis = [t.text or "" for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert all(len(label) <= 7 for label in axis), axis
    heights = [float(r.get("height", "0")) for r in root.findall(f"{SVG}rect")]
    assert heights[1] == 0.5 and heights[0] > heights[2] > 0.5
    assert compact(5_000_000) == "5M" and compact(1234) == "1.2k" and compact(0.004) == "0.004"
    assert compact(float("inf")) == "∞" and compact(2.5e18) == "2.5e+18"


def test_labels_and_titles_are_escaped() -> None:
    evil = '<script>alert(1)</script>"&'
    svg = bar_chart([Point(evil, 1, evil)], title=evil, empty=evil)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&#34;&amp;" in svg
    root = parse(svg)
    assert root.find(f"{SVG}rect/{SVG}title").text == evil  # type: ignore[union-attr]
    assert root.get("aria-label") == evil


def test_many_days_thin_out_their_labels_and_ignore_bad_values() -> None:
    points = [Point(f"d{i}", float(i), f"t{i}") for i in range(90)]
    points.append(Point("nan", float("nan"), "nan"))
    root = parse(bar_chart(points, title="T"))
    assert len(root.findall(f"{SVG}rect")) == 91
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert len(labels) <= 10 and labels[0] == "d0"
