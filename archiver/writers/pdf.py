"""The PDF writer: a branded, archival PDF/A-3b of a record that carries its own machine-readable sources.

It owns the reader-facing layout (masthead, title, authors, synopsis, sectioned body, figures, notes,
About the Author(s), "Cite as", rights and terms, "page X of Y", outline and live links) and the
archival envelope: ISO 19005-3 (PDF/A-3, conformance level B) with an sRGB OutputIntent (6.2.3), every
font embedded with a ToUnicode map (6.2.11), XMP metadata in the dc/xmp/xmpRights/pdf/pdfaid schemas
(6.6) and the record JSON, the CSL-JSON and the JATS XML embedded as
associated files (6.8, `/AF` with `/AFRelationship`).

reportlab lays out the pages; pikepdf only post-processes them (the cheap path measured in
`formats.md`). The full PDF/A re-validation (`pikepdf.pdfa`) runs in the tests, not here.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from xml.sax.saxutils import escape as _xml_escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, ListFlowable,
                                ListItem, PageTemplate, Spacer, Table, TableStyle)
from reportlab.platypus import Paragraph as ReportlabParagraph

from ..citation import cite_as, to_csl
from ..errors import ArchiverWarning
from ..record import (Code, Figure, Link, ListBlock, NoteRef, Paragraph as ParagraphNode, Quote, Record,
                      Section, Styled, Table as TableNode, long_date, plain_text, walk)
from ..style import Style
from ..images import ImageDamaged
from .pdfimage import figure_image

# Without this reportlab base-85 encodes every stream, which costs about 100 ms per document.
rl_config.useA85 = 0


def _utf16_to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with code points above U+FFFF written as UTF-16BE surrogate pairs.

    reportlab writes them as bare 5-digit hex, so an emoji or a CJK Extension B character (common in
    Chinese and Japanese names) extracts as a wrong character."""
    cmap = _reportlab_to_unicode_cmap(fontname, subset)
    for index, code in enumerate(subset):
        if code > 0xFFFF:
            pair = chr(code).encode("utf-16-be").hex().upper()
            cmap = cmap.replace(f"<{index:02X}> <{code:04X}>", f"<{index:02X}> <{pair}>")
    return cmap


_reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _utf16_to_unicode_cmap

PAGE_SIZES = {"A4": A4, "letter": letter}
SRGB_PROFILE = Path(__import__("pikepdf").__file__).parent / "pdfa" / "data" / "sRGB.icc"
PRODUCER = "archiver (reportlab + pikepdf)"
LAST_RESORT_FONT = "DejaVuSans.ttf"


# Fonts ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fonts:
    """The registered font names of a brand, by role, and the glyphs its text fonts cover."""
    body: str
    body_bold: str
    heading: str
    heading_bold: str
    mono: str
    cjk: str
    #: code points each text font (body, heading, mono) can draw
    covered: dict[str, frozenset[int]]
    #: fonts tried, in order, for a character the run's own font lacks: the brand's cjk font, then
    #: DejaVu Sans (Greek, Cyrillic, Arabic and Hebrew letters, symbols)
    fallbacks: tuple[tuple[str, frozenset[int]], ...]

    def runs(self, text: str, font: str, missing: set[str]) -> list[tuple[str, str]]:
        """Split text into (run, font) so that every character is set in a font that has its glyph
        (reportlab has no per-glyph fallback). A character no font has stays in `font` (drawn blank)
        and is added to `missing`."""
        covered = self.covered.get(font, self.covered[self.body])
        if all(ord(char) in covered or char.isspace() for char in set(text)):
            return [(text, font)] if text else []  # the common case: one font draws it all
        runs: list[tuple[str, str]] = []
        for char in text:
            chosen = font
            if ord(char) not in covered and not char.isspace():
                chosen = next((name for name, cover in self.fallbacks if ord(char) in cover), font)
                if chosen == font:
                    missing.add(char)
            if runs and runs[-1][1] == chosen:
                runs[-1] = (runs[-1][0] + char, chosen)
            else:
                runs.append((char, chosen))
        return runs


def _font_files(style: Style) -> tuple[tuple[str, str], ...]:
    roles = ("body", "body_bold", "body_italic", "body_bold_italic", "heading", "heading_bold", "cjk")
    files = [(role, str(style.font_path(role))) for role in roles]
    files.append(("mono", str(style.font_path("mono")) if "mono" in style.data["fonts"] else files[0][1]))
    return tuple(files)


