"""Glyph shaping for the PDF writer: runs of Arabic, Hebrew, Devanagari and Thai set as the font's
OpenType rules ask (joined Arabic letter forms, ligatures, Indic conjuncts and reordered vowel signs,
stacked Thai marks), with HarfBuzz (`uharfbuzz`), in the form reportlab's text objects draw: a
`ShapedStr` whose characters stand for glyphs and whose `ShapeData` carries HarfBuzz's advances and
offsets (the shaping reportlab 4.x+ added; its paragraph-level shaping is left off, since it would
kern Latin text too and shapes a word of two fonts with the first one's glyphs).

A glyph with no character of its own in the font's cmap (a contextual form, a conjunct) is given a
private code U+F0000 + glyph id: fixed for the font whatever was shaped before in the process, so the
output does not depend on it. Its width is the glyph's own advance from `hmtx` (PDF/A-3 6.2.11.5:
/Widths agree with the font program), and its ToUnicode entry (`glyph_text`) the characters the font's
substitutions make it from (fontTools reads its GSUB), or else the text of the cluster it was shaped
from. The structure tree carries the run's logical text as `/ActualText`
(markup.py), which is what a screen reader and a PDF/UA-aware extractor read, and so does the
marked content around each shaped piece on the page (direction.py), for any other extractor.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import uharfbuzz
from reportlab.pdfbase import pdfmetrics
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr, TTFont
from reportlab.pdfgen.textobject import PDFTextObject

#: scripts whose text needs shaping: Hebrew, Arabic (with Syriac, Thaana, NKo and the presentation
#: forms), Devanagari and the other Indic scripts through Khmer and Lao, Thai
COMPLEX = re.compile("[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1780-\u17ff\ufb1d-\ufdff\ufe70-\ufefe]")
#: characters that are strongly right-to-left or Arabic numbers: a line holding one needs reordering
RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe]")
#: where private glyph codes start (Supplementary Private Use Area-A; no brand font maps it)
PRIVATE = 0xF0000
_FEATURES = {"kern": True, "liga": True}

_set_rise = PDFTextObject.setRise


def _rise_first(self: PDFTextObject, rise: float) -> None:
    """reportlab 5.1 draws a shaped run into a fresh operator list and, when the run's first glyph
    is raised or lowered (a mark where a run starts), reads the list's last item: an IndexError."""
    if self._code:
        return _set_rise(self, rise)
    self._rise = rise
    self._y -= rise
    self._code.append(f"{fp_str(rise)} Ts")


PDFTextObject.setRise = _rise_first

#: (font face name, glyph id) -> the text the glyph was shaped from, for its ToUnicode entry
_glyph_texts: dict[tuple[str, int], str] = {}


def glyph_text(face_name: str, code: int) -> str | None:
    """The text of a private glyph code of a face, or None when the code is no private glyph code."""
    return _glyph_texts.get((face_name, code - PRIVATE)) if code >= PRIVATE else None


class ShapingFont(TTFont):
    """A TrueType font whose text in a complex script is measured as shaped, so that lines are broken
    at the width they will be drawn with (reportlab measures the unshaped characters)."""

    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:  # noqa: N802
        if isinstance(text, ShapedStr):
            return sum(data.x_advance for data in text.__shapeData__) * size / 1000
        if COMPLEX.search(text):
            return _advance(self.fontName, text) * size / 1000
        return super().stringWidth(text, size, encoding)


@functools.lru_cache(maxsize=4096)
def _advance(font_name: str, text: str) -> float:
    return sum(data.x_advance for data in shape(text, font_name, rtl=bool(RTL.search(text))).__shapeData__)


@functools.cache
def _hb_font(font_name: str) -> Any:
    font = pdfmetrics.getFont(font_name)
    return uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob(font.face._ttf_data)))


