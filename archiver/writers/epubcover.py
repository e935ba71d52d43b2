"""The cover of an EPUB book: an SVG 1.1 image drawn from the brand (`styles/<brand>/style.json`:
colours, logo shapes, masthead, fonts) and the record (series, title, authors, date).
"""

from __future__ import annotations

from lxml import etree

from ..record import Record, long_date
from ..style import Style

SVG = "http://www.w3.org/2000/svg"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def cover_svg(record: Record, style: Style, alt: str, byline: str) -> bytes:
    """The cover image: the brand's colours and logo, series, title, `byline` and date; `alt` is
    its title (the text alternative)."""
    colours = style.colours
    fonts = style.data.get("fonts", {})
    sans = "serif" if "Serif" in fonts.get("heading", "") else "sans-serif"
    svg = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG}, version="1.1", viewBox="0 0 600 800",
                        width="600", height="800")
    svg.set(XML_LANG, record.language)

    def add(tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        element = etree.SubElement(svg, f"{{{SVG}}}{tag}")
        for key, value in attrs.items():
            element.set(key.replace("_", "-"), value)
        element.text = text
        return element

    add("title", alt)
    add("rect", x="0", y="0", width="600", height="800", fill=colours["background"])
    add("rect", x="0", y="0", width="600", height="150", fill=colours["primary"])
    logo = etree.SubElement(svg, f"{{{SVG}}}g", transform="translate(30 25)")
    for shape in style.data.get("logo", []):
        _logo_shape(logo, shape, colours["accent"], sans)
    add("text", style.data.get("masthead") or style.label, x="150", y="88", fill=colours["background"],
        font_family=sans, font_size="28", font_weight="bold")
    y = 215
    if record.series:
        series = record.series.name + (f" {record.series.number}" if record.series.number else "")
        add("text", series, x="40", y=str(y), fill=colours["muted"], font_family=sans, font_size="22")
    y += 75
    for line in _wrap(record.title, 24, 6):
        add("text", line, x="40", y=str(y), fill=colours["text"], font_family=sans, font_size="38",
            font_weight="bold")
        y += 50
    add("rect", x="40", y=str(y - 10), width="120", height="6", fill=colours["accent"])
    y += 40
    for line in _wrap(byline, 36, 4):
        add("text", line, x="40", y=str(y), fill=colours["muted"], font_family=sans, font_size="24")
        y += 34
    add("rect", x="0", y="740", width="600", height="60", fill=colours["primary"])
    add("text", long_date(record.published), x="40", y="778", fill=colours["background"],
        font_family=sans, font_size="20")
    return etree.tostring(svg, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _logo_shape(group: etree._Element, shape: dict, default_colour: str, family: str) -> None:
    colour = shape.get("colour", default_colour)
    kind = shape["shape"]

    def number(key: str) -> str:
        return f"{float(shape.get(key, 0)):g}"

    if kind == "rect":
        etree.SubElement(group, f"{{{SVG}}}rect", x=number("x"), y=number("y"), width=number("w"),
                         height=number("h"), fill=colour)
    elif kind == "circle":
        etree.SubElement(group, f"{{{SVG}}}circle", cx=number("x"), cy=number("y"), r=number("r"),
                         fill=colour)
    elif kind == "text":
        size = float(shape.get("size", 20))
        # (x, y) is the centre of the text: the baseline sits about a third of the size below it.
        text = etree.SubElement(group, f"{{{SVG}}}text", x=number("x"), y=f"{float(shape.get('y', 0)) + size * 0.35:g}",
                                fill=colour)
        text.set("font-size", f"{size:g}")
        text.set("font-family", family)
        text.set("font-weight", "bold")
        text.set("text-anchor", "middle")
        text.text = shape.get("text", "")


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".,;:") + "…"
    return lines
