"""The story of the PDF: the flowables built from a record (title, byline, synopsis, sectioned body,
figures, tables, notes, About the Author(s), "Cite as", rights and terms), with the record's inlines
turned into reportlab paragraph markup.
"""

from __future__ import annotations

import re
from typing import Any, Iterable
from xml.sax.saxutils import escape as _xml_escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, ListFlowable, ListItem, Spacer, Table, TableStyle
from reportlab.platypus import Paragraph as ReportlabParagraph

from ...citation import cite_as
from ...errors import ArchiverWarning
from ...images import ImageDamaged
from ...record import (Code, Figure, Link, ListBlock, NoteRef, Paragraph as ParagraphNode, Quote, Record,
                       Section, Styled, Table as TableNode, plain_text, walk)
from ..pdfimage import figure_image
from .look import Look


def _table(look: Look, data: list[list[Any]], widths: list[float], commands: list[tuple], **kwargs: Any) -> Table:
    """A reportlab table whose cell font is the brand's: its default is the non-embedded Helvetica."""
    table = Table(data, colWidths=widths, **kwargs)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), look.fonts.body), *commands]))
    return table



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

