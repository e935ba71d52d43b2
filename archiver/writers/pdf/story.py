"""The story of the PDF: the flowables built from a record (title, byline, synopsis, sectioned body,
figures, tables; the back matter after it comes from `backmatter`), and, made alongside them in the
record's order, the structure tree that a screen reader follows (`tags`): Document, H1 title, byline,
synopsis, Sect with H2-H6, P, L/LI/Lbl/LBody, BlockQuote, Figure with /Alt and Caption, Table with
TR/TH/TD and header scope. Every flowable that draws content carries its element (`flowables`); the
rules and backgrounds of boxes and tables are artifacts.

Content too large for a page is split or shrunk here (tables wider than the column are cut into groups
of columns, rows taller than a page split inside the row, nesting stops indenting once the column is a
third of its width), so reportlab never ends in a LayoutError for want of room.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, ListFlowable, ListItem, Spacer, Table

from ...errors import ArchiverWarning
from ...images import ImageDamaged
from ...record import (Figure, ListBlock, Paragraph as ParagraphNode, Quote, Record, Section,
                       Table as TableNode, plain_text)
from ..pdfimage import figure_image
from .backmatter import BackMatter
from .flowables import Heading, Paragraph, TaggedList, grid
from .look import Look
from .markup import Markup, xml_escape
from .tags import Element, Marked, Tagger

#: the narrowest column a table gets (points); a table with more columns than fit is cut into groups
MIN_COLUMN = 40.0




def affiliation_line(name: str, country: str | None) -> str:
    """An affiliation as printed: its name, then its country unless the name says it already. Both
    show a character (the schema's text rule), so the comma never dangles."""
    return f"{name}, {country}" if country and country not in name else name


class Story:
    """Builds the flowables of a record for one brand, and its structure tree under `tags.root`."""

    def __init__(self, record: Record, look: Look, assets: dict[str, bytes], width: float, page_height: float,
                 terms: str, missing: set[str], warnings: list[ArchiverWarning], tags: Tagger):
        self.record = record
        self.warnings = warnings
        self.terms = terms
        self.look = look
        self.s = look.styles
        self.assets = assets
        self.width = width
        self.page_height = page_height
        self.notes = record.notes()
        self.note_labels = record.note_labels()
        self.markup = Markup(look, self.note_labels, missing, tags)
        self.parent = tags.root
        self.figures = 0
        self.tables = 0
        self.keys = 0
        self.outline_level = -1
        #: how far nested lists and quotes have indented the column
        self.indent = 0.0
        #: how many quotes (one-cell tables) the blocks being built are inside
        self.in_cell = 0

    @contextmanager
    def inside(self, role: str, pointer: str | None = None, **attributes: Any) -> Iterator[Element]:
        """Makes the elements built inside children of a new `role` element."""
        outer = self.parent
        self.parent = Element(role, outer, pointer, **attributes)
        try:
            yield self.parent
        finally:
            self.parent = outer

    def tagged(self, markup: str, style: str | ParagraphStyle, role: str = "P",
               pointer: str | None = None) -> Paragraph:
        paragraph = Paragraph(markup, self.s[style] if isinstance(style, str) else style)
        paragraph.struct = Element(role, self.parent, pointer)
        return paragraph

    def para(self, inlines: Iterable[Any], style: str, pointer: str | None = None) -> Paragraph:
        return self.tagged(self.markup.inlines(inlines, self.s[style].fontName), style, pointer=pointer)

    def plain(self, text: str, style: str, links: bool = False, role: str = "P",
              pointer: str | None = None) -> Paragraph:
        st = self.s[style]
        markup = self.markup.linkify(text, st.fontName) if links else self.markup.text(text, st.fontName)
        return self.tagged(markup, style, role, pointer)

    def heading(self, inlines: list[Any], level: int, pointer: str) -> Heading:
        self.keys += 1
        # An outline may not skip a level (a titled section inside an untitled one).
        self.outline_level = level = min(level, self.outline_level + 1)
        st = self.s["h1" if level == 0 else "h2"]
        heading = Heading(self.markup.inlines(inlines, st.fontName), st, plain_text(inlines), f"h{self.keys}",
                          level, self.page_height)
        heading.struct = Element(f"H{min(level + 2, 6)}", self.parent, pointer)
        return heading

    def build(self) -> list[Flowable]:
        record = self.record
        story: list[Flowable] = [self.plain(record.title, "title", role="H1", pointer="/title")]
        if record.subtitle:
            story.append(self.plain(record.subtitle, "subtitle", pointer="/subtitle"))
        story.extend(self.byline())
        if record.editor_note:
            st = self.s["editor_note"]
            story.append(self.tagged(f"<i>{self.markup.text(record.editor_note, st.fontName)}</i>", st,
                                     pointer="/editor_note"))
        if record.abstract:
            story.append(Spacer(1, self.s["body"].fontSize * 0.8))
            story.append(self.synopsis(record.abstract))
        story.append(Spacer(1, self.s["body"].fontSize * 0.6))
        if record.body:
            story.extend(self.blocks(record.body.blocks, 0, "/body/blocks"))
        story.extend(BackMatter(self).flowables())
        return story

    def byline(self) -> list[Flowable]:
        out: list[Flowable] = []
        for number, author in enumerate(self.record.authors):
            pointer = f"/authors/{number}"
            with self.inside("Div", pointer):
                block: list[Flowable] = [self.plain(author.name, "author")]
                for affiliation in author.affiliations or []:
                    block.append(self.plain(affiliation_line(affiliation.name, affiliation.country), "affiliation"))
            block.append(Spacer(1, self.s["body"].fontSize * 0.35))
            out.append(KeepTogether(block))
        return out

    def synopsis(self, text: str) -> Table:
        st = self.s["synopsis"]
        with self.inside("Sect", "/abstract"):
            inner = [self.tagged("SYNOPSIS", "label", "H2"),
                     self.tagged(f"<i>{self.markup.text(text, st.fontName)}</i>", st)]
        pad = self.s["body"].fontSize
        return grid(self.look, [[inner]], [self.width - self.indent], [
            ("BACKGROUND", (0, 0), (-1, -1), self.look.colours["tint"]),
            ("LINEBEFORE", (0, 0), (0, -1), 3, self.look.colours["primary"]),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.8), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.9),
        ])

    def blocks(self, blocks: list[Any], level: int, pointer: str, style: str = "body") -> list[Flowable]:
        out: list[Flowable] = []
        for index, block in enumerate(blocks):
            here = f"{pointer}/{index}"
            if isinstance(block, Section):
                with self.inside("Sect", here):
                    if block.title:
                        out.append(self.heading(block.title, level, here + "/title"))
                    out.extend(self.blocks(block.blocks, level + 1, here + "/blocks"))
            elif isinstance(block, ParagraphNode):
                out.append(self.para(block.content, style, here))
            elif isinstance(block, ListBlock):
                out.append(self.list_block(block, style, here))
            elif isinstance(block, Quote):
                out += [self.quote(block, here), Spacer(1, self.s["body"].spaceAfter)]
            elif isinstance(block, Figure):
                out.extend(self.figure(block, here))
            elif isinstance(block, TableNode):
                out.extend(self.table(block, here))
        return out

    def _indent(self, amount: float) -> float:
        """`amount`, or nothing once nesting has taken two thirds of the column (a list nested 50
        deep would leave reportlab a negative width)."""
        return amount if self.indent + amount <= self.width * 2 / 3 else 0.0

    def list_block(self, block: ListBlock, style: str, pointer: str) -> ListFlowable:
        st = self.s[style]
        indent = self._indent(st.fontSize * 1.8)
        self.indent += indent
        items, labels = [], []
        with self.inside("L", pointer, A={"O": "List", "ListNumbering": "Decimal" if block.ordered else "Disc"}):
            for number, item in enumerate(block.items):
                with self.inside("LI", f"{pointer}/items/{number}"):
                    labels.append(Element("Lbl", self.parent))
                    with self.inside("LBody"):
                        items.append(ListItem(self.blocks(item, 9, f"{pointer}/items/{number}", style) or [Spacer(1, 0)]))
        self.indent -= indent
        options: dict[str, Any] = dict(bulletFontName=st.fontName, bulletFontSize=st.fontSize,
                                       bulletColor=self.look.colours["primary"], leftIndent=indent,
                                       spaceAfter=st.spaceAfter)
        if block.ordered:
            return TaggedList(items, labels, bulletType="1", bulletFormat="%s.", **options)
        return TaggedList(items, labels, bulletType="bullet", start="•", **options)

    def together(self, parts: list[Flowable]) -> list[Flowable]:
        """`parts` kept on one page, except inside a quote's cell: a cell split across pages cannot
        split a KeepTogether (reportlab gives it no canvas there)."""
        return parts if self.in_cell else [KeepTogether(parts)]

    def quote(self, block: Quote, pointer: str) -> Flowable:
        self.in_cell += 1
        with self.inside("BlockQuote", pointer):
            parts = self.blocks(block.blocks, 9, pointer + "/blocks", "quote")
            if block.attribution:
                st = self.s["attribution"]
                parts.append(self.tagged("— " + self.markup.inlines(block.attribution, st.fontName), st,
                                         pointer=pointer + "/attribution"))
        self.in_cell -= 1
        return grid(self.look, [[parts]], [self.width - self.indent], [
            ("LINEBEFORE", (0, 0), (0, -1), 1.5, self.look.colours["accent"]),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 2),
        ])

    def figure(self, figure: Figure, pointer: str) -> list[Flowable]:
        self.figures += 1
        parts: list[Flowable] = []
        data = self.assets.get(figure.image) if figure.image else None
        st = self.s["caption"]
        caption = f"<b>Figure {self.figures}.</b> " + self.markup.inlines(figure.caption, st.fontName)
        with self.inside("Div", pointer):
            # The same text alternative as the EPUB's: the alt text, else the caption.
            alt = figure.alt or " ".join(plain_text(figure.caption).split()) or f"Figure {self.figures}"
            image = self.image(figure, data, Element("Figure", self.parent, Alt=alt)) if data is not None else None
            if image is not None:
                parts.append(image)
            else:
                # A lost image keeps its caption and credit, never an empty frame.
                caption += f' <font color="#{self.look.colours["muted"].hexval()[2:]}"><i>(image not preserved)</i></font>'
            parts.append(self.tagged(caption, st, "Caption"))
            credit = figure.credit or ""
            if figure.license:
                credit += ("; " if credit else "") + f"licence: {figure.license}"
            if credit:
                parts.append(self.plain(f"Credit: {credit}", "credit", links=True))
            else:
                parts.append(Spacer(1, self.s["credit"].spaceAfter))
        return self.together(parts)

    def image(self, figure: Figure, data: bytes, element: Element) -> Flowable | None:
        """The figure's image scaled to the column, or None when its bytes cannot be decoded."""
        try:
            pixels_w, pixels_h, placed = figure_image(data)
        except ImageDamaged as exc:
            self.warnings.append(ArchiverWarning(
                "W003", f"image {figure.image} of figure {figure.id} cannot be decoded ({exc}); left out of "
                "the PDF, caption and credit kept", pointer=f"figure {figure.id}"))
            return None
        width = min((self.width - self.indent) * 0.8, float(pixels_w))
        height = width * pixels_h / pixels_w
        max_height = self.look.pagesize[1] * 0.4
        if height > max_height:
            width, height = width * max_height / height, max_height
        image = Marked(placed(width, height), element)
        image.hAlign = "LEFT"
        return image

    def table(self, block: TableNode, pointer: str) -> list[Flowable]:
        """The table, or, when its columns cannot all be MIN_COLUMN wide, one table per group of
        columns that can (each with its caption saying which columns it holds)."""
        self.tables += 1
        head, rows = block.head or [], block.rows
        columns = max(len(row) for row in [*head, *rows])
        width = self.width - self.indent
        per_group = max(1, min(columns, int(width // MIN_COLUMN)))
        out: list[Flowable] = []
        for first in range(0, columns, per_group):
            last = min(first + per_group, columns)
            group = f" (columns {first + 1}–{last} of {columns})" if per_group < columns else ""
            out.extend(self._table_part(block, pointer, first, last, group, width))
        return out

    def _table_part(self, block: TableNode, pointer: str, first: int, last: int, group: str,
                    width: float) -> list[Flowable]:
        st = self.s["cell"]
        head, rows = block.head or [], block.rows
        parts: list[Flowable] = []
        with self.inside("Table", pointer):
            if block.caption or group:
                cst = self.s["caption"]
                caption = self.markup.inlines(block.caption or [], cst.fontName) + xml_escape(group)
                parts.append(self.tagged(f"<b>Table {self.tables}.</b> " + caption, cst, "Caption"))
            rows_out: list[list[Paragraph]] = []
            for kind, source, rows_of in (("TH", "head", head), ("TD", "rows", rows)):
                for number, row in enumerate(rows_of):
                    with self.inside("TR", f"{pointer}/{source}/{number}"):
                        cells = []
                        for column in range(first, last):
                            cell = row[column] if column < len(row) else []
                            markup = self.markup.inlines(cell, st.fontName)
                            role, scope = kind, "Column"
                            if not head and column == 0:
                                # No header row: the first column heads each row, as in the JATS.
                                role, scope = "TH", "Row"
                            attributes = {"A": {"O": "Table", "Scope": scope}} if role == "TH" else {}
                            paragraph = Paragraph(f"<b>{markup}</b>" if kind == "TH" else markup, st)
                            paragraph.struct = Element(role, self.parent, f"{pointer}/{source}/{number}/{column}",
                                                       **attributes)
                            cells.append(paragraph)
                        rows_out.append(cells)
        commands: list[tuple] = [
            ("LINEABOVE", (0, 0), (-1, 0), 1, self.look.colours["primary"]),
            ("LINEBELOW", (0, -1), (-1, -1), 1, self.look.colours["primary"]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if head:
            commands += [("BACKGROUND", (0, 0), (-1, len(head) - 1), self.look.colours["tint"]),
                         ("LINEBELOW", (0, len(head) - 1), (-1, len(head) - 1), 0.5, self.look.colours["rule"])]
        if last - first > width // 60:
            # Narrow columns: less padding leaves the text more of them.
            commands += [("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
        table = grid(self.look, rows_out, [width / (last - first)] * (last - first), commands,
                     repeatRows=len(head), hAlign="LEFT")
        parts += [table, Spacer(1, self.s["body"].spaceAfter)]
        return self.together(parts)
