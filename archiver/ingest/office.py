"""What a DOCX or ODT package says that pandoc's reader does not report (issue 15 point 3).

Owns reading, from the zip's own parts, without a network or entity expansion:
- the document properties: DOCX `docProps/core.xml` (Dublin Core and OPC core properties, ECMA-376
  Part 2 section 11) and `docProps/custom.xml` (custom properties), ODT `meta.xml` (ODF 1.3 section
  4.3: `dc:*`, `meta:initial-creator`, `meta:creation-date`, `meta:keyword`, `meta:user-defined`);
- the review marks pandoc silently resolves: tracked insertions and deletions (pandoc accepts them),
  comments and annotations (pandoc drops them), and pictures linked from outside the document (DOCX
  `a:blip r:link`, which pandoc drops).

`properties` returns loose-record fields (see loose.py) with, for each, where it came from;
`review` returns the warnings to report.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from ..errors import ArchiverWarning

NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "op": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
#: a part larger than this is not read for properties or review marks (the zip is already size-checked)
MAX_PART_BYTES = 16 * 1024 * 1024
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
#: (XPath in the properties part, record field) for DOCX core properties and ODT meta.xml
DOCX_CORE = (("dc:title", "title"), ("dc:creator", "authors"), ("dcterms:created", "published"),
             ("dc:language", "language"), ("cp:keywords", "subjects"), ("dc:description", "abstract"),
             ("dc:identifier", "identifier"))
ODT_META = (("office:meta/dc:title", "title"), ("office:meta/meta:initial-creator", "authors"),
            ("office:meta/meta:creation-date", "published"), ("office:meta/dc:language", "language"),
            ("office:meta/meta:keyword", "subjects"), ("office:meta/dc:description", "abstract"),
            ("office:meta/dc:identifier", "identifier"))


@dataclass
class Properties:
    """Loose-record fields from the document properties, and the warnings of reading them."""
    fields: dict[str, Any] = field(default_factory=dict)
    warnings: list[ArchiverWarning] = field(default_factory=list)


def _part(archive: zipfile.ZipFile, name: str):
    from lxml import etree
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        return None
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return etree.fromstring(archive.read(info), parser)
    except (etree.XMLSyntaxError, ValueError, zipfile.BadZipFile, OSError):
        return None


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def properties(data: bytes, kind: str, source: str, known: dict[str, str]) -> Properties:
    """The record fields a DOCX/ODT's properties give. `known` maps the names a custom property may
    have (`publisher`, `series.number`, `date`, `doi`...) to the loose record field it fills."""
    found = Properties()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if kind == "docx":
            core, table = _part(archive, "docProps/core.xml"), DOCX_CORE
            custom = _part(archive, "docProps/custom.xml")
            customs = [(p.get("name", ""), _text(p)) for p in custom.findall("op:property", NS)] if custom is not None else []
        else:
            core, table = _part(archive, "meta.xml"), ODT_META
            customs = [] if core is None else [(p.get(f"{{{NS['meta']}}}name", ""), _text(p))
                                                for p in core.findall("office:meta/meta:user-defined", NS)]
        if core is not None:
            for path, target in table:
                values = [_text(e) for e in core.findall(path, NS) if _text(e)]
                if values and target not in found.fields:
                    found.fields[target] = "; ".join(values) if target == "subjects" else values[0]
    _check(found, source)
    by_name = {name.lower(): target for name, target in known.items()}
    left_out = []
    for name, value in customs:
        target = by_name.get(name.strip().lower())
        if target and value:
            found.fields[target] = value  # a custom property names its field: it wins over the core one
        elif value:
            left_out.append(name)
    if left_out:
        found.warnings.append(ArchiverWarning("W002", "custom document properties the record has no field for "
                                              f"were left out: {', '.join(sorted(left_out))}", source))
    return found


def _check(found: Properties, source: str) -> None:
    """Property values that cannot be what they claim are left out (Word's templates leave
    "Language" or "Title" placeholders), and a creation date is a guess at the publication date."""
    fields = found.fields
    if "language" in fields and not _LANGUAGE.match(fields["language"]):
        found.warnings.append(ArchiverWarning("W002", f"the document language {fields.pop('language')!r} is not "
                                              "a language tag (BCP 47) and was left out", source, "/language"))
    if "identifier" in fields and not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", fields["identifier"]):
        found.warnings.append(ArchiverWarning("W002", f"the document identifier {fields.pop('identifier')!r} is "
                                              "not a record identifier and was left out", source, "/identifier"))
    if "published" in fields:
        fields["published"] = fields["published"][:10]
        found.warnings.append(ArchiverWarning("W001", f"publication date {fields['published']} taken from the "
                                              "document's creation date", source, "/published"))


# Review marks -------------------------------------------------------------------------------------

def _quoted(texts: list[str], limit: int = 3) -> str:
    shown = [repr(t if len(t) <= 40 else t[:37] + "...") for t in texts[:limit]]
    return ", ".join(shown) + (f" and {len(texts) - limit} more" if len(texts) > limit else "")


def _inserted_text(content: Any, change_id: str | None) -> str:
    """The text an ODT insertion marks: what lies between its text:change-start and text:change-end
    in the body, in document order."""
    from lxml import etree
    start, end = f"{{{NS['text']}}}change-start", f"{{{NS['text']}}}change-end"
    key = f"{{{NS['text']}}}change-id"
    out: list[str] = []
    active = False
    for event, element in etree.iterwalk(content, events=("start", "end")):
        if element.tag == end and element.get(key) == change_id:
            break
        if event == "start":
            if element.tag == start and element.get(key) == change_id:
                active = True
            elif active and element.text:
                out.append(element.text)
        elif active and element.tail:
            out.append(element.tail)
    return " ".join("".join(out).split())


def review(data: bytes, kind: str, source: str) -> list[ArchiverWarning]:
    """W002 for tracked changes (saying which were accepted) and comments, W003 for linked pictures."""
    warnings: list[ArchiverWarning] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if kind == "docx":
            document = _part(archive, "word/document.xml")
            comments = _part(archive, "word/comments.xml")
            rels = _part(archive, "word/_rels/document.xml.rels")
            if document is None:
                return warnings
            inserted = [_text(e) for e in document.iter(f"{{{NS['w']}}}ins", f"{{{NS['w']}}}moveTo")]
            deleted = ["".join(t.text or "" for t in e.iter(f"{{{NS['w']}}}delText")).strip()
                       for e in document.iter(f"{{{NS['w']}}}del", f"{{{NS['w']}}}moveFrom")]
            noted = [_text(c) for c in comments.findall("w:comment", NS)] if comments is not None else []
            targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)} if rels is not None else {}
            linked = [targets.get(blip.get(f"{{{NS['r']}}}link"), "?") for blip in document.iter(f"{{{NS['a']}}}blip")
                      if blip.get(f"{{{NS['r']}}}link") and not blip.get(f"{{{NS['r']}}}embed")]
        else:
            content = _part(archive, "content.xml")
            if content is None:
                return warnings
            regions = content.findall(".//text:tracked-changes/text:changed-region", NS)
            inserted = [_inserted_text(content, r.get(f"{{{NS['text']}}}id")) or "(text)"
                        for r in regions if r.find("text:insertion", NS) is not None]
            deleted = [" ".join(_text(p) for p in r.findall("text:deletion/text:p", NS)) or "(deleted text)"
                       for r in regions if r.find("text:deletion", NS) is not None]
            noted = [" ".join(_text(p) for p in a.findall("text:p", NS)) for a in content.iter(f"{{{NS['office']}}}annotation")]
            linked = []
    inserted = [t for t in inserted if t] or inserted
    if inserted or deleted:
        parts = []
        if inserted:
            parts.append(f"{len(inserted)} insertion(s) kept ({_quoted(inserted)})")
        if deleted:
            parts.append(f"{len(deleted)} deletion(s) applied ({_quoted([d or '(empty)' for d in deleted])})")
        warnings.append(ArchiverWarning("W002", "tracked changes were accepted: " + "; ".join(parts)
                                        + "; the record holds the text as changed", source))
    if noted:
        warnings.append(ArchiverWarning("W002", f"{len(noted)} comment(s) were left out ({_quoted(noted)})", source))
    for target in linked:
        warnings.append(ArchiverWarning("W003", f"a picture linked from outside the document ({target!r}) is never "
                                        "fetched and was left out", source))
    return warnings
