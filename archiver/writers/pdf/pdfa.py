"""The archival envelope of the PDF: ISO 19005-3 (PDF/A-3, conformance level A: tagged, as `tags` makes
it) and ISO 14289-1 (PDF/UA-1) with an sRGB OutputIntent (6.2.3), XMP metadata in the
dc/xmp/xmpRights/pdf/pdfaid/pdfuaid schemas (6.6; PDF/UA 5), the structure tree (`tags.write`), the Info
dictionary, and the record JSON, the CSL-JSON and the JATS XML embedded as associated files (6.8, `/AF`
with `/AFRelationship`).

It is added to reportlab's document before reportlab writes it (`envelope`), so the file is written
once: opening it again with pikepdf to add these and saving it cost 4 ms of a record's 45 (qpdf parses
and writes every object again). The full PDF/A and PDF/UA checks (page-validation, pdfua, pikepdf's
allow-list, qpdf --check) run in the tests, not here.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import zlib
from pathlib import Path
from typing import Any

from ...record import Record, first_day
from . import tags
from .markup import xml_escape
from .syntax import Raw, RawStream, name, number, set_entry, text
from .tags import Tagger

# pikepdf ships the sRGB profile; found without importing pikepdf, which the writer does not use
SRGB_PROFILE = Path(importlib.util.find_spec("pikepdf").submodule_search_locations[0]) / "pdfa" / "data" / "sRGB.icc"
PRODUCER = "archiver (reportlab)"


def attachments(record: Record, context: Any) -> list[tuple[str, bytes, str, str, str]]:
    """The sources embedded in the PDF: (file name, bytes, MIME type, relationship, description)."""
    return [
        (f"{record.identifier}.json", context.record_json(record), "application/json", "Source",
         "The canonical archiver record this PDF was rendered from"),
        (f"{record.identifier}.xml", context.output(record, "jats"), "application/xml", "Source",
         "The article in JATS 1.4 XML"),
        (f"{record.identifier}.csl.json", context.output(record, "csl-json"),
         "application/vnd.citationstyles.csl+json", "Data", "Citation metadata (CSL-JSON)"),
    ]


def _pdf_date(iso: str) -> str:
    # A timestamp needs a day: a record date known to the month or year stands for its first day
    # (dc:date keeps the date as given).
    return first_day(iso).strftime("D:%Y%m%d000000Z")


def _xmp_date(iso: str) -> str:
    return first_day(iso).isoformat() + "T00:00:00Z"


def _identifier(record: Record) -> str:
    links = record.links
    if links and links.doi:
        return f"doi:{links.doi}"
    if links and links.handle:
        return f"hdl:{links.handle}"
    return record.identifier


def _rights_text(record: Record) -> str:
    rights = record.rights
    if not rights:
        return ""
    if rights.statement:
        return rights.statement
    return "© " + " ".join(str(part) for part in (rights.year, rights.holder) if part)


class _Info(Raw):
    """The Info dictionary; reportlab's has no place for the record's identifier, language and rights,
    and its document ID digests the text fields, as reportlab's own Info does."""

    def __init__(self, fields: list[tuple[str, str]]):
        super().__init__(b"<< " + b" ".join(name(key) + b" " + (value.encode("ascii") if key == "Trapped"
                                                                else text(value)) for key, value in fields)
                         + b" >>")
        self.fields = fields

    def digest(self, md5: Any) -> None:
        for key, value in self.fields:
            md5.update(value.encode("utf-8"))


