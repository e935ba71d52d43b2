"""The PDF writer's fonts: a brand's TrueType files registered once per process, by role, with the
per-glyph fallback reportlab lacks (the brand's script fonts for Arabic, Hebrew, Devanagari, Thai and
Korean, its CJK font, then DejaVu Sans) and fixes to what reportlab embeds (ISO 19005-3 6.2.11:
ToUnicode maps of astral characters and of shaped glyphs, trailing advance widths), and the per-process
caches of font subsets, their CMaps and their compressed streams (`cache_subsets`) and of the widths of
text (`TextFont`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reportlab
from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from ...style import Style
from ...visible import invisible
from .shaping import PRIVATE, ShapingFont, glyph_text

LAST_RESORT_FONT = "DejaVuSans.ttf"
#: what is drawn, in the last-resort font, for each character no font of the brand has
MISSING = "\u25a1"


#: the reportlab whose internals `TextFont.splitString` and `cache_widths` follow (its subset-code
#: assignments, the comment naming a subset's font dictionary): with another, both leave the work to
#: reportlab (pyproject pins it; should another be installed, tests/test_pdf_speed.py fails and
#: names the two to re-check against its code)
REPORTLAB = "5.1.0"
_KNOWN_REPORTLAB = reportlab.Version == REPORTLAB


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's `makeToUnicodeCMap`, replaced by `_cmap`, made once per process where it can be."""
    codes = tuple(subset)
    return _cmap(fontname, codes) if _fixed(codes) else _cmap.__wrapped__(fontname, codes)


def _fixed(subset: tuple[int, ...]) -> bool:
    """Whether a subset's CMap is the same whenever it is made: not so with a shaped glyph's private
    code, whose text is the shortest seen so far (shaping.py)."""
    return not subset or max(subset) < PRIVATE


@functools.lru_cache(maxsize=256)  # a few hundred KB at most: a CMap is 2-10 KB of text
def _cmap(fontname: str, subset: tuple[int, ...]) -> str:
    """reportlab's ToUnicode CMap, mended twice: code points above U+FFFF are written as UTF-16BE
    surrogate pairs (reportlab writes bare 5-digit hex, so an emoji or a CJK Extension B character,
    common in Chinese and Japanese names, extracted as a wrong character), and the codes reportlab
    maps to U+0000 (its reserved code 0, .notdef) or to U+FEFF/U+FFFE get no entry (ISO 14289-1 7.21.7).
    A shaped glyph's private code maps to the text it was shaped from (shaping.py). A subset without
    one (`_fixed`) has its CMap made once per process, like `subset_stream`."""
    face = fontname.split("+", 1)[-1]
    entries = [f"<{index:02X}> <{(glyph_text(face, code) or chr(code)).encode('utf-16-be').hex().upper()}>"
               for index, code in enumerate(subset) if code not in (0, 0xFEFF, 0xFFFE)]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange", f"{len(entries)} beginbfchar", *entries,
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


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
    #: per text font, a pattern of the characters `runs` must look at one by one (`_outside`)
    outside: dict[str, "re.Pattern[str]"]
    #: fonts tried, in order, for a character the run's own font lacks: the brand's script fonts (each
    #: for its own script only), its cjk font, then DejaVu Sans (Greek, Cyrillic, symbols)
    fallbacks: tuple["_Fallback", ...]
    #: the script fallbacks with a bold face, by regular name, used bold where the run's own font is
    #: one of `bold_fonts` (a bold heading, a title)
    bolder: dict[str, "_Fallback"]
    bold_fonts: frozenset[str]

    def runs(self, text: str, font: str, missing: set[str]) -> list[tuple[str, str | None]]:
        """Split text into (run, font) so that every character is set in a font that has its glyph
        (reportlab has no per-glyph fallback). A run of characters no font has comes with the font
        None, for the caller to draw as MISSING (a .notdef glyph breaks PDF/A-3a 6.2.11.8) and its
        characters are added to `missing`; white space no font has becomes a space, and U+FEFF and
        invisible format characters no font has are left out (they have no glyph to draw, and
        PDF/UA 7.21.7 forbids mapping a glyph to U+FEFF)."""
        if not self.outside.get(font, self.outside[self.body]).search(text):
            return [(text, font)] if text else []  # the common case: one font draws it all
        covered = self.covered.get(font, self.covered[self.body])
        runs: list[tuple[str, str | None]] = []
        for char in text:
            chosen: str | None = font
            if char == "\ufeff":
                continue
            code = ord(char)
            if code not in covered and char != " ":
                chosen = next((fallback.name for fallback in self.fallbacks if fallback.has(code)), None)
                if font in self.bold_fonts and chosen in self.bolder and code in self.bolder[chosen].bold_cover:
                    chosen = self.bolder[chosen].bold[0]
                if chosen is None and char.isspace():
                    char, chosen = " ", font
                elif chosen is None and invisible(char):
                    continue
                elif chosen is None:
                    missing.add(char)
            if runs and runs[-1][1] == chosen:
                runs[-1] = (runs[-1][0] + char, chosen)
            else:
                runs.append((char, chosen))
        return runs

    @property
    def last_resort(self) -> str:
        _last_resort_font()
        return self.fallbacks[-1].name


