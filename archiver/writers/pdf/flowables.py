"""The reportlab flowables of the PDF writer's story that draw tagged content: paragraphs and headings
whose glyphs are the marked content of their structure element (ISO 32000-1 14.7.4), tables whose rules
and backgrounds are artifacts (14.8.2.2), lists whose labels are their `Lbl` elements, and the named
destinations that note references point at. `story` makes them from the record; `tags` marks what
they draw.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, ListFlowable, Table, TableStyle
from reportlab.platypus import Paragraph as ReportlabParagraph
from reportlab.platypus.doctemplate import ActionFlowable
from reportlab.platypus.flowables import LIIndenter

from .direction import VisualOrder
from .fragments import fragments
from .linebreak import LineBreaking
from .look import Look
from .tags import Element


class Grid(Table):
    """A reportlab table whose backgrounds and rules are artifacts."""

    def _drawBkgrnd(self) -> None:  # noqa: N802 - reportlab's name
        with self.canv.tags.artifact(self.canv):
            super()._drawBkgrnd()

    def _drawLines(self) -> None:  # noqa: N802 - reportlab's name
        with self.canv.tags.artifact(self.canv):
            super()._drawLines()


def grid(look: Look, data: list[list[Any]], widths: list[float], commands: list[tuple], **kwargs: Any) -> Grid:
    """A table in the brand's cell font (reportlab's default is the non-embedded Helvetica), whose rows
    split across pages when taller than one."""
    table = Grid(data, colWidths=widths, splitInRow=1, **kwargs)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), look.fonts.body), *commands]))
    return table


class Paragraph(VisualOrder, LineBreaking, ReportlabParagraph):
    """reportlab's paragraph, keeping its lines for the width it was last wrapped to, and drawing its
    glyphs as the content of its structure element.

    platypus wraps most paragraphs twice at the same width (to see whether they fit, then to place
    them; KeepTogether and tables measure first as well), and each wrap breaks the lines anew: a fifth
    of the layout time. The lines depend on the width and the paragraph alone.

    Its markup is read into fragments by `fragments` (the fragments reportlab's parser makes, made
    cheaper)."""

    def __init__(self, text: Any, style: ParagraphStyle, *args: Any, frags: Any = None, **kwargs: Any):
        if frags is None and isinstance(text, str):
            text, frags = fragments(text, style)
        super().__init__(text, style, *args, frags=frags, **kwargs)

    #: (width, the lines broken for it); valid while the paragraph still holds those lines (split
    #: drops them when the paragraph moves on whole)
    _wrapped: tuple[float, Any] | None = None
    #: the structure element whose content this is; None draws it as an artifact
    struct: Element | None = None
    #: drawn once already: a table's header row repeated on the next page is an artifact there
    _drawn = False

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        wrapped = self._wrapped
        if wrapped and wrapped[0] == available_width and wrapped[1] is self.__dict__.get("blPara"):
            return self.width, self.height
        size = super().wrap(available_width, available_height)
        lines = self.__dict__.get("blPara")
        self._wrapped = (available_width, lines) if lines is not None else None
        return size

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        parts = super().split(available_width, available_height)
        for part in parts:
            part.struct = self.struct  # a paragraph split over two pages stays one element
        return parts

    def beginText(self, x: float, y: float) -> Any:  # noqa: N802 - reportlab's name
        return self.canv.tags.text(self.canv, x, y, None if self._drawn else self.struct)

    def draw(self) -> None:
        super().draw()
        self._drawn = True


class Heading(Paragraph):
    """A paragraph that is also a bookmark and an outline entry."""

    def __init__(self, markup: str, style: ParagraphStyle, outline_title: str, key: str, level: int,
                 page_height: float):
        super().__init__(markup, style)
        self.outline_title = outline_title
        self.outline_key = key
        self.outline_level = level
        self.page_height = page_height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        # A heading moves to the next frame whole, so it is one outline entry, unless no page holds it.
        if available_height < self.page_height:
            return []
        # Taller than a page: split as a plain paragraph (its outline entry is lost, the text kept).
        plain = Paragraph(self.text, self.style)
        plain.struct = self.struct
        return plain.split(available_width, available_height)

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


class _Bullet:
    """A list item's label (reportlab's BulletDrawer) drawn as the content of its Lbl element."""

    def __init__(self, drawer: Any, element: Element):
        self.drawer = drawer
        self.element = element

    def drawOn(self, indenter: Any, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802
        with canvas.tags.content(canvas, self.element):
            self.drawer.drawOn(indenter, canvas, x, y, _sW)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.drawer, name)


class _Indenter(LIIndenter):
    """reportlab's indented list-item part, which always has room for its label, and which leaves the
    frame break a split KeepTogether begins with (a figure or table that must move to the next page)
    to the page layout: reportlab wraps it in an indenter like any other part, and placing it then
    calls the break's wrap, which raises NotImplementedError."""

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        width, height = super().wrap(available_width, available_height)
        if self._bullet is not None and height < self._bullet._bulletFontSize:
            # reportlab skips a part of no height, label and all: an item that draws nothing (white
            # space only) lost its "2." and the list read 1, 3. The label's line keeps it.
            self.height = height = self._bullet._bulletFontSize * 1.2
        return width, height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        parts = super().split(available_width, available_height)
        out: list[Flowable] = []
        bullet = self._bullet
        for part in parts:
            inner = part._flowable
            if isinstance(inner, ActionFlowable):
                out.append(inner)
                continue
            # the label goes with the first part that draws (reportlab gives it to the first part)
            out.append(_Indenter(inner, self._leftIndent, self._rightIndent, bullet))
            bullet = None
        return out


class TaggedList(ListFlowable):
    """reportlab's list, whose item labels are the Lbl elements given, in item order, and whose items
    split around a frame break (`_Indenter`)."""

    def __init__(self, items: list[Any], labels: list[Element], **options: Any):
        self._labels = iter(labels)
        super().__init__(items, **options)

    def _makeLIIndenter(self, flowable: Flowable, bullet: Any, params: Any = None) -> Any:  # noqa: N802
        if bullet is not None:
            bullet = _Bullet(bullet, next(self._labels))
        made = super()._makeLIIndenter(flowable, bullet, params)
        return _Indenter(flowable, made._leftIndent, made._rightIndent, bullet,
                         spaceBefore=made.__dict__.get("spaceBefore"), spaceAfter=made.__dict__.get("spaceAfter"))
