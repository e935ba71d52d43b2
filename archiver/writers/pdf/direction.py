"""The visual order of a paragraph's lines: the Unicode Bidirectional Algorithm (UAX #9) for runs of
Arabic and Hebrew, and shaping (shaping.py) for every run in a complex script, applied to the lines
reportlab has broken, just before they are drawn.

reportlab keeps a paragraph's text in logical order and breaks it into lines at the widths of the
shaped runs (`ShapingFont`); its own bidi support needs `rlbidi` (not on PyPI) and is switched off for
paragraphs of several fragments, which every tagged paragraph is. So each line is cut into pieces of
one fragment and one embedding level (python-bidi's reference implementation of UAX #9 resolves the
levels, with the paragraph's direction from its first strong character, P2-P3), the pieces are
reordered by rule L2, and a piece at an odd level is shaped right-to-left, which also mirrors its
brackets (L4). The pieces are still drawn in logical order, each moved to its visual place (a zero-
width `onDraw` callback before it): so the content stream, its marked-content sequences and the
tagging markers (tags.py), and with them the structure tree, keep the logical order (ISO 14289-1 7.2
asks for the logical reading order), while the page shows the visual one. Each shaped left-to-right
piece is also a marked-content sequence with its text as /ActualText (see `_actual`).
Lines without complex scripts are drawn as reportlab made them, byte for byte.
"""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

from bidi import algorithm as uba
from reportlab.lib.abag import ABag
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr
from reportlab.platypus.paragraph import ParaLines

from .shaping import COMPLEX, RTL, shape

#: name of the canvas callback that moves the text position to a piece's visual place and marks a
#: shaped piece's /ActualText
CALLBACK = "visual-order"
#: what a marker or an inline image stands as in the text the bidi algorithm reads: a neutral, as
#: the zero-width boundary it is
_OBJECT = "\ufffc"
#: isolates, which python-bidi's reference implementation predates: read as neutrals; a code point
#: Python's Unicode database leaves without a class (unassigned) is read as left-to-right, UAX #9's
#: default outside the right-to-left blocks
_ISOLATES = {"LRI", "RLI", "FSI", "PDI"}


def levels(text: str, base: int) -> list[int]:
    """The resolved embedding level of each character of `text` (UAX #9 up to rule I2); the
    characters rule X9 removes (embedding controls, zero-width joiners) get the level before them."""
    text = "".join(_OBJECT if unicodedata.bidirectional(char) in _ISOLATES else
                   "A" if not unicodedata.bidirectional(char) else char for char in text)
    storage = uba.get_empty_storage()
    storage["base_level"], storage["base_dir"] = base, "LR"[base]
    uba.get_embedding_levels(text, storage)
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    kept = iter(char["level"] for char in storage["chars"])
    out: list[int] = []
    for char in text:
        removed = unicodedata.bidirectional(char) in uba.X9_REMOVED
        out.append((out[-1] if out else base) if removed else next(kept))
    return out


def _text(frag: Any) -> str:
    return _OBJECT if hasattr(frag, "cbDefn") else frag.text