@functools.cache
def _fonts(style_name: str, files: tuple[tuple[str, str], ...]) -> Fonts:
    """Register a brand's fonts once per process. A file used for several roles is registered (and
    embedded) once; names carry the brand and a digest of its files, so two brands, or two versions of
    one brand, never share a family mapping."""
    import hashlib
    digest = hashlib.sha1(repr(files).encode()).hexdigest()[:8]
    names: dict[str, str] = {}
    faces: dict[str, TTFont] = {}
    for role, file in files:
        name = f"{style_name}-{digest}-{Path(file).stem}"
        if name not in faces:
            font = TTFont(name, file)
            _fix_trailing_advances(font.face)
            pdfmetrics.registerFont(font)
            faces[name] = font
        names[role] = name
    pdfmetrics.registerFontFamily(names["body"], normal=names["body"], bold=names["body_bold"],
                                  italic=names["body_italic"], boldItalic=names["body_bold_italic"])
    if names["heading"] != names["body"]:
        pdfmetrics.registerFontFamily(names["heading"], normal=names["heading"], bold=names["heading_bold"],
                                      italic=names["heading"], boldItalic=names["heading_bold"])
    for name in {names[role] for role in ("cjk", "mono", "body_bold", "heading_bold")} - \
            {names["body"], names["heading"]}:
        # Bold or italic inside a run set in these fonts must stay in the same (single) face.
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)

    def cover(role: str) -> frozenset[int]:
        return frozenset(faces[names[role]].face.charToGlyph)

    covered = {names[role]: cover(role) for role in ("body", "body_bold", "heading", "heading_bold", "mono")}
    last_resort = _last_resort_font()
    return Fonts(body=names["body"], body_bold=names["body_bold"], heading=names["heading"],
                 heading_bold=names["heading_bold"], mono=names["mono"], cjk=names["cjk"], covered=covered,
                 fallbacks=((names["cjk"], cover("cjk")), (last_resort.fontName, frozenset(last_resort.face.charToGlyph))))


@functools.cache
def _last_resort_font() -> TTFont:
    from ..style import FONT_DIRS
    path = next((folder / LAST_RESORT_FONT for folder in FONT_DIRS if (folder / LAST_RESORT_FONT).is_file()), None)
    if path is None:
        from ..errors import UsageError
        raise UsageError(f"font file {LAST_RESORT_FONT} not found", hint="run `make setup` to install the fonts")
    font = TTFont("archiver-last-resort", str(path))
    _fix_trailing_advances(font.face)
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(font.fontName, normal=font.fontName, bold=font.fontName,
                                  italic=font.fontName, boldItalic=font.fontName)
    return font


def _fix_trailing_advances(face: Any) -> None:
    """Undo a reportlab 4/5 bug: glyphs after the last full hmtx entry (numberOfHMetrics) get the
    advance already scaled to 1/1000 em instead of font units, so the embedded subset's widths disagree
    with /Widths (ISO 19005-3 6.2.11.5) for monospaced and CJK fonts."""
    import struct
    count = struct.unpack(">H", face.get_table("hhea")[34:36])[0]
    if 0 < count < len(face.hmetrics):
        advance = face.hmetrics[count - 1][0]
        face.hmetrics[count:] = [(advance, lsb) for _, lsb in face.hmetrics[count:]]


# Paragraph styles -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Look:
    """A brand resolved for layout: fonts, paragraph styles, colours and page geometry."""
    fonts: Fonts
    styles: dict[str, ParagraphStyle]
    colours: dict[str, colors.Color]
    pagesize: tuple[float, float]
    margins: tuple[float, float, float, float]


def _look(style: Style) -> Look:
    files = _font_files(style)
    return _look_cached(style.name, files, json.dumps(style.data["colours"], sort_keys=True),
                        json.dumps(style.data["page"], sort_keys=True))


@functools.cache
def _look_cached(style_name: str, files: tuple[tuple[str, str], ...], colours_json: str,
                 page_json: str) -> Look:
    fonts = _fonts(style_name, files)
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


def _table(look: Look, data: list[list[Any]], widths: list[float], commands: list[tuple], **kwargs: Any) -> Table:
    """A reportlab table whose cell font is the brand's: its default is the non-embedded Helvetica."""
    table = Table(data, colWidths=widths, **kwargs)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), look.fonts.body), *commands]))
    return table


def _blend(colour: colors.Color, background: colors.Color, amount: float) -> colors.Color:
    return colors.Color(*(background_part + (part - background_part) * amount
                          for part, background_part in zip(colour.rgb(), background.rgb())))


# Inline markup --------------------------------------------------------------------------------------

_TAGS = {"emphasis": "i", "strong": "b", "superscript": "super", "subscript": "sub"}
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")