@functools.lru_cache(maxsize=8192)
def shape(text: str, font_name: str, rtl: bool) -> ShapedStr:
    """`text` shaped in a registered TrueType font, glyphs in visual (left-to-right) order: `rtl`
    is the direction of the run, from the bidi algorithm (direction.py)."""
    font = pdfmetrics.getFont(font_name)
    face = font.face
    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    # The script from the text; the language fixed (HarfBuzz would take the process's locale), so that
    # the glyphs do not depend on the machine: the font's default language system.
    buffer.language = "und"
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if rtl else "ltr"
    buffer.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
    uharfbuzz.shape(_hb_font(font_name), buffer, _FEATURES)
    infos, positions = buffer.glyph_infos, buffer.glyph_positions
    starts = sorted({info.cluster for info in infos} | {len(text)})
    scale = face._pdfScale
    name = face.name.decode("latin-1") if isinstance(face.name, bytes) else str(face.name)
    chars: list[str] = []
    data: list[ShapeData] = []
    index = 0
    for cluster in _clusters(infos):
        source = text[cluster[0].cluster:starts[starts.index(cluster[0].cluster) + 1]]
        # What the cluster's glyphs with a character of their own do not already say goes to its
        # first glyph without one (a conjunct, a ligature, a contextual form).
        rest = _without(source, "".join(chr(face.glyphToChar[info.codepoint][0]) for info in cluster
                                        if info.codepoint in face.glyphToChar))
        for info in cluster:
            gid = info.codepoint
            if gid in face.glyphToChar:
                code = face.glyphToChar[gid][0]
            else:
                code = PRIVATE + gid
                if code not in face.charToGlyph:
                    face.charToGlyph[code] = gid
                    face.charWidths[code] = scale(face.hmetrics[gid][0])
                intrinsic = _made_of(face, gid)
                if intrinsic:
                    said = intrinsic
                else:  # a second glyph of a cluster whose text is all said: a zero-width space
                    said, rest = rest or _NOTHING, ""
                known = _glyph_texts.get((name, gid))
                # One text per glyph whatever the order records are drawn in: the shortest seen.
                if known is None or _rank(said) < _rank(known):
                    _glyph_texts[name, gid] = said
            position = positions[index]
            index += 1
            chars.append(chr(code))
            data.append(ShapeData(info.cluster, scale(position.x_advance), scale(position.y_advance),
                                  scale(position.x_offset), scale(position.y_offset), face.charWidths[code]))
    return ShapedStr("".join(chars), shapeData=data)


_NOTHING = "\u200b"


def _made_of(face: Any, gid: int, depth: int = 0) -> str | None:
    """The characters a glyph with no character of its own is made from by the font's substitutions
    (a contextual form from its letter, a conjunct from its consonants and virama), whatever text it
    was shaped in: so its ToUnicode entry is the same in every document."""
    if gid in face.glyphToChar:
        return chr(face.glyphToChar[gid][0])
    sources = _substituted(face.filename).get(gid)
    if sources is None or depth > 8:
        return None
    parts = [_made_of(face, source, depth + 1) for source in sources]
    return None if None in parts else "".join(parts)  # type: ignore[arg-type]


@functools.cache
def _substituted(path: str) -> dict[int, tuple[int, ...]]:
    """glyph id -> the glyph ids the font's GSUB makes it from: single and alternate substitutions
    (one glyph), ligatures (several); the first lookup that makes a glyph names its sources."""
    from fontTools.ttLib import TTFont as FontFile
    font = FontFile(path, lazy=True)
    ids = {name: index for index, name in enumerate(font.getGlyphOrder())}
    out: dict[int, tuple[int, ...]] = {}
    if "GSUB" not in font or font["GSUB"].table.LookupList is None:
        return out
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for table in lookup.SubTable:
            kind = lookup.LookupType
            if kind == 7:
                kind, table = table.ExtensionLookupType, table.ExtSubTable
            if kind == 1:
                for source, made in sorted(table.mapping.items()):
                    out.setdefault(ids[made], (ids[source],))
            elif kind == 3:
                for source, alternates in sorted(table.alternates.items()):
                    for made in alternates:
                        out.setdefault(ids[made], (ids[source],))
            elif kind == 4:
                for first, ligatures in sorted(table.ligatures.items()):
                    for ligature in ligatures:
                        out.setdefault(ids[ligature.LigGlyph], tuple(ids[name] for name in (first, *ligature.Component)))
    return out


def _rank(text: str) -> tuple[bool, int, str]:
    return text == _NOTHING, len(text), text


def _clusters(infos: list[Any]) -> list[list[Any]]:
    """The glyphs in runs of one cluster each, in output order."""
    groups: list[list[Any]] = []
    for info in infos:
        if groups and groups[-1][0].cluster == info.cluster:
            groups[-1].append(info)
        else:
            groups.append([info])
    return groups


def _without(source: str, own: str) -> str:
    """`source` less one occurrence of each character in `own`."""
    rest = list(source)
    for char in own:
        if char in rest:
            rest.remove(char)
    return "".join(rest)