def visual_line(line: Any, base: int, indent: float = 0.0) -> Any:
    """A copy of a reportlab FragLine with its fragments cut into pieces of one embedding level,
    shaped, and each drawn at its place in the visual order (UAX #9 L2), still in logical order;
    `indent` moves them all right (the last line of a justified right-to-left paragraph)."""
    words = line.words
    text = "".join(_text(frag) for frag in words)
    if not base and not RTL.search(text):
        out = []
        for frag in words:
            out += _actual(words[0], _shaped(frag, frag.text, False)) if not hasattr(frag, "cbDefn") \
                and COMPLEX.search(frag.text) else [frag]
        return line.clone(words=out)
    resolved = levels(text, base)
    pieces: list[tuple[int, Any]] = []  # (level, fragment), a text fragment shaped where it must be
    position = 0
    for frag in words:
        if hasattr(frag, "cbDefn"):
            pieces.append((resolved[position], frag))
            position += 1
            continue
        piece_start = 0
        for index in range(1, len(frag.text) + 1):
            if index == len(frag.text) or resolved[position + index] != resolved[position + piece_start]:
                level, piece = resolved[position + piece_start], frag.text[piece_start:index]
                pieces.append((level, _shaped(frag, piece, True) if level % 2 else
                               _shaped(frag, piece, False) if COMPLEX.search(piece) else frag.clone(text=piece)))
                piece_start = index
        position += len(frag.text)
    order = _reordered([level for level, _ in pieces])
    # Where each piece starts: the width and the spaces (widened when justified) of those left of it.
    places: dict[int, tuple[float, int]] = {}
    x, spaces = indent, 0
    for index in order:
        frag = pieces[index][1]
        places[index] = (x, spaces)
        if not hasattr(frag, "cbDefn"):
            x += _width(frag)
            spaces += frag.text.count(" ")
    out = []
    for index, (_, frag) in enumerate(pieces):
        if hasattr(frag, "cbDefn"):
            out.append(frag)
        else:
            out += [_callback(words[0], "move %r %d" % places[index]), *_actual(words[0], frag)]
    out.append(_callback(words[0], "end"))
    return line.clone(words=out)