def envelope(doc: Any, record: Record, context: Any, tagger: Tagger) -> None:
    """Makes reportlab's document (`canvas._doc`, every page shown) an archival one before it is written."""
    created = record.published
    modified = record.modified or record.published
    catalog = doc.Catalog
    for page in doc.Pages.pages:
        # reportlab writes an empty /Trans on every page; PDF/A rejects it.
        if page.Trans is not None and not page.Trans.dict:
            page.Trans = None
        for reference in page.Annots or []:
            set_entry(doc.idToObject[reference.name], "F", 4)  # print flag: PDF/A wants every annotation printable
    icc = RawStream(b"/N 3 /Filter /FlateDecode", _srgb_profile_deflated())
    intent = (b"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) "
              b"/RegistryName (http://www.color.org) /Info (sRGB IEC61966-2.1) /DestOutputProfile "
              + number(doc, icc) + b" >>")
    specs, names = [], []
    dates = b"/CreationDate " + text(_pdf_date(created)) + b" /ModDate " + text(_pdf_date(modified))
    for filename, data, mime, relationship, description in sorted(attachments(record, context)):
        stream = RawStream(b"/Type /EmbeddedFile /Subtype " + name(mime) + b" /Params << /Size %d " % len(data)
                           + dates + b" /CheckSum <" + hashlib.md5(data).hexdigest().encode("ascii")
                           + b"> >> /Filter /FlateDecode", zlib.compress(data))
        embedded = number(doc, stream)
        spec = number(doc, Raw(
            b"<< /Type /Filespec /F " + text(filename) + b" /UF " + text(filename) + b" /Desc " + text(description)
            + b" /AFRelationship " + name(relationship) + b" /EF << /F " + embedded + b" /UF " + embedded + b" >> >>"))
        specs.append(spec)
        names.append(text(filename) + b" " + spec)
    tags.write(doc, tagger)

    subjects = [*(record.subjects or []), *(record.coverage or [])]
    fields = [("Title", record.title), ("Author", "; ".join(a.name for a in record.authors))]
    if record.abstract:
        fields.append(("Subject", record.abstract))
    fields.append(("Keywords", "; ".join(subjects)))
    # Not standard keys, but readers of the Info dictionary (pdfinfo -custom, repositories) show them.
    fields += [("Identifier", _identifier(record)), ("Language", record.language)]
    if _rights_text(record):
        fields.append(("Rights", _rights_text(record)))
    fields += [("Creator", PRODUCER), ("Producer", PRODUCER), ("CreationDate", _pdf_date(created)),
               ("ModDate", _pdf_date(modified)), ("Trapped", "/False")]
    doc.info = _Info(fields)
    metadata = RawStream(b"/Type /Metadata /Subtype /XML", _xmp(record, subjects, created, modified))

    # reportlab's catalog writes the keys it lists (those of __NoDefault__) and makes indirect those of
    # __Refs__; the envelope's keys are written as given.
    catalog.__NoDefault__ = [*catalog.__NoDefault__, "OutputIntents", "AF"]
    catalog.OutputIntents = b"[ " + intent + b" ]"
    catalog.AF = b"[ " + b" ".join(specs) + b" ]"
    catalog.Names = b"<< /EmbeddedFiles << /Names [ " + b" ".join(names) + b" ] >> >>"
    catalog.Metadata = metadata


@functools.cache
def _srgb_profile_deflated() -> bytes:
    return zlib.compress(SRGB_PROFILE.read_bytes())


def _xmp(record: Record, subjects: list[str], created: str, modified: str) -> bytes:
    """The XMP packet: Dublin Core, XMP basic, XMP rights, Adobe PDF, PDF/A and PDF/UA identification,
    and the PDF/A extension schema that PDF/A-3 (6.6.2.3) asks for the pdfuaid namespace it does not
    predefine."""
    def esc(text: str) -> str:
        return xml_escape(text, quote=True)

    def alt(text: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{esc(text)}</rdf:li></rdf:Alt>'

    def seq(items: list[str]) -> str:
        return "<rdf:Seq>" + "".join(f"<rdf:li>{esc(item)}</rdf:li>" for item in items) + "</rdf:Seq>"

    def bag(items: list[str]) -> str:
        return "<rdf:Bag>" + "".join(f"<rdf:li>{esc(item)}</rdf:li>" for item in items) + "</rdf:Bag>"

    authors = [a.name for a in record.authors]
    fields = [
        f"<dc:format>application/pdf</dc:format>",
        f"<dc:title>{alt(record.title)}</dc:title>",
        f"<dc:creator>{seq(authors)}</dc:creator>",
        f"<dc:date>{seq([created])}</dc:date>",
        f"<dc:language>{bag([record.language])}</dc:language>",
        f"<dc:identifier>{esc(_identifier(record))}</dc:identifier>",
        f"<dc:publisher>{bag([record.publisher.name])}</dc:publisher>",
    ]
    if record.abstract:
        fields.append(f"<dc:description>{alt(record.abstract)}</dc:description>")
    if subjects:
        fields.append(f"<dc:subject>{bag(subjects)}</dc:subject>")
    rights = _rights_text(record)
    if rights:
        fields.append(f"<dc:rights>{alt(rights)}</dc:rights>")
    if record.rights and record.rights.license:
        fields.append(f"<xmpRights:WebStatement>{esc(record.rights.license)}</xmpRights:WebStatement>")
    if record.rights and record.rights.license:
        fields.append("<xmpRights:Marked>True</xmpRights:Marked>")
    fields += [
        f"<xmp:CreateDate>{_xmp_date(created)}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{_xmp_date(modified)}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{_xmp_date(modified)}</xmp:MetadataDate>",
        f"<xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>",
        f"<pdf:Producer>{PRODUCER}</pdf:Producer>",
        f"<pdf:Keywords>{esc('; '.join(subjects))}</pdf:Keywords>",
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>A</pdfaid:conformance>",
        "<pdfuaid:part>1</pdfuaid:part>",
    ]
    body = "\n   ".join(fields)
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   {body}
  </rdf:Description>
  <rdf:Description rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA identification</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>The part of ISO 14289 the file conforms to</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")

