"""The PDF writer: a branded, archival PDF/A-3b of a record that carries its own machine-readable sources.

It owns the reader-facing layout (masthead, title, authors, synopsis, sectioned body, figures, notes,
About the Author(s), "Cite as", rights and terms, "page X of Y", outline and live links) and the
archival envelope. Each part lives in its own module: `fonts` (font registration and per-glyph
fallback), `look` (the brand resolved into paragraph styles and page geometry), `story` (the flowables
built from the record), `page` (the page furniture) and `pdfa` (the PDF/A step, XMP and embedded
sources). This module lays the story out on the brand's pages and hands the result to the PDF/A step.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from ...errors import ArchiverWarning
from ...record import Record
from ...style import Style
from .look import Look, look_of
from .page import Furniture, numbered_canvas
from .pdfa import PRODUCER, to_pdfa
from .story import Story

# Without this reportlab base-85 encodes every stream, which costs about 100 ms per document.
rl_config.useA85 = 0


def layout(record: Record, style: Style, look: Look, assets: dict[str, bytes],
           warnings: list[ArchiverWarning]) -> bytes:
    """The record laid out on the brand's pages by reportlab, before the PDF/A step."""
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
    doc.build(story.build(), canvasmaker=numbered_canvas(furniture))
    if missing:
        warnings.append(ArchiverWarning(
            "W010", f"no font of the brand can draw {', '.join(f'U+{ord(c):04X}' for c in sorted(missing))}; "
            "the PDF leaves them blank (give the brand a font that has them)"))
    return buffer.getvalue()


def render(record: Record, context: Any) -> bytes:
    """The record as a branded PDF/A-3b with its sources embedded."""
    look = look_of(context.style)
    raw = layout(record, context.style, look, dict(context.assets), context.warnings)
    return to_pdfa(raw, record, context)