def _outside(covered: frozenset[int]) -> "re.Pattern[str]":
    """A pattern matching any character a font's `covered` code points leave to `Fonts.runs`' per-
    character path: one it cannot draw (but the space), and U+FEFF. One search, at the speed of the
    regular expression engine, finds that most text needs none."""
    drawn = sorted(covered - {0xFEFF} | {0x20})
    ranges: list[tuple[int, int]] = []
    for code in drawn:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return re.compile("[^" + "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges) + "]")


#: the optional script font roles of a brand and the characters each is used for
SCRIPTS = {
    "arabic": ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFE)),
    "hebrew": ((0x0590, 0x05FF), (0xFB1D, 0xFB4F)),
    "devanagari": ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x1CD0, 0x1CFF)),
    "thai": ((0x0E00, 0x0E7F),),
    "korean": ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF)),
}


def font_files(style: Style) -> tuple[tuple[str, str], ...]:
    roles = ("body", "body_bold", "body_italic", "body_bold_italic", "heading", "heading_bold", "cjk")
    files = [(role, str(style.font_path(role))) for role in roles]
    files += [(role, str(style.font_path(role))) for script in SCRIPTS for role in (script, f"{script}_bold")
              if role in style.data["fonts"]]
    files.append(("mono", str(style.font_path("mono")) if "mono" in style.data["fonts"] else files[0][1]))
    return tuple(files)


class _Fallback:
    """A fallback face (a script font, the CJK font) parsed and registered on first use: parsing a
    TrueType file costs 10-60 ms of a worker's start-up and of a one-record `convert`, and most records
    never need one. A script font is used only inside its script's ranges, so a character outside them
    never loads it; its bold face is registered with it (runs in bold text ask for it by name, and
    reportlab maps <b> inside a run to it through the family)."""

    def __init__(self, name: str, file: str, shaped: bool, ranges: tuple[tuple[int, int], ...] | None,
                 bold: tuple[str, str] | None = None):
        self.name, self.file, self.shaped, self.ranges, self.bold = name, file, shaped, ranges, bold

    def may_have(self, code: int) -> bool:
        return self.ranges is None or any(low <= code <= high for low, high in self.ranges)

    def has(self, code: int) -> bool:
        return self.may_have(code) and code in self.cover

    @functools.cached_property
    def cover(self) -> frozenset[int]:
        return self._cover(self.name, self.file)

    @functools.cached_property
    def bold_cover(self) -> frozenset[int]:
        _ = self.cover  # the regular face is registered first, as the family mapping expects
        return self._cover(*self.bold) if self.bold else frozenset()

    def _cover(self, name: str, file: str) -> frozenset[int]:
        codes = frozenset(_register(name, file, self.shaped).face.charToGlyph)
        if self.ranges is None:
            return codes
        return frozenset(code for code in codes if self.may_have(code))


