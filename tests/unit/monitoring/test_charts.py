"""The SVG charts: valid XML, accessible names, one mark per value, the 14-day line."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from monitoring import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_horizontal_bars_have_a_title_a_description_and_a_bar_per_row():
    bars = [charts.Bar("Blankenese", 21, "21 Tage – über Ziel", alert=True), charts.Bar("Altona", 3, "3 Tage"),
            charts.Bar("Volksdorf", None, "kein freier Termin", alert=True)]
    svg = parse(charts.horizontal_bars("lead", bars, "Vorlaufzeit", "Zwei Standorte über dem Ziel.", "Tage",
                                       reference=(14, "Ziel: 14 Tage")))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "lead-title lead-desc"
    assert svg.find(f"{SVG}title").text == "Vorlaufzeit"
    assert svg.find(f"{SVG}desc").text == "Zwei Standorte über dem Ziel."
    rects = [r for r in svg.iter(f"{SVG}rect") if r.get("y") is not None and r.get("height") == "18"]
    assert len(rects) == 3
    fills = [r.get("fill") for r in rects]
    assert fills[0] == charts.BAD and fills[1] == charts.OK and fills[2] == "url(#lead-hatch)"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Ziel: 14 Tage" in texts and "21 Tage – über Ziel" in texts and "kein freier Termin" in texts


def test_the_reference_line_sits_at_its_value_on_the_axis():
    bars = [charts.Bar("A", 10, "10"), charts.Bar("B", 20, "20")]
    svg = parse(charts.horizontal_bars("x", bars, "t", "d", "Tage", reference=(14, "Ziel")))
    line = next(element for element in svg.iter(f"{SVG}line") if element.get("stroke-dasharray"))
    a, b = [r for r in svg.iter(f"{SVG}rect") if r.get("height") == "18"]
    left = float(a.get("x"))
    per_day = float(a.get("width")) / 10
    assert float(b.get("width")) == per_day * 20
    assert abs(float(line.get("x1")) - (left + 14 * per_day)) < 0.2


def test_stacked_columns_stack_series_and_write_the_total_on_top():
    svg = parse(charts.stacked_columns("c", ["Mo", "Di"], [charts.Series("Telefon", [2, 0]),
                                                            charts.Series("Web-Chat", [3, 4])],
                                       "Buchungen", "Summen: Telefon 2, Web-Chat 7.", "Tag"))
    columns = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in columns] == ["Mo: Telefon 2", "Mo: Web-Chat 3", "Di: Web-Chat 4"]
    mo_phone, mo_chat = columns[0], columns[1]
    assert abs(float(mo_chat.get("y")) + float(mo_chat.get("height")) - float(mo_phone.get("y"))) < 0.2
    assert {"5", "4"} <= {t.text for t in svg.iter(f"{SVG}text")}
    assert "Telefon" in {t.text for t in svg.iter(f"{SVG}text")}  # legend


def test_text_is_escaped():
    svg = charts.horizontal_bars("e", [charts.Bar("<b>&", 1, "1")], "a<b", "d", "x")
    assert "<b>&" not in str(svg) and "&lt;b&gt;&amp;" in str(svg)


def test_axis_steps_are_whole_and_round():
    top, ticks = charts.axis(21, 4)
    assert ticks == [0, 10, 20, 30] or ticks == [0, 5, 10, 15, 20, 25]
    assert all(float(t).is_integer() for t in ticks) and top >= 21
