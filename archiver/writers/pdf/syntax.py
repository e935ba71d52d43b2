"""PDF objects written as given, for the parts of the file reportlab has no classes for (the structure
tree, the archival envelope of `pdfa`): ISO 32000-1 7.3 syntax made directly as bytes; the change to
how reportlab writes every stream that PDF/A asks for; and two of reportlab's syntax helpers made
cheaper with the same results (`install`).

reportlab formats each object through its own classes, one Python call per number, name and
dictionary; the structure tree of a commentary is a few hundred small objects, so they are written
here as bytes in one pass, with the object numbers reportlab has given (`number`).
"""

from __future__ import annotations

import re
from typing import Any

from reportlab.pdfbase import pdfdoc


class Raw(pdfdoc.PDFObject):
    """An indirect object whose PDF syntax is already made (`data`, set once the numbers of the
    objects it points at are known)."""

    __RefOnly__ = 1

    def __init__(self, data: bytes = b""):
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


class RawStream(pdfdoc.PDFStream):
    """A stream whose data is already encoded (compressed, or plain text such as XMP), with its
    dictionary's other entries as PDF syntax: reportlab adds only /Length."""

    def __init__(self, entries: bytes, data: bytes):
        super().__init__(content=data)
        self.entries = entries

    def format(self, document: Any) -> bytes:
        return (b"<< " + self.entries + b" /Length %d >>\nstream\n" % len(self.content) + self.content
                + _EOL + b"endstream\n")


def set_entry(annotation: Any, key: str, value: Any) -> None:
    """Sets an entry of a link annotation as reportlab holds it: a dictionary (`linkURL`) or a
    LinkAnnotation (`linkRect`), which writes only the keys it permits."""
    if isinstance(annotation, pdfdoc.LinkAnnotation):
        if key == "Contents":
            annotation.Contents = value
            return
        if key not in annotation.permitted:
            annotation.permitted = (*annotation.permitted, key)
        annotation.otherkw[key] = value
    else:
        annotation[key] = pdfdoc.PDFString(value) if isinstance(value, str) else value


def number(document: Any, obj: Any) -> bytes:
    """`obj`'s reference ("12 0 R"), registering it in reportlab's document if it is not yet."""
    reference = document.Reference(obj)
    return b"%d %d R" % document.idToObjectNumberAndVersion[reference.name]


_LITERAL = {ord("\\"): "\\\\", ord("("): "\\(", ord(")"): "\\)"}


def text(value: str) -> bytes:
    """A text string (ISO 32000-1 7.9.2.2): printable ASCII as a literal, anything else as UTF-16BE
    with its byte order mark, in hex."""
    if value.isascii() and value.isprintable():
        return b"(" + value.translate(_LITERAL).encode("ascii") + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def name(value: str) -> bytes:
    """A name object (7.3.5): bytes outside ! to ~ and the delimiters written as #xx."""
    out = []
    for byte in value.encode("utf-8"):
        out.append(f"#{byte:02X}" if byte < 0x21 or byte > 0x7E or chr(byte) in "%()<>[]{}/#" else chr(byte))
    return ("/" + "".join(out)).encode("ascii")


_reportlab_stream = pdfdoc.PDFStream.format
_EOL = b"\r\n"


def _stream_with_eol(self: Any, document: Any) -> bytes:
    # reportlab writes a stream's data right up to `endstream`; ISO 19005-3 6.1.7.1 wants an EOL
    # between them, not counted in /Length. CR LF, so that data ending in a CR (one Flate stream in
    # 256: its Adler-32) is not read as ending in that EOL.
    out = _reportlab_stream(self, document)
    return out[:-len(b"endstream\n")] + _EOL + b"endstream\n"


_reportlab_name = pdfdoc.PDFName
#: name -> reportlab's PDF name of it: the keys of every dictionary reportlab writes (Type, Font,
#: Resources...), about 350 a document, each escaped character by character
_names: dict[str, str] = {}


def _remembered_name(data: str, lo: str = "!", hi: str = "~") -> str:
    if lo != "!" or hi != "~":
        return _reportlab_name(data, lo, hi)
    out = _names.get(data)
    if out is None:
        if len(_names) >= 4096:  # keys, font and destination names: a few hundred a document
            _names.clear()
        out = _names[data] = _reportlab_name(data)
    return out


_reportlab_encoded = pdfdoc.pdfdocEnc
#: the ASCII characters PDFDocEncoding does not have (its 0x18-0x1F are diacritics): reportlab's codec
#: refuses them
_NOT_PDFDOC = re.compile("[\x18-\x1f]")


def _pdfdoc_encoded(x: Any) -> Any:
    # reportlab passes every piece of PDF syntax it writes (numbers, names, "12 0 R") through its
    # PDFDocEncoding codec, a Python function per call; on ASCII that codec is ASCII
    if isinstance(x, str) and x.isascii() and not _NOT_PDFDOC.search(x):
        return x.encode("ascii")
    return _reportlab_encoded(x)


def install() -> None:
    """Every stream reportlab writes in this process ends its data with an EOL, the names its
    dictionaries are written with are escaped once, and its syntax encoded without its codec where
    that is ASCII (changes to a library module, like any: only archiver's PDF writer uses reportlab;
    the same functions each time, so it is idempotent)."""
    pdfdoc.PDFStream.format = _stream_with_eol
    pdfdoc.PDFName = _remembered_name
    pdfdoc.pdfdocEnc = _pdfdoc_encoded