class TextFont(TTFont):
    """A TrueType font of the brand's text (not shaped) that remembers the widths it has measured,
    and splits text already assigned to subset codes without reportlab's per-character loop.

    reportlab measures every word of every paragraph as it breaks lines, over a thousand per record,
    and the words of a series repeat (the, of, its names and boilerplate). A width depends only on
    the characters and the size (a face's widths are fixed once registered), so the remembered one is
    the one reportlab would compute. Drawing splits each run of text into (subset, codes), assigning
    a code to each character the document has not drawn yet in this font; once every character of a
    run has its code (most runs after the first page), the split is a look-up per character."""

    #: how many (text, size) widths a font keeps before starting afresh: about 3 MB at most, seven
    #: text fonts a brand, and room for the words of a long batch
    LIMIT = 20_000

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._widths: dict[tuple[str, float], float] = {}

    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:  # noqa: N802
        if type(text) is not str or encoding != "utf8":  # a ShapedStr, bytes: measured as reportlab does
            return super().stringWidth(text, size, encoding)
        key = (text, size)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) >= self.LIMIT:
                self._widths.clear()
            width = self._widths[key] = super().stringWidth(text, size, encoding)
        return width

    def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:  # noqa: N802
        state = self.state.get(doc)
        if state is None or type(text) is not str or not _KNOWN_REPORTLAB:
            return super().splitString(text, doc, encoding)
        assignments = state.assignments
        try:  # reportlab maps U+00A0 to the space
            codes = [assignments[32 if code == 0xA0 else code] for code in map(ord, text)]
        except KeyError:  # a character without its code yet (or without a glyph): reportlab assigns
            return super().splitString(text, doc, encoding)
        if not codes:
            return []
        if max(codes) < 256:
            return [(0, bytes(codes))]
        results: list[tuple[int, bytes]] = []
        start = 0
        for index in range(1, len(codes) + 1):
            if index == len(codes) or codes[index] >> 8 != codes[start] >> 8:
                results.append((codes[start] >> 8, bytes(code & 0xFF for code in codes[start:index])))
                start = index
        return results


_REGISTERED: dict[str, TTFont] = {}


def _register(name: str, file: str, shaped: bool) -> TTFont:
    """A face registered once per process under `name` (a file used for several roles is embedded once)."""
    font = _REGISTERED.get(name)
    if font is None:
        font = (ShapingFont if shaped else TextFont)(name, file)
        fix_trailing_advances(font.face)
        cache_subsets(font.face)
        if _KNOWN_REPORTLAB:
            cache_widths(font)
        pdfmetrics.registerFont(font)
        _REGISTERED[name] = font
    return font


