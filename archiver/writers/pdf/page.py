"""The PDF's page furniture: the masthead band and logo of the first page, the running header of the
others, the rules, and the footer with "page X of Y" (drawn once the page count is known). All of it is
marked as artifacts (ISO 32000-1 14.8.2.2): a screen reader reads the story, not the furniture.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, Callable

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate

from ...record import Record, long_date
from ...style import Style
from .direction import visual_runs
from .fonts import MISSING
from .linebreak import shortened
from .look import Look
from .tags import MARKER, PRIVATE_USE, Tagger, actual_text


def _fill(template: str, record: Record) -> str:
    """A brand's header, footer or masthead text with {series}, {number}, {date} and {identifier} filled
    in; any other brace is kept as written."""
    series = record.series
    values = {"series": series.name if series else record.publisher.name,
              "number": f"No. {series.number}" if series and series.number else "",
              "date": long_date(record.published), "identifier": record.identifier}
    filled = re.sub(r"\{(series|number|date|identifier)\}", lambda match: values[match.group(1)], template)
    return " ".join(filled.split())


class NumberedCanvas(Canvas):
    """Holds every page until the end, so the footer can say "page X of Y" in one pass; carries the
    document's `Tagger` for the flowables, and tells it of each link annotation as it is added;
    `finish` gets reportlab's document and the tagger once every page is shown, before the file is
    written (the archival envelope)."""

    def __init__(self, *args: Any, furniture: "Furniture", tags: Tagger,
                 finish: Callable[[Any, Tagger], None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self.furniture = furniture
        self.tags = tags
        self.finish = finish
        self.setNamedCB(MARKER, tags.marker)

    # A link drawn in an artifact (a table's header row repeated on the next page) gets no
    # annotation: PDF/UA-1 7.18.1 and 7.18.5 want every annotation inside a Link element, and the
    # only place for one there would be a second, textless Link in the reading order; the link
    # stays live where the row is content.

    def linkRect(self, contents: str, destination: str, *args: Any, **kwargs: Any) -> Any:  # noqa: N802
        if self.tags.drawing_artifact:
            return None
        result = super().linkRect(contents, destination, *args, **kwargs)
        self.tags.annotation(self, "#" + destination)
        return result

    def linkURL(self, url: str, *args: Any, **kwargs: Any) -> None:  # noqa: N802
        if self.tags.drawing_artifact:
            return
        super().linkURL(url, *args, **kwargs)
        self.tags.annotation(self, url)

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.furniture.footer(self, total)
            super().showPage()
        if self.finish is not None:
            self.finish(self._doc, self.tags)
        super().save()


def numbered_canvas(furniture: "Furniture", tags: Tagger,
                    finish: Callable[[Any, Tagger], None] | None = None) -> Callable[..., NumberedCanvas]:
    """The canvas maker of one document (reportlab makes the canvas as the build starts)."""
    return functools.partial(NumberedCanvas, furniture=furniture, tags=tags, finish=finish)


class Furniture:
    """Masthead, running header and footer of a brand for one record."""

    def __init__(self, record: Record, style: Style, look: Look, missing: set[str]):
        self.record = record
        self.style = style
        self.look = look
        self.fonts = look.fonts
        self.missing = missing
        #: (text, font, size) -> its runs as drawn and their width: the running header and the
        #: footer's identifier are the same on every page
        self._lines: dict[tuple[str, str, float], tuple[list[tuple[str, str]], float]] = {}

    def _text(self, canvas: Canvas, x: float, y: float, text: str, font: str, size: float,
              align: str = "left") -> None:
        """Draw one line of text with the same per-glyph font fallback as the body."""
        runs, width = self._measure(text, font, size)
        if align == "right":
            x -= width
        elif align == "centre":
            x -= width / 2
        for run, run_font in runs:
            canvas.setFont(run_font, size)
            # A shaped run (direction.visual_runs) holds glyph codes, not characters: it is drawn whole.
            for part in [run] if isinstance(run, ShapedStr) else filter(None, PRIVATE_USE.split(run)):
                # PDF/A-3a 6.2.11.7.3: a Private Use Area glyph needs its ActualText, in an artifact too
                with actual_text(canvas, part if PRIVATE_USE.fullmatch(part) else None):
                    canvas.drawString(x, y, part)
                x += pdfmetrics.stringWidth(part, run_font, size)

    def _measure(self, text: str, font: str, size: float) -> tuple[list[tuple[str, str]], float]:
        """The (run, font) pieces a line of text is drawn in, and its width, made once per record."""
        key = (text, font, size)
        if key not in self._lines:
            runs = [(run, run_font) if run_font else (MISSING * len(run), self.fonts.last_resort)
                    for run, run_font in self.fonts.runs(text, font, self.missing)]
            runs = visual_runs(runs)  # Arabic and Hebrew in visual order, complex scripts shaped
            self._lines[key] = runs, sum(pdfmetrics.stringWidth(run, run_font, size) for run, run_font in runs)
        return self._lines[key]

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
        with canvas.tags.artifact(canvas, "Header"):
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
        y = height - top + 6 * mm
        with canvas.tags.artifact(canvas, "Header"):
            canvas.saveState()
            canvas.setFillColor(c["primary"])
            header = _fill(self.style.data.get("header", "{series}"), self.record)
            self._text(canvas, left, y, header, self.fonts.heading_bold, 8)
            canvas.setFillColor(c["muted"])
            # the title in the room the header leaves (70 Chinese characters are twice as wide as 70 Latin)
            room = width - right - left - self._measure(header, self.fonts.heading_bold, 8)[1] - 4 * mm
            title = shortened(_shorten(self.record.title, 70), room,
                              lambda text: self._measure(text, self.fonts.heading, 8)[1])
            self._text(canvas, width - right, y, title, self.fonts.heading, 8, "right")
            canvas.setStrokeColor(c["rule"])
            canvas.setLineWidth(0.5)
            canvas.line(left, y - 2 * mm, width - right, y - 2 * mm)
            canvas.restoreState()

    def footer(self, canvas: Canvas, total: int) -> None:
        width, height = self.look.pagesize
        top, right, bottom, left = self.look.margins
        c = self.look.colours
        y = bottom - 10 * mm
        with canvas.tags.artifact(canvas, "Footer"):
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
    if len(text) <= length:
        return text
    cut = length - 1
    while cut > 1 and unicodedata.category(text[cut]).startswith("M"):
        cut -= 1  # never between a letter and its marks (a Thai vowel or tone mark, an accent)
    return text[:cut].rstrip() + "…"

