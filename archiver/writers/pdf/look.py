"""A brand resolved for the PDF's layout: its fonts, paragraph styles, colours and page geometry, made
once per process from the style data (`styles/<brand>/style.json`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from ...style import Style
from .fonts import Fonts, font_files, fonts as register_fonts

PAGE_SIZES = {"A4": A4, "letter": letter}


@dataclass(frozen=True)
class Look:
    """A brand resolved for layout: fonts, paragraph styles, colours and page geometry."""
    fonts: Fonts
    styles: dict[str, ParagraphStyle]
    colours: dict[str, colors.Color]
    pagesize: tuple[float, float]
    margins: tuple[float, float, float, float]


def look_of(style: Style) -> Look:
    """The brand's look, resolved once per style object: a batch renders every record with one
    `Style`, and finding its font files (a stat per role and folder) and keying the cache cost about
    0.6 ms per record. A style is frozen, so the last one's look stays valid while it is passed again."""
    if _last[0] is not style:
        files = font_files(style)
        _last[:] = [style, _look_cached(style.name, files, json.dumps(style.data["colours"], sort_keys=True),
                                        json.dumps(style.data["page"], sort_keys=True))]
    return _last[1]


#: the style object last asked for and its look
_last: list = [None, None]


@functools.cache
def _look_cached(style_name: str, files: tuple[tuple[str, str], ...], colours_json: str,
                 page_json: str) -> Look:
    fonts = register_fonts(style_name, files)
    c = {key: colors.HexColor(value) for key, value in json.loads(colours_json).items()}
    c["tint"] = _blend(c["primary"], c["background"], 0.08)
    c["rule"] = _blend(c["primary"], c["background"], 0.35)
    page = json.loads(page_json)
    size = float(page.get("body_size_pt", 10))
    lead = size * 1.45
    base = ParagraphStyle("body", fontName=fonts.body, fontSize=size, leading=lead, textColor=c["text"],
                          alignment=TA_JUSTIFY, spaceAfter=size * 0.7)
    s = {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=fonts.heading_bold, fontSize=size * 2,
                                leading=size * 2.45, textColor=c["primary"], alignment=TA_LEFT,
                                spaceBefore=size * 0.6, spaceAfter=size * 0.5),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontName=fonts.heading, fontSize=size * 1.3,
                                   leading=size * 1.7, textColor=c["muted"], alignment=TA_LEFT,
                                   spaceAfter=size * 0.8),
        "author": ParagraphStyle("author", parent=base, fontName=fonts.heading_bold, fontSize=size * 1.1,
                                 leading=size * 1.5, alignment=TA_LEFT, spaceAfter=size * 0.2),
        "affiliation": ParagraphStyle("affiliation", parent=base, fontName=fonts.heading,
                                      fontSize=size * 0.82, leading=size * 1.15, textColor=c["muted"],
                                      alignment=TA_LEFT, spaceAfter=size * 0.15),
        "editor_note": ParagraphStyle("editor_note", parent=base, fontSize=size * 0.85,
                                      leading=size * 1.2, textColor=c["muted"], spaceBefore=size * 0.6),
        "label": ParagraphStyle("label", parent=base, fontName=fonts.heading_bold, fontSize=size * 0.85,
                                leading=size * 1.2, textColor=c["primary"], alignment=TA_LEFT,
                                spaceAfter=size * 0.3),
        "synopsis": ParagraphStyle("synopsis", parent=base, fontName=fonts.body, fontSize=size * 1.02,
                                   leading=size * 1.45, spaceAfter=0),
        "h1": ParagraphStyle("h1", parent=base, fontName=fonts.heading_bold, fontSize=size * 1.2,
                             leading=size * 1.55, textColor=c["primary"], alignment=TA_LEFT,
                             spaceBefore=size * 1.1, spaceAfter=size * 0.45, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=fonts.heading_bold, fontSize=size * 1.05,
                             leading=size * 1.4, textColor=c["text"], alignment=TA_LEFT,
                             spaceBefore=size * 0.8, spaceAfter=size * 0.35, keepWithNext=1),
        "quote": ParagraphStyle("quote", parent=base, leftIndent=size * 2, rightIndent=size * 2,
                                textColor=c["text"], alignment=TA_LEFT),
        "attribution": ParagraphStyle("attribution", parent=base, leftIndent=size * 2,
                                      rightIndent=size * 2, alignment=TA_RIGHT, textColor=c["muted"]),
        "cell": ParagraphStyle("cell", parent=base, fontSize=size * 0.9, leading=size * 1.2,
                               alignment=TA_LEFT, spaceAfter=0),
        "caption": ParagraphStyle("caption", parent=base, fontName=fonts.heading, fontSize=size * 0.85,
                                  leading=size * 1.2, alignment=TA_LEFT, spaceBefore=size * 0.3,
                                  spaceAfter=size * 0.1),
        "credit": ParagraphStyle("credit", parent=base, fontName=fonts.heading, fontSize=size * 0.75,
                                 leading=size * 1.05, textColor=c["muted"], alignment=TA_LEFT,
                                 spaceAfter=size * 0.9),
        "note": ParagraphStyle("note", parent=base, fontSize=size * 0.85, leading=size * 1.2,
                               alignment=TA_LEFT, leftIndent=size * 1.6, firstLineIndent=-size * 1.6,
                               spaceAfter=size * 0.3),
        "small": ParagraphStyle("small", parent=base, fontSize=size * 0.85, leading=size * 1.2,
                                alignment=TA_LEFT, spaceAfter=size * 0.4),
        "terms": ParagraphStyle("terms", parent=base, fontName=fonts.heading, fontSize=size * 0.75,
                                leading=size * 1.05, textColor=c["muted"], alignment=TA_LEFT,
                                spaceAfter=size * 0.3),
    }
    width, height = PAGE_SIZES[page["size"]]
    top, right, bottom, left = (value * mm for value in page["margins_mm"])
    return Look(fonts=fonts, styles=s, colours=c, pagesize=(width, height), margins=(top, right, bottom, left))



def _blend(colour: colors.Color, background: colors.Color, amount: float) -> colors.Color:
    return colors.Color(*(background_part + (part - background_part) * amount
                          for part, background_part in zip(colour.rgb(), background.rgb())))