@functools.cache
def fonts(style_name: str, files: tuple[tuple[str, str], ...]) -> Fonts:
    """Register a brand's text fonts once per process, and its fallbacks when first needed. A file used
    for several roles is registered (and embedded) once; names carry the brand and a digest of its
    files, so two brands, or two versions of one brand, never share a family mapping."""
    import hashlib
    digest = hashlib.sha1(repr(files).encode()).hexdigest()[:8]
    names = {role: f"{style_name}-{digest}-{Path(file).stem}" for role, file in files}
    paths = dict(files)
    text_roles = ("body", "body_bold", "body_italic", "body_bold_italic", "heading", "heading_bold", "mono")
    faces = {names[role]: _register(names[role], paths[role], False) for role in text_roles}
    pdfmetrics.registerFontFamily(names["body"], normal=names["body"], bold=names["body_bold"],
                                  italic=names["body_italic"], boldItalic=names["body_bold_italic"])
    if names["heading"] != names["body"]:
        pdfmetrics.registerFontFamily(names["heading"], normal=names["heading"], bold=names["heading_bold"],
                                      italic=names["heading"], boldItalic=names["heading_bold"])
    scripts = [role for role in SCRIPTS if role in names]
    bolds = [f"{role}_bold" for role in scripts if f"{role}_bold" in names]
    for role in bolds:
        regular, bold = names[role.removesuffix("_bold")], names[role]
        pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
    for name in {names[role] for role in ("cjk", "mono", "body_bold", "heading_bold", *scripts, *bolds)} - \
            {names["body"], names["heading"]} - {names[role.removesuffix("_bold")] for role in bolds}:
        # Bold or italic inside a run set in these fonts must stay in the same (single) face.
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)

    def fallback(role: str) -> _Fallback:
        bold = f"{role}_bold"
        # Script fonts measure their text shaped; Hangul needs no shaping.
        return _Fallback(names[role], paths[role], shaped=role != "korean", ranges=SCRIPTS[role],
                         bold=(names[bold], paths[bold]) if bold in names else None)

    script_fallbacks = [fallback(role) for role in scripts]
    covered = {names[role]: frozenset(faces[names[role]].face.charToGlyph)
               for role in ("body", "body_bold", "heading", "heading_bold", "mono")}
    return Fonts(body=names["body"], body_bold=names["body_bold"], heading=names["heading"],
                 heading_bold=names["heading_bold"], mono=names["mono"], cjk=names["cjk"], covered=covered,
                 outside={name: _outside(codes) for name, codes in covered.items()},
                 fallbacks=(*script_fallbacks, _Fallback(names["cjk"], paths["cjk"], False, None),
                            _LastResort()),
                 bolder={f.name: f for f in script_fallbacks if f.bold},
                 bold_fonts=frozenset(names[role] for role in ("body_bold", "body_bold_italic", "heading_bold")))


class _LastResort(_Fallback):
    """DejaVu Sans, the last font tried (Greek, Cyrillic, symbols), and the one MISSING is drawn in."""

    def __init__(self):
        super().__init__("archiver-last-resort", "", True, None)

    @functools.cached_property
    def cover(self) -> frozenset[int]:
        return frozenset(_last_resort_font().face.charToGlyph)


@functools.cache
def _last_resort_font() -> TTFont:
    from ...style import FONT_DIRS
    path = next((folder / LAST_RESORT_FONT for folder in FONT_DIRS if (folder / LAST_RESORT_FONT).is_file()), None)
    if path is None:
        from ...errors import UsageError
        raise UsageError(f"font file {LAST_RESORT_FONT} not found", hint="run `make setup` to install the fonts")
    font = _register("archiver-last-resort", str(path), shaped=True)
    pdfmetrics.registerFontFamily(font.fontName, normal=font.fontName, bold=font.fontName,
                                  italic=font.fontName, boldItalic=font.fontName)
    return font


def fix_trailing_advances(face: Any) -> None:
    """Undo a reportlab 4/5 bug: glyphs after the last full hmtx entry (numberOfHMetrics) get the
    advance already scaled to 1/1000 em instead of font units, so the embedded subset's widths disagree
    with /Widths (ISO 19005-3 6.2.11.5) for monospaced and CJK fonts."""
    import struct
    count = struct.unpack(">H", face.get_table("hhea")[34:36])[0]
    if 0 < count < len(face.hmetrics):
        advance = face.hmetrics[count - 1][0]
        face.hmetrics[count:] = [(advance, lsb) for _, lsb in face.hmetrics[count:]]



# The per-process caches of font subsets, their CMaps and widths ---------------------------------------

@functools.lru_cache(maxsize=256)  # a few hundred KB at most: a CMap stream is 1-3 KB
def to_unicode_stream(fontname: str, subset: tuple[int, ...]) -> bytes:
    """The Flate stream of a subset's ToUnicode CMap (`_to_unicode_cmap`), made once per process like
    the subset itself: the CMap depends only on the subset's name (its face) and codes, and writing
    and compressing it cost about 0.7 ms per record."""
    return pdfdoc.PDFZCompress.encode(_cmap(fontname, subset))