def _reordered(resolved: list[int]) -> list[int]:
    """Rule L2: the indices of pieces at these levels in visual order (from the highest level to the
    lowest odd one, every run at that level or above reversed)."""
    order = list(range(len(resolved)))
    highest = max(resolved, default=0)
    lowest_odd = min((level for level in resolved if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if resolved[order[index]] < level:
                index += 1
                continue
            end = index
            while end < len(order) and resolved[order[end]] >= level:
                end += 1
            order[index:end] = order[index:end][::-1]
            index = end
    return order


def visual_runs(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One line of (text, font) runs of the page furniture (a running header), shaped and in visual
    order: as `visual_line`, but drawn left to right, since artifacts have no reading order."""
    text = "".join(run for run, _ in runs)
    if not COMPLEX.search(text):
        return runs
    base = uba.get_base_level(text)
    resolved = levels(text, base)
    pieces: list[tuple[int, str, str]] = []
    position = 0
    for run, font in runs:
        start = 0
        for index in range(1, len(run) + 1):
            if index == len(run) or resolved[position + index] != resolved[position + start]:
                level, piece = resolved[position + start], run[start:index]
                pieces.append((level, shape(piece, font, True) if level % 2 else
                               shape(piece, font, False) if COMPLEX.search(piece) else piece, font))
                start = index
        position += len(run)
    return [(pieces[index][1], pieces[index][2]) for index in _reordered([level for level, _, _ in pieces])]


def _actual(first: Any, frag: Any) -> list[Any]:
    """A shaped fragment inside a marked-content sequence whose /ActualText is its text (ISO 32000-1
    14.9.4), so that extraction from the page reads Devanagari vowel signs after their consonants, and
    punctuation between right-to-left words (drawn reversed, brackets mirrored) as written. Pieces of
    Arabic or Hebrew letters go without: their glyphs' ToUnicode text (Arabic presentation forms) in
    visual order is what extractors such as poppler expect and turn to logical order; they would turn
    a logical /ActualText backwards (the structure tree has it, markup.py)."""
    if not isinstance(frag.text, ShapedStr) or (frag.rtl and RTL.search(frag.logical)):
        return [frag]
    return [_callback(first, "open " + ("\ufeff" + frag.logical).encode("utf-16-be").hex()), frag,
            _callback(first, "close")]


def _width(frag: Any) -> float:
    if isinstance(frag.text, ShapedStr):
        return sum(data.x_advance for data in frag.text.__shapeData__) * frag.fontSize / 1000
    return pdfmetrics.stringWidth(frag.text, frag.fontName, frag.fontSize)


def _shaped(frag: Any, text: str, rtl: bool) -> Any:
    return frag.clone(text=shape(text, frag.fontName, rtl), logical=text, rtl=rtl)


def _callback(frag: Any, label: str) -> Any:
    callback = frag.clone(text="")
    callback.cbDefn = ABag(kind="onDraw", name=CALLBACK, label=label)
    return callback


def callback(canvas: Any, kind: str, label: str) -> None:
    """The `onDraw` callback of the pieces: "move X SPACES" sets the text position to where the next
    piece is drawn, relative to the line's start (a `Td` moves the line origin, so "end" undoes the
    line's moves before reportlab's next-line operator); "open HEX" and "close" bracket a shaped
    piece with its /ActualText."""
    text = canvas._curr_tx_info["tx"]
    verb, _, rest = label.partition(" ")
    if verb == "open":
        text._code.append(f"/Span <</ActualText <{rest.upper()}>>> BDC")
        return
    if verb == "close":
        text._code.append("EMC")
        return
    shift = getattr(text, "_visual_shift", 0.0)
    target = 0.0
    if verb == "move":
        x, spaces = rest.split()
        target = float(x) + int(spaces) * getattr(text, "_wordSpace", 0)
    if abs(target - shift) > 1e-6:
        text.setXPos(target - shift)
    text._visual_shift = target


class VisualOrder:
    """Mixin for reportlab's Paragraph: draws its lines in visual order. A paragraph whose first
    strong character is right-to-left is laid out right-to-left: ragged left where the style sets
    it ragged right."""

    #: the paragraph's direction (0 left to right, 1 right to left) when it is a part of a paragraph
    #: split over two pages, whose own first strong character may not be the whole one's
    _base: int | None = None

    def split(self, available_width: float, available_height: float) -> list[Any]:
        lines = self.__dict__.get("blPara")
        parts = super().split(available_width, available_height)  # type: ignore[misc]
        if len(parts) > 1 and lines is not None and lines.kind == 1:
            base = self._base if self._base is not None else _base(lines)
            for part in parts:
                part._base = base
        return parts

    def draw(self) -> None:
        lines = self.__dict__.get("blPara")
        if lines is None or lines.kind != 1 or not _needs_work(lines):
            return super().draw()  # type: ignore[misc]
        base = self._base if self._base is not None else _base(lines)
        style = self.style
        self.canv.setNamedCB(CALLBACK, callback)
        last = len(lines.lines) - 1 if not getattr(self, "_JustifyLast", False) else -1
        words = style.justifyLastLine

        def unstretched(index: int, line: Any) -> bool:
            # What reportlab's justified drawing leaves unstretched (_justifyDrawParaLineX): a line
            # ended by a line break, and the paragraph's last line (not the last of a part split
            # off before a page break); right-to-left, such a line is set flush right.
            ending = index == last and not (words and line.wordCount > words)
            return line.lineBreak or (ending and line.extraSpace > -1e-8)

        flush = base and style.alignment == TA_JUSTIFY
        self.blPara = ParaLines(**{**lines.__dict__, "lines": [
            visual_line(line, base, line.extraSpace if flush and unstretched(index, line) else 0.0)
            for index, line in enumerate(lines.lines)]})
        if base and style.alignment == TA_LEFT:
            self.style = copy.copy(style)
            self.style.alignment = TA_RIGHT
        try:
            super().draw()  # type: ignore[misc]
        finally:
            self.blPara, self.style = lines, style


def _base(lines: Any) -> int:
    """The direction of a paragraph of these lines: of its first strong character (P2, P3)."""
    return uba.get_base_level("".join(frag.text for line in lines.lines for frag in line.words
                                      if not hasattr(frag, "cbDefn")))


def _needs_work(lines: Any) -> bool:
    return any(not hasattr(frag, "cbDefn") and COMPLEX.search(frag.text) for line in lines.lines
               for frag in line.words)
