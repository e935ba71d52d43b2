"""PRONOM format identifiers (PUIDs) and media types for the files archiver packages.

Identification is by name and a look at the first bytes, enough for the files archiver itself
writes: PDF/A-3a fmt/479 (3b fmt/480, 2a/2b fmt/476/477, 1a/1b fmt/95/354, plain PDF by header version), EPUB 3 fmt/483,
XML fmt/101 (JATS has no PUID of its own), JSON fmt/817, HTML5 fmt/471, PNG 1.0/1.1/1.2
fmt/11/12/13 (by the chunks that introduced each), JPEG JFIF 1.00/1.01/1.02 fmt/42/43/44, plain
text x-fmt/111 (BibTeX, RIS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FormatId:
    puid: str
    name: str
    version: str | None
    mimetype: str


_PDF_VERSIONS = {"1.4": "fmt/18", "1.5": "fmt/19", "1.6": "fmt/20", "1.7": "fmt/276", "2.0": "fmt/1129"}
_PDFA = {("1", "B"): ("fmt/354", "1b"), ("2", "B"): ("fmt/477", "2b"), ("3", "B"): ("fmt/480", "3b"),
         ("1", "A"): ("fmt/95", "1a"), ("2", "A"): ("fmt/476", "2a"), ("3", "A"): ("fmt/479", "3a")}
_JFIF = {b"\x01\x00": ("fmt/42", "1.00"), b"\x01\x01": ("fmt/43", "1.01"), b"\x01\x02": ("fmt/44", "1.02")}


def identify(name: str, data: bytes) -> FormatId:
    lower = name.lower()
    if lower.endswith(".pdf") or data.startswith(b"%PDF-"):
        return _pdf(data)
    if lower.endswith(".epub"):
        return FormatId("fmt/483", "EPUB", "3", "application/epub+zip")
    if lower.endswith(".png") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if lower.endswith((".jpg", ".jpeg")) or data.startswith(b"\xff\xd8\xff"):
        puid, version = _JFIF.get(data[11:13] if data[6:11] == b"JFIF\x00" else b"", ("fmt/43", "1.01"))
        return FormatId(puid, "JPEG File Interchange Format", version, "image/jpeg")
    if lower.endswith(".json"):
        return FormatId("fmt/817", "JSON Data Interchange Format", None, "application/json")
    if lower.endswith((".html", ".htm")):
        return FormatId("fmt/471", "Hypertext Markup Language", "5", "text/html")
    if lower.endswith(".xml"):
        return FormatId("fmt/101", "Extensible Markup Language", "1.0", "application/xml")
    if lower.endswith(".bib"):
        return FormatId("x-fmt/111", "Plain Text File", None, "application/x-bibtex")
    if lower.endswith(".ris"):
        return FormatId("x-fmt/111", "Plain Text File", None, "application/x-research-info-systems")
    return FormatId("x-fmt/111", "Plain Text File", None, "text/plain") if _is_text(data) else \
        FormatId("", "Unknown", None, "application/octet-stream")


def _pdf(data: bytes) -> FormatId:
    part = re.search(rb"pdfaid:part(?:>|=\")\s*(\d)", data)
    conformance = re.search(rb"pdfaid:conformance(?:>|=\")\s*([ABUabu])", data)
    if part and conformance:
        key = (part.group(1).decode(), conformance.group(1).decode().upper())
        if key in _PDFA:
            puid, version = _PDFA[key]
            return FormatId(puid, "Acrobat PDF/A - Portable Document Format", version, "application/pdf")
    header = re.match(rb"%PDF-(\d\.\d)", data)
    version = header.group(1).decode() if header else None
    return FormatId(_PDF_VERSIONS.get(version or "", "fmt/276"), "Acrobat PDF - Portable Document Format",
                    version, "application/pdf")


def _png(data: bytes) -> FormatId:
    # PNG 1.2 added iTXt; PNG 1.1 added sRGB, iCCP and sPLT (PRONOM's signatures use the same chunks).
    if b"iTXt" in data:
        return FormatId("fmt/13", "Portable Network Graphics", "1.2", "image/png")
    if any(chunk in data for chunk in (b"sRGB", b"iCCP", b"sPLT")):
        return FormatId("fmt/12", "Portable Network Graphics", "1.1", "image/png")
    return FormatId("fmt/11", "Portable Network Graphics", "1.0", "image/png")


def _is_text(data: bytes) -> bool:
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data[:4096]