@functools.lru_cache(maxsize=128)  # a few MB at most: a subset and its stream are tens of KB
def subset_stream(face: Any, subset: tuple[int, ...]) -> tuple[bytes, bytes]:
    """A subset of a face (reportlab's `makeSubset`: the glyphs of these codes, in this order) and its
    Flate stream, made once per process: records of one series use the same subsets of the fonts of
    their headings, furniture and boilerplate. The key is the face object itself (registered once per
    process, never changed after `fix_trailing_advances`; shaping.py only adds private codes, which
    are fixed per glyph) and the subset; the value is what reportlab would make, byte for byte."""
    content = _MAKE_SUBSET(face, list(subset))
    return content, pdfdoc.PDFZCompress.encode(content)


_MAKE_SUBSET = ttfonts.TTFontFace.makeSubset
_ADD_SUBSET_OBJECTS = ttfonts.TTFontFace.addSubsetObjects


def cache_subsets(face: Any) -> None:
    """Makes one registered face take its subsets and their compressed streams from `subset_stream`,
    and the compressed streams of their ToUnicode CMaps from `to_unicode_stream`."""
    def make_subset(subset: list[int]) -> bytes:
        return subset_stream(face, tuple(subset))[0]

    def add_subset_objects(doc: Any, fontname: str, subset: list[int]) -> Any:
        descriptor = _ADD_SUBSET_OBJECTS(face, doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
        if doc.compression and stream is not None and stream.filters == [pdfdoc.PDFZCompress]:
            # Already compressed: PDFStream.format applies no filter to a stream that names one,
            # and writes the dictionary in the same order (Length1, Filter, Length).
            stream.content = subset_stream(face, tuple(subset))[1]
            stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])
            stream.filters = None
        # reportlab's TTFont.addObjects has referenced the subset's CMap stream just before this call
        cmap = doc.idToObject.get(f"toUnicodeCMap:{fontname}")
        if doc.compression and cmap is not None and cmap.filters == [pdfdoc.PDFZCompress] and _fixed(tuple(subset)):
            cmap.content = to_unicode_stream(fontname, tuple(subset))
            cmap.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])
            cmap.filters = None
        return descriptor

    face.makeSubset = make_subset
    face.addSubsetObjects = add_subset_objects


class _Widths(pdfdoc.PDFArray):
    """A subset's /Widths array, written once per process: formatting a few hundred numbers costs
    more than the rest of the font's objects, and the subsets of a series repeat (`subset_stream`)."""

    _written: dict[tuple[float, ...], bytes] = {}

    def format(self, document: Any, IND: bytes = b"\n ") -> bytes:  # noqa: N803 - reportlab's name
        key = tuple(self.sequence)
        out = self._written.get(key)
        if out is None:
            if len(self._written) >= 1024:  # a few hundred KB at most
                self._written.clear()
            out = self._written[key] = super().format(document, IND)
        return out


def cache_widths(font: Any) -> None:
    """Makes one registered font write the /Widths of its subsets through `_Widths`: reportlab's
    `TTFont.addObjects` puts each subset's font dictionary in the document's font list, where its
    widths (a plain array of numbers, no references) are swapped for the same numbers."""
    add_objects = font.addObjects

    def add_objects_cached(doc: Any) -> None:
        add_objects(doc)
        prefix = f"Font {font.fontName} subset "
        for subset_font in doc.idToObject["BasicFonts"].dict.values():
            widths = getattr(subset_font, "Widths", None)
            if type(widths) is pdfdoc.PDFArray and getattr(subset_font, "__Comment__", "").startswith(prefix):
                subset_font.Widths = _Widths(widths.sequence)

    font.addObjects = add_objects_cached