class Markup:
    """Turns runs of record inlines into reportlab paragraph markup.

    reportlab has no per-glyph font fallback, so every character the run's font cannot draw (CJK, for
    one) is wrapped in the brand's `cjk` font here."""

    def __init__(self, look: Look, note_labels: dict[str, str], missing: set[str]):
        self.look = look
        self.note_labels = note_labels
        self.missing = missing

    def text(self, text: str, font: str) -> str:
        return "".join(_xml_escape(run) if run_font == font else f'<font name="{run_font}">{_xml_escape(run)}</font>'
                       for run, run_font in self.look.fonts.runs(text, font, self.missing))

    def inlines(self, nodes: Iterable[Any], font: str) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(self.text(node, font))
            elif isinstance(node, Styled):
                tag = _TAGS[node.type]
                out.append(f"<{tag}>{self.inlines(node.content, font)}</{tag}>")
            elif isinstance(node, Link):
                out.append(f'<a href="{_xml_escape(node.url, {chr(34): "&quot;"})}" '
                           f'color="{self.look.colours["accent"].hexval()}">'
                           f"{self.inlines(node.content, font)}</a>")
            elif isinstance(node, Code):
                mono = self.look.fonts.mono
                out.append(f'<font name="{mono}">{self.text(node.text, mono)}</font>')
            elif isinstance(node, NoteRef):
                label = self.note_labels.get(node.note, "?")
                out.append(f'<super><a href="#note-{_xml_escape(node.note)}" '
                           f'color="{self.look.colours["accent"].hexval()}">{_xml_escape(label)}</a></super>')
        return "".join(out)

    def linkify(self, text: str, font: str) -> str:
        """Plain text with its URLs made live links."""
        out: list[str] = []
        position = 0
        for match in _URL.finditer(text):
            out.append(self.text(text[position:match.start()], font))
            url = match.group(0)
            out.append(f'<a href="{_xml_escape(url, {chr(34): "&quot;"})}" '
                       f'color="{self.look.colours["accent"].hexval()}">{_xml_escape(url)}</a>')
            position = match.end()
        out.append(self.text(text[position:], font))
        return "".join(out)


# Flowables ------------------------------------------------------------------------------------------

class Paragraph(ReportlabParagraph):
    """reportlab's paragraph, keeping its lines for the width it was last wrapped to.

    platypus wraps most paragraphs twice at the same width (to see whether they fit, then to place
    them; KeepTogether and tables measure first as well), and each wrap breaks the lines anew: a fifth
    of the layout time. The lines depend on the width and the paragraph alone."""

    #: (width, the lines broken for it); valid while the paragraph still holds those lines (split
    #: drops them when the paragraph moves on whole)
    _wrapped: tuple[float, Any] | None = None

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        wrapped = self._wrapped
        if wrapped and wrapped[0] == available_width and wrapped[1] is self.__dict__.get("blPara"):
            return self.width, self.height
        size = super().wrap(available_width, available_height)
        lines = self.__dict__.get("blPara")
        self._wrapped = (available_width, lines) if lines is not None else None
        return size


class Heading(Paragraph):
    """A paragraph that is also a bookmark and an outline entry."""

    def __init__(self, markup: str, style: ParagraphStyle, outline_title: str, key: str, level: int):
        super().__init__(markup, style)
        self.outline_title = outline_title
        self.outline_key = key
        self.outline_level = level

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return []  # a heading moves to the next frame whole, so it is one outline entry

    def draw(self) -> None:
        self.canv.bookmarkPage(self.outline_key)
        self.canv.addOutlineEntry(self.outline_title, self.outline_key, self.outline_level)
        super().draw()


