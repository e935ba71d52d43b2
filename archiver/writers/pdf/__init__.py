"""The PDF writer: a branded, tagged, archival PDF of a record, PDF/A-3a and PDF/UA-1 at once, that
carries its own machine-readable sources.

It owns the reader-facing layout (masthead, title, authors, synopsis, sectioned body, figures,
acknowledgements, notes, references, About the Author(s), author notes, "Cite as", rights and terms,
"page X of Y", outline and live links), its logical structure and the archival envelope. Each part
lives in its own module: `fonts` (font registration and per-glyph fallback), `look` (the brand
resolved into paragraph styles and page geometry), `markup` (record inlines as paragraph markup),
`story` (the flowables and structure elements built from the record's front matter and body),
`backmatter` (what follows the body), `flowables` (reportlab's flowables drawing tagged content),
`page` (the page furniture, as artifacts), `tags` (marked content and the structure tree), `pdfa`
(the PDF/A and PDF/UA envelope, XMP and embedded sources), `syntax` (PDF objects written as bytes) and
`accel` (a reportlab accelerator slower than Python, replaced).
This module lays the story out on the brand's pages; the envelope is added to reportlab's document
before reportlab writes it, so the file is written once.
"""

from __future__ import annotations

import copy
import io
from typing import Any, Callable

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from ...errors import ArchiverWarning, ConversionError
from ...record import Record
from ...style import Style
from .look import Look, look_of
from .page import Furniture, numbered_canvas
from .pdfa import PRODUCER, envelope
from .story import Story
from . import accel, syntax
from .tags import Tagger

# Without this reportlab base-85 encodes every stream, which costs about 100 ms per document.
rl_config.useA85 = 0
syntax.install()
accel.install()


class _Document(BaseDocTemplate):
    """reportlab's document, whose failure to place a flowable is a ConversionError naming the record
    node it was made from, not a LayoutError (exit 1, "a bug")."""

    def __init__(self, *args: Any, record: Record, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.record = record

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        flowable = flowables[0]
        try:
            super().handle_flowable(flowables)
        except LayoutError as exc:
            pointer = _pointer(flowable)
            raise ConversionError(
                f"{self.record.identifier}: the PDF cannot place {pointer or 'a block'} on a page ({exc})",
                source=pointer, hint="shorten or split that node of the record (a shorter heading, "
                "fewer table columns, or a long cell's text moved into paragraphs after the table)") from None


class _Frame(Frame):
    """reportlab's frame, deep-copied without copy.deepcopy's general machinery: platypus copies the
    frame each time it measures a group kept together (a heading with what follows, a list), a dozen
    times a document, and the copy is of numbers and strings but one list. The copy is the one
    deepcopy makes: a new instance, the same attributes in the same order, the atomic values shared
    and the others deep-copied."""

    def __deepcopy__(self, memo: dict[int, Any]) -> "_Frame":
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            new.__dict__[key] = value if type(value) in _ATOMIC else copy.deepcopy(value, memo)
        return new


_ATOMIC = frozenset({int, float, str, bool, type(None)})


def _pointer(flowable: Any) -> str | None:
    """The JSON pointer of the first structure element drawn by `flowable` or what it contains."""
    seen = [flowable]
    while seen:
        item = seen.pop(0)
        struct = getattr(item, "struct", None) or getattr(item, "element", None)
        if struct is not None and struct.pointer:
            return struct.pointer
        for name in ("_content", "_cellvalues", "_flowables", "flowable"):
            inner = getattr(item, name, None)
            if isinstance(inner, Flowable):
                seen.append(inner)
            elif isinstance(inner, (list, tuple)):
                seen.extend(inner)
    return None


def layout(record: Record, style: Style, look: Look, assets: dict[str, bytes], warnings: list[ArchiverWarning],
           finish: Callable[[Any, Tagger], None] | None = None) -> tuple[bytes, Tagger]:
    """The record laid out on the brand's pages by reportlab, and its structure; `finish` adds to
    reportlab's document before it is written (`render`: the archival envelope)."""
    width, height = look.pagesize
    top, right, bottom, left = look.margins
    frame_width = width - left - right
    missing: set[str] = set()
    furniture = Furniture(record, style, look, missing)
    tags = Tagger(record.language)
    buffer = io.BytesIO()
    doc = _Document(
        buffer, pagesize=look.pagesize, leftMargin=left, rightMargin=right, topMargin=top,
        bottomMargin=bottom, invariant=1, lang=record.language, initialFontName=look.fonts.body,
        title=record.title, author="; ".join(a.name for a in record.authors), creator=PRODUCER,
        producer=PRODUCER, subject=record.abstract or "", displayDocTitle=1, record=record,
    )
    first_top = 24 * mm + 9 * mm
    doc.addPageTemplates([
        PageTemplate("first", [_Frame(left, bottom, frame_width, height - first_top - bottom, id="first",
                                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)],
                     onPage=furniture.first_page, autoNextPageTemplate="later"),
        PageTemplate("later", [_Frame(left, bottom, frame_width, height - top - bottom, id="later",
                                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)],
                     onPage=furniture.later_page),
    ])
    story = Story(record, look, assets, frame_width, height - top - bottom, style.data.get("terms", ""), missing,
                  warnings, tags)
    doc.build(story.build(), canvasmaker=numbered_canvas(furniture, tags, finish))
    if missing:
        warnings.append(ArchiverWarning(
            "W010", f"no font of the brand can draw {', '.join(f'U+{ord(c):04X}' for c in sorted(missing))}; "
            "the PDF draws a box for each, its text kept as ActualText (give the brand a font that has them)"))
    return buffer.getvalue(), tags


def render(record: Record, context: Any) -> bytes:
    """The record as a branded, tagged PDF/A-3a and PDF/UA-1 with its sources embedded."""
    def archival(doc: Any, tags: Tagger) -> None:
        envelope(doc, record, context, tags)

    return layout(record, context.style, look_of(context.style), dict(context.assets), context.warnings, archival)[0]
