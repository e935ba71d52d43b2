"""The archival envelope of the PDF: ISO 19005-3 (PDF/A-3, conformance level A: tagged, as `tags` makes
it) and ISO 14289-1 (PDF/UA-1) with an sRGB OutputIntent (6.2.3), XMP metadata in the
dc/xmp/xmpRights/pdf/pdfaid/pdfuaid schemas (6.6; PDF/UA 5), the structure tree (`tags.write`), the Info
dictionary, and the record JSON, the CSL-JSON and the JATS XML embedded as associated files (6.8, `/AF`
with `/AFRelationship`).

pikepdf only post-processes what reportlab laid out (the cheap path measured in `formats.md`); the full
PDF/A re-validation (`pikepdf.pdfa`) runs in the tests, not here.
"""

from __future__ import annotations

import functools
import io
import zlib
from pathlib import Path
from typing import Any

from ...record import Record, first_day
from . import tags
from .tags import Tagger
from .markup import xml_escape

SRGB_PROFILE = Path(__import__("pikepdf").__file__).parent / "pdfa" / "data" / "sRGB.icc"
PRODUCER = "archiver (reportlab + pikepdf)"


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


def to_pdfa(raw: bytes, record: Record, context: Any, tagger: Tagger) -> bytes:
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    created = record.published
    modified = record.modified or record.published
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        for page in pdf.pages:
            # reportlab writes an empty /Trans on every page; PDF/A rejects it.
            if "/Trans" in page.obj and len(page.obj.Trans.keys()) == 0:
                del page.obj["/Trans"]
            for annot in page.obj.get("/Annots", []):
                annot.F = 4  # print flag: PDF/A wants every annotation printable
        icc = pikepdf.Stream(pdf, b"")
        icc.write(_srgb_profile_deflated(), filter=Name.FlateDecode)
        icc.N = 3
        pdf.Root.OutputIntents = Array([Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=String("sRGB IEC61966-2.1"),
            RegistryName=String("http://www.color.org"), Info=String("sRGB IEC61966-2.1"),
            DestOutputProfile=icc)])
        specs = []
        for filename, data, mime, relationship, description in attachments(record, context):
            spec = pikepdf.AttachedFileSpec(pdf, data, description=description, filename=filename,
                                            mime_type=mime, creation_date=_pdf_date(created),
                                            mod_date=_pdf_date(modified),
                                            relationship=Name("/" + relationship))
            spec.obj.EF.F.write(zlib.compress(data), filter=Name.FlateDecode)
            pdf.attachments[filename] = spec
            specs.append(spec.obj)
        pdf.Root.AF = Array(specs)
        tags.write(pdf, tagger)
        _end_clear_of_eol(pdf)

        subjects = [*(record.subjects or []), *(record.coverage or [])]
        info = pdf.docinfo
        info.Title = record.title
        info.Author = "; ".join(a.name for a in record.authors)
        if record.abstract:
            info.Subject = record.abstract
        info.Keywords = "; ".join(subjects)
        # Not standard keys, but readers of the Info dictionary (pdfinfo -custom, repositories) show them.
        info.Identifier = _identifier(record)
        info.Language = record.language
        if _rights_text(record):
            info.Rights = _rights_text(record)
        info.Creator = PRODUCER
        info.Producer = PRODUCER
        info.CreationDate = _pdf_date(created)
        info.ModDate = _pdf_date(modified)
        pdf.Root.Metadata = pikepdf.Stream(pdf, _xmp(record, subjects, created, modified))
        pdf.Root.Metadata.Type = Name.Metadata
        pdf.Root.Metadata.Subtype = Name.XML

        out = io.BytesIO()
        # reportlab has compressed its streams and the ones added here are compressed as they are made:
        # qpdf would otherwise inflate and deflate every stream again, 80 % of this step's time.
        pdf.save(out, deterministic_id=True, preserve_pdfa=True, fix_metadata_version=False,
                 compress_streams=False)
        return out.getvalue()


def _end_clear_of_eol(pdf: Any) -> None:
    """A stream whose data ends in a CR reads, before `endstream`, as ending in a CR LF end-of-line to
    checkers of ISO 19005-3 6.1.7.1 (page-validation's stream-length rule), which then count one byte
    short. Such a Flate stream (its last bytes are the Adler-32 of its content, so compressing again
    never changes them; about one stream in 256) is written as hex on top, which ends in '>'."""
    from pikepdf import Array, Name, Stream

    for obj in pdf.objects:
        filters = obj.get("/Filter") if isinstance(obj, Stream) else None
        if filters is None or not obj.read_raw_bytes().endswith(b"\r"):
            continue
        if filters == Name.FlateDecode or (isinstance(filters, Array) and list(filters) == [Name.FlateDecode]):
            parms = obj.get("/DecodeParms")
            obj.write(obj.read_raw_bytes().hex().encode("ascii") + b">",
                      filter=Array([Name.ASCIIHexDecode, Name.FlateDecode]),
                      decode_parms=None if parms is None else Array([None, parms]))


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