class Anchor(Flowable):
    """A named destination with no extent (the target of a note reference)."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(self.name, 0, 0)


class Story:
    """Builds the flowables of a record for one brand."""

    def __init__(self, record: Record, look: Look, assets: dict[str, bytes], width: float, terms: str,
                 missing: set[str], warnings: list[ArchiverWarning]):
        self.record = record
        self.warnings = warnings
        self.terms = terms
        self.look = look
        self.s = look.styles
        self.assets = assets
        self.width = width
        self.notes = record.notes()
        self.note_labels = record.note_labels()
        self.markup = Markup(look, self.note_labels, missing)
        self.figures = 0
        self.tables = 0
        self.keys = 0
        self.outline_level = -1

    def para(self, inlines: Iterable[Any], style: str) -> Paragraph:
        st = self.s[style]
        return Paragraph(self.markup.inlines(inlines, st.fontName), st)

    def plain(self, text: str, style: str, links: bool = False) -> Paragraph:
        st = self.s[style]
        markup = self.markup.linkify(text, st.fontName) if links else self.markup.text(text, st.fontName)
        return Paragraph(markup, st)

    def heading(self, inlines: list[Any], level: int) -> Heading:
        self.keys += 1
        # An outline may not skip a level (a titled section inside an untitled one).
        self.outline_level = level = min(level, self.outline_level + 1)
        st = self.s["h1" if level == 0 else "h2"]
        return Heading(self.markup.inlines(inlines, st.fontName), st, plain_text(inlines), f"h{self.keys}", level)

    def build(self) -> list[Flowable]:
        record = self.record
        story: list[Flowable] = [self.plain(record.title, "title")]
        if record.subtitle:
            story.append(self.plain(record.subtitle, "subtitle"))
        story.extend(self.byline())
        if record.editor_note:
            story.append(Paragraph(f"<i>{self.markup.text(record.editor_note, self.s['editor_note'].fontName)}</i>",
                                   self.s["editor_note"]))
        if record.abstract:
            story.append(Spacer(1, self.s["body"].fontSize * 0.8))
            story.append(self.synopsis(record.abstract))
        story.append(Spacer(1, self.s["body"].fontSize * 0.6))
        if record.body:
            story.extend(self.blocks(record.body.blocks, 0))
        story.extend(self.endnotes())
        story.extend(self.about())
        story.extend(self.cite())
        story.extend(self.rights())
        return story

    def byline(self) -> list[Flowable]:
        out: list[Flowable] = []
        for author in self.record.authors:
            block = [self.plain(author.name, "author")]
            for affiliation in author.affiliations or []:
                place = f", {affiliation.country}" if affiliation.country and affiliation.country not in affiliation.name else ""
                block.append(self.plain(affiliation.name + place, "affiliation"))
            block.append(Spacer(1, self.s["body"].fontSize * 0.35))
            out.append(KeepTogether(block))
        return out

    def synopsis(self, text: str) -> Table:
        st = self.s["synopsis"]
        inner = [Paragraph("SYNOPSIS", self.s["label"]), Paragraph(f"<i>{self.markup.text(text, st.fontName)}</i>", st)]
        pad = self.s["body"].fontSize
        return _table(self.look, [[inner]], [self.width], [
            ("BACKGROUND", (0, 0), (-1, -1), self.look.colours["tint"]),
            ("LINEBEFORE", (0, 0), (0, -1), 3, self.look.colours["primary"]),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.8), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.9),
        ])

    def blocks(self, blocks: list[Any], level: int, style: str = "body") -> list[Flowable]:
        out: list[Flowable] = []
        for block in blocks:
            if isinstance(block, Section):
                if block.title:
                    out.append(self.heading(block.title, level))
                out.extend(self.blocks(block.blocks, level + 1))
            elif isinstance(block, ParagraphNode):
                out.append(self.para(block.content, style))
            elif isinstance(block, ListBlock):
                out.append(self.list_block(block, style))
            elif isinstance(block, Quote):
                out += [self.quote(block), Spacer(1, self.s["body"].spaceAfter)]
            elif isinstance(block, Figure):
                out.append(self.figure(block))
            elif isinstance(block, TableNode):
                out.append(self.table(block))
        return out

    def list_block(self, block: ListBlock, style: str) -> ListFlowable:
        st = self.s[style]
        items = [ListItem(self.blocks(item, 9, style) or [Spacer(1, 0)]) for item in block.items]
        options: dict[str, Any] = dict(bulletFontName=st.fontName, bulletFontSize=st.fontSize,
                                       bulletColor=self.look.colours["primary"], leftIndent=st.fontSize * 1.8,
                                       spaceAfter=st.spaceAfter)
        if block.ordered:
            return ListFlowable(items, bulletType="1", bulletFormat="%s.", **options)
        return ListFlowable(items, bulletType="bullet", start="•", **options)

    def quote(self, block: Quote) -> Flowable:
        parts = self.blocks(block.blocks, 9, "quote")
        if block.attribution:
            st = self.s["attribution"]
            parts.append(Paragraph("— " + self.markup.inlines(block.attribution, st.fontName), st))
        return _table(self.look, [[parts]], [self.width], [
            ("LINEBEFORE", (0, 0), (0, -1), 1.5, self.look.colours["accent"]),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 2),
        ])

    def figure(self, figure: Figure) -> Flowable:
        self.figures += 1
        parts: list[Flowable] = []
        data = self.assets.get(figure.image) if figure.image else None
        st = self.s["caption"]
        caption = f"<b>Figure {self.figures}.</b> " + self.markup.inlines(figure.caption, st.fontName)
        image = self.image(figure, data) if data is not None else None
        if image is not None:
            parts.append(image)
        else:
            # A lost image keeps its caption and credit, never an empty frame.
            caption += f' <font color="{self.look.colours["muted"].hexval()}"><i>(image not preserved)</i></font>'
        parts.append(Paragraph(caption, st))
        credit = figure.credit or ""
        if figure.license:
            credit += ("; " if credit else "") + f"licence: {figure.license}"
        if credit:
            parts.append(self.plain(f"Credit: {credit}", "credit", links=True))
        else:
            parts.append(Spacer(1, self.s["credit"].spaceAfter))
        return KeepTogether(parts)

    def image(self, figure: Figure, data: bytes) -> Flowable | None:
        """The figure's image scaled to the column, or None when its bytes cannot be decoded."""
        try:
            pixels_w, pixels_h, placed = figure_image(data)
        except ImageDamaged as exc:
            self.warnings.append(ArchiverWarning(
                "W003", f"image {figure.image} of figure {figure.id} cannot be decoded ({exc}); left out of "
                "the PDF, caption and credit kept", pointer=f"figure {figure.id}"))
            return None
        width = min(self.width * 0.8, float(pixels_w))
        height = width * pixels_h / pixels_w
        max_height = self.look.pagesize[1] * 0.4
        if height > max_height:
            width, height = width * max_height / height, max_height
        image = placed(width, height)
        image.hAlign = "LEFT"
        return image

    def table(self, block: TableNode) -> Flowable:
        self.tables += 1
        st = self.s["cell"]
        head = [[Paragraph(f"<b>{self.markup.inlines(cell, st.fontName)}</b>", st) for cell in row]
                for row in block.head or []]
        rows = [[Paragraph(self.markup.inlines(cell, st.fontName), st) for cell in row] for row in block.rows]
        columns = max(len(row) for row in [*head, *rows])
        grid = [row + [Paragraph("", st)] * (columns - len(row)) for row in [*head, *rows]]
        commands: list[tuple] = [
            ("LINEABOVE", (0, 0), (-1, 0), 1, self.look.colours["primary"]),
            ("LINEBELOW", (0, -1), (-1, -1), 1, self.look.colours["primary"]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if head:
            commands += [("BACKGROUND", (0, 0), (-1, len(head) - 1), self.look.colours["tint"]),
                         ("LINEBELOW", (0, len(head) - 1), (-1, len(head) - 1), 0.5, self.look.colours["rule"])]
        table = _table(self.look, grid, [self.width / columns] * columns, commands,
                       repeatRows=len(head), hAlign="LEFT")
        parts: list[Flowable] = []
        if block.caption:
            cst = self.s["caption"]
            parts.append(Paragraph(f"<b>Table {self.tables}.</b> " + self.markup.inlines(block.caption, cst.fontName), cst))
        parts += [table, Spacer(1, self.s["body"].spaceAfter)]
        return KeepTogether(parts)

    def back_heading(self, title: str) -> Heading:
        self.keys += 1
        self.outline_level = 0
        return Heading(_xml_escape(title), self.s["h1"], title, f"h{self.keys}", 0)

    def endnotes(self) -> list[Flowable]:
        if not self.notes:
            return []
        out: list[Flowable] = [self.back_heading("Notes")]
        for note in self.notes:
            label = self.note_labels[note.id]
            paragraphs = [node for node in walk(note.blocks) if isinstance(node, ParagraphNode)]
            st = self.s["note"]
            first, rest = (paragraphs[0], paragraphs[1:]) if paragraphs else (None, [])
            text = self.markup.inlines(first.content, st.fontName) if first else ""
            out.append(Anchor(f"note-{note.id}"))
            out.append(Paragraph(f"{_xml_escape(label)}.&nbsp;&nbsp;{text}", st))
            out.extend(Paragraph(self.markup.inlines(p.content, st.fontName), st) for p in rest)
        return out

    def about(self) -> list[Flowable]:
        bios = [author for author in self.record.authors if author.bio]
        if not bios:
            return []
        out: list[Flowable] = [self.back_heading("About the Author" if len(bios) == 1 else "About the Authors")]
        for author in bios:
            out.append(self.plain(author.bio, "small"))
            if author.orcid:
                out.append(self.plain(f"ORCID: {author.orcid}", "small", links=True))
        return out

    def cite(self) -> list[Flowable]:
        return [self.back_heading("Cite as"), self.plain(cite_as(self.record), "small", links=True)]

    def rights(self) -> list[Flowable]:
        record = self.record
        lines: list[str] = []
        rights = record.rights
        if rights and rights.statement:
            lines.append(rights.statement)
        elif rights and (rights.holder or rights.year):
            lines.append("© " + " ".join(str(part) for part in (rights.year, rights.holder) if part))
        if rights and rights.license and (not rights.statement or rights.license not in rights.statement):
            lines.append(f"Licence: {rights.license}")
        if self.terms:
            lines.append(self.terms)
        publisher = record.publisher
        lines.append(", ".join(part for part in (publisher.name, publisher.parent, publisher.place) if part))
        st = self.s["terms"]
        paragraphs = [Paragraph(self.markup.linkify(line, st.fontName), st) for line in lines]
        table = _table(self.look, [[paragraphs]], [self.width], [
            ("LINEABOVE", (0, 0), (-1, 0), 0.75, self.look.colours["primary"]),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
        ])
        return [Spacer(1, self.s["body"].fontSize * 1.5), KeepTogether([table])]


# Page furniture -------------------------------------------------------------------------------------

def _fill(template: str, record: Record) -> str:
    """A brand's header, footer or masthead text with {series}, {number}, {date} and {identifier} filled
    in; any other brace is kept as written."""
    series = record.series
    values = {"series": series.name if series else record.publisher.name,
              "number": f"No. {series.number}" if series and series.number else "",
              "date": long_date(record.published), "identifier": record.identifier}
    filled = re.sub(r"\{(series|number|date|identifier)\}", lambda match: values[match.group(1)], template)
    return " ".join(filled.split())


def _numbered_canvas(furniture: "Furniture") -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Holds every page until the end, so the footer can say "page X of Y" in one pass."""

        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                furniture.footer(self, total)
                super().showPage()
            super().save()

    return NumberedCanvas


class Furniture:
    """Masthead, running header and footer of a brand for one record."""

    def __init__(self, record: Record, style: Style, look: Look, missing: set[str]):
        self.record = record
        self.style = style
        self.look = look
        self.fonts = look.fonts
        self.missing = missing

    def _text(self, canvas: Canvas, x: float, y: float, text: str, font: str, size: float,
              align: str = "left") -> None:
        """Draw one line of text with the same per-glyph font fallback as the body."""
        runs = self.fonts.runs(text, font, self.missing)
        width = sum(pdfmetrics.stringWidth(run, run_font, size) for run, run_font in runs)
        if align == "right":
            x -= width
        elif align == "centre":
            x -= width / 2
        for run, run_font in runs:
            canvas.setFont(run_font, size)
            canvas.drawString(x, y, run)
            x += pdfmetrics.stringWidth(run, run_font, size)

    def logo(self, canvas: Canvas, x: float, y: float, size: float) -> None:
        """The brand's vector mark, drawn from its shapes in a 100 x 100 box (y down)."""
        scale = size / 100
        for shape in self.style.data.get("logo", []):
            canvas.setFillColor(colors.HexColor(shape.get("colour", "#000000")))
            sx, sy = shape.get("x", 0), shape.get("y", 0)
            if shape["shape"] == "rect":
                w, h = shape.get("w", 0), shape.get("h", 0)
                canvas.rect(x + sx * scale, y + (100 - sy - h) * scale, w * scale, h * scale, stroke=0, fill=1)
            elif shape["shape"] == "circle":
                canvas.circle(x + sx * scale, y + (100 - sy) * scale, shape.get("r", 0) * scale, stroke=0, fill=1)
            elif shape["shape"] == "text":
                font_size = shape.get("size", 20) * scale
                self._text(canvas, x + sx * scale, y + (100 - sy) * scale - font_size * 0.35,
                           shape.get("text", ""), self.fonts.heading_bold, font_size, "centre")

    def first_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = self.look.pagesize
        top, right, bottom, left = self.look.margins
        band = 24 * mm
        c = self.look.colours
        canvas.saveState()
        canvas.setFillColor(c["primary"])
        canvas.rect(0, height - band, width, band, stroke=0, fill=1)
        canvas.setFillColor(c["accent"])
        canvas.rect(0, height - band - 1.2 * mm, width, 1.2 * mm, stroke=0, fill=1)
        logo = band - 8 * mm
        self.logo(canvas, left, height - band + 4 * mm, logo)
        canvas.setFillColor(c["background"])
        masthead = _fill(self.style.data.get("masthead", "{series}"), self.record)
        self._text(canvas, left + logo + 5 * mm, height - band / 2 - 2.5 * mm, masthead.upper(),
                   self.fonts.heading_bold, 17)
        series = self.record.series
        line1 = f"No. {series.number}" if series and series.number else self.record.identifier
        if series and series.name.casefold() not in masthead.casefold():
            line1 = f"{series.name} · {line1}"
        self._text(canvas, width - right, height - band / 2 + 1 * mm, line1, self.fonts.heading_bold, 10, "right")
        self._text(canvas, width - right, height - band / 2 - 4.5 * mm, long_date(self.record.published),
                   self.fonts.heading, 9.5, "right")
        canvas.restoreState()

    def later_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = self.look.pagesize
        top, right, bottom, left = self.look.margins
        c = self.look.colours
        canvas.saveState()
        y = height - top + 6 * mm
        canvas.setFillColor(c["primary"])
        header = _fill(self.style.data.get("header", "{series}"), self.record)
        self._text(canvas, left, y, header, self.fonts.heading_bold, 8)
        canvas.setFillColor(c["muted"])
        self._text(canvas, width - right, y, _shorten(self.record.title, 70), self.fonts.heading, 8, "right")
        canvas.setStrokeColor(c["rule"])
        canvas.setLineWidth(0.5)
        canvas.line(left, y - 2 * mm, width - right, y - 2 * mm)
        canvas.restoreState()

    def footer(self, canvas: Canvas, total: int) -> None:
        width, height = self.look.pagesize
        top, right, bottom, left = self.look.margins
        c = self.look.colours
        y = bottom - 10 * mm
        canvas.saveState()
        canvas.setStrokeColor(c["rule"])
        canvas.setLineWidth(0.5)
        canvas.line(left, y + 4 * mm, width - right, y + 4 * mm)
        canvas.setFillColor(c["muted"])
        self._text(canvas, left, y, _fill(self.style.data.get("footer", "{identifier}"), self.record),
                   self.fonts.heading, 8)
        self._text(canvas, width - right, y, f"Page {canvas.getPageNumber()} of {total}",
                   self.fonts.heading, 8, "right")
        canvas.restoreState()


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


# Layout ---------------------------------------------------------------------------------------------

def _layout(record: Record, style: Style, look: Look, assets: dict[str, bytes],
            warnings: list[ArchiverWarning]) -> bytes:
    width, height = look.pagesize
    top, right, bottom, left = look.margins
    frame_width = width - left - right
    missing: set[str] = set()
    furniture = Furniture(record, style, look, missing)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=look.pagesize, leftMargin=left, rightMargin=right, topMargin=top,
        bottomMargin=bottom, invariant=1, lang=record.language, initialFontName=look.fonts.body,
        title=record.title, author="; ".join(a.name for a in record.authors), creator=PRODUCER,
        producer=PRODUCER, subject=record.abstract or "", displayDocTitle=1,
    )
    first_top = 24 * mm + 9 * mm
    doc.addPageTemplates([
        PageTemplate("first", [Frame(left, bottom, frame_width, height - first_top - bottom, id="first",
                                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)],
                     onPage=furniture.first_page, autoNextPageTemplate="later"),
        PageTemplate("later", [Frame(left, bottom, frame_width, height - top - bottom, id="later",
                                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)],
                     onPage=furniture.later_page),
    ])
    story = Story(record, look, assets, frame_width, style.data.get("terms", ""), missing, warnings)
    doc.build(story.build(), canvasmaker=_numbered_canvas(furniture))
    if missing:
        warnings.append(ArchiverWarning(
            "W010", f"no font of the brand can draw {', '.join(f'U+{ord(c):04X}' for c in sorted(missing))}; "
            "the PDF leaves them blank (give the brand a font that has them)"))
    return buffer.getvalue()


# PDF/A-3b -------------------------------------------------------------------------------------------

def attachments(record: Record, context: Any) -> list[tuple[str, bytes, str, str, str]]:
    """The sources embedded in the PDF: (file name, bytes, MIME type, relationship, description)."""
    return [
        (f"{record.identifier}.json", record.dumps().encode("utf-8"), "application/json", "Source",
         "The canonical archiver record this PDF was rendered from"),
        (f"{record.identifier}.xml", context.output(record, "jats"), "application/xml", "Source",
         "The article in JATS 1.4 XML"),
        (f"{record.identifier}.csl.json",
         (json.dumps([to_csl(record)], ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
         "application/vnd.citationstyles.csl+json", "Data", "Citation metadata (CSL-JSON)"),
    ]


def _pdf_date(iso: str) -> str:
    return "D:" + iso.replace("-", "") + "000000Z"


def _xmp_date(iso: str) -> str:
    return iso + "T00:00:00Z"


def _identifier(record: Record) -> str:
    links = record.links
    if links and links.doi:
        return f"doi:{links.doi}"
    if links and links.handle:
        return f"hdl:{links.handle}"
    return record.identifier


def _rights_text(record: Record) -> str:
    rights = record.rights
    if not rights:
        return ""
    if rights.statement:
        return rights.statement
    return "© " + " ".join(str(part) for part in (rights.year, rights.holder) if part)


def _to_pdfa(raw: bytes, record: Record, context: Any) -> bytes:
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    created = record.published
    modified = record.modified or record.published
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        for page in pdf.pages:
            # reportlab writes an empty /Trans on every page; PDF/A rejects it.
            if "/Trans" in page.obj and len(page.obj.Trans.keys()) == 0:
                del page.obj["/Trans"]
            for annot in page.obj.get("/Annots", []):
                annot.F = 4  # print flag: PDF/A wants every annotation printable
        icc = pikepdf.Stream(pdf, b"")
        icc.write(_srgb_profile_deflated(), filter=Name.FlateDecode)
        icc.N = 3
        pdf.Root.OutputIntents = Array([Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=String("sRGB IEC61966-2.1"),
            RegistryName=String("http://www.color.org"), Info=String("sRGB IEC61966-2.1"),
            DestOutputProfile=icc)])
        specs = []
        for filename, data, mime, relationship, description in attachments(record, context):
            spec = pikepdf.AttachedFileSpec(pdf, data, description=description, filename=filename,
                                            mime_type=mime, creation_date=_pdf_date(created),
                                            mod_date=_pdf_date(modified),
                                            relationship=Name("/" + relationship))
            spec.obj.EF.F.write(zlib.compress(data), filter=Name.FlateDecode)
            pdf.attachments[filename] = spec
            specs.append(spec.obj)
        pdf.Root.AF = Array(specs)

        subjects = [*(record.subjects or []), *(record.coverage or [])]
        info = pdf.docinfo
        info.Title = record.title
        info.Author = "; ".join(a.name for a in record.authors)
        if record.abstract:
            info.Subject = record.abstract
        info.Keywords = "; ".join(subjects)
        # Not standard keys, but readers of the Info dictionary (pdfinfo -custom, repositories) show them.
        info.Identifier = _identifier(record)
        info.Language = record.language
        if _rights_text(record):
            info.Rights = _rights_text(record)
        info.Creator = PRODUCER
        info.Producer = PRODUCER
        info.CreationDate = _pdf_date(created)
        info.ModDate = _pdf_date(modified)
        pdf.Root.Metadata = pikepdf.Stream(pdf, _xmp(record, subjects, created, modified))
        pdf.Root.Metadata.Type = Name.Metadata
        pdf.Root.Metadata.Subtype = Name.XML

        out = io.BytesIO()
        # reportlab has compressed its streams and the ones added here are compressed as they are made:
        # qpdf would otherwise inflate and deflate every stream again, 80 % of this step's time.
        pdf.save(out, deterministic_id=True, preserve_pdfa=True, fix_metadata_version=False,
                 compress_streams=False)
        return out.getvalue()


@functools.cache
def _srgb_profile_deflated() -> bytes:
    return zlib.compress(SRGB_PROFILE.read_bytes())


def _xmp(record: Record, subjects: list[str], created: str, modified: str) -> bytes:
    """The XMP packet: Dublin Core, XMP basic, XMP rights, Adobe PDF and PDF/A identification."""
    def esc(text: str) -> str:
        return _xml_escape(text, {'"': "&quot;"})

    def alt(text: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{esc(text)}</rdf:li></rdf:Alt>'

    def seq(items: list[str]) -> str:
        return "<rdf:Seq>" + "".join(f"<rdf:li>{esc(item)}</rdf:li>" for item in items) + "</rdf:Seq>"

    def bag(items: list[str]) -> str:
        return "<rdf:Bag>" + "".join(f"<rdf:li>{esc(item)}</rdf:li>" for item in items) + "</rdf:Bag>"

    authors = [a.name for a in record.authors]
    fields = [
        f"<dc:format>application/pdf</dc:format>",
        f"<dc:title>{alt(record.title)}</dc:title>",
        f"<dc:creator>{seq(authors)}</dc:creator>",
        f"<dc:date>{seq([created])}</dc:date>",
        f"<dc:language>{bag([record.language])}</dc:language>",
        f"<dc:identifier>{esc(_identifier(record))}</dc:identifier>",
        f"<dc:publisher>{bag([record.publisher.name])}</dc:publisher>",
    ]
    if record.abstract:
        fields.append(f"<dc:description>{alt(record.abstract)}</dc:description>")
    if subjects:
        fields.append(f"<dc:subject>{bag(subjects)}</dc:subject>")
    rights = _rights_text(record)
    if rights:
        fields.append(f"<dc:rights>{alt(rights)}</dc:rights>")
    if record.rights and record.rights.license:
        fields.append(f"<xmpRights:WebStatement>{esc(record.rights.license)}</xmpRights:WebStatement>")
    if record.rights and record.rights.license:
        fields.append("<xmpRights:Marked>True</xmpRights:Marked>")
    fields += [
        f"<xmp:CreateDate>{_xmp_date(created)}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{_xmp_date(modified)}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{_xmp_date(modified)}</xmp:MetadataDate>",
        f"<xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>",
        f"<pdf:Producer>{PRODUCER}</pdf:Producer>",
        f"<pdf:Keywords>{esc('; '.join(subjects))}</pdf:Keywords>",
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
    ]
    body = "\n   ".join(fields)
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   {body}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")


# Entry point ----------------------------------------------------------------------------------------

def render(record: Record, context: Any) -> bytes:
    """The record as a branded PDF/A-3b with its sources embedded."""
    look = _look(context.style)
    raw = _layout(record, context.style, look, dict(context.assets), context.warnings)
    return _to_pdfa(raw, record, context)
