"""Dublin Core writer: the record as an `oai_dc` record (OAI-PMH 2.0, section "Dublin Core"; DCMI
Metadata Terms), the form repositories harvest.

Mapping: creator "Family, Given" (a family-first name as "李, 显龙" too: the comma marks the family name
unambiguously); date the ISO date (as precise as the record is); type the DCMI type `Text` plus the genre;
identifier the DOI, handle and page URLs and the series identifier; relation the series as
"Series; Number" (the DSpace `ispartofseries` convention); subject and coverage one element each.
Validated against `schemas/oai_dc/oai_dc.xsd`, written by the project from the OAI-PMH specification.
"""

from __future__ import annotations

from ..citation import doi_url, full_title, handle_url, person_name
from ..record import Record
from . import RenderContext

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def elements(record: Record) -> list[tuple[str, str, str | None]]:
    """(element, value, xml:lang) in output order."""
    lang = record.language
    out: list[tuple[str, str, str | None]] = [("title", full_title(record), lang)]
    out += [("creator", person_name(a).inverted(), None) for a in record.authors]
    out += [("subject", subject, lang) for subject in record.subjects or []]
    if record.abstract:
        out.append(("description", record.abstract, lang))
    out.append(("publisher", record.publisher.name, None))
    out.append(("date", record.published, None))
    out.append(("type", "Text", None))
    out.append(("type", "Commentary", "en"))
    links = record.links
    for url in (doi_url(record), handle_url(record), links and links.source):
        if url:
            out.append(("identifier", url, None))
    out.append(("identifier", record.identifier, None))
    out.append(("language", record.language, None))
    if record.series:
        series = record.series.name + (f"; {record.series.number}" if record.series.number else "")
        out.append(("relation", series, None))
        if record.series.issn:
            out.append(("relation", f"urn:issn:{record.series.issn}", None))
    out += [("coverage", place, lang) for place in record.coverage or []]
    rights = record.rights
    if rights and rights.statement:
        out.append(("rights", rights.statement, lang))
    if rights and rights.license:
        out.append(("rights", rights.license, None))
    return out


def render(record: Record, context: RenderContext) -> bytes:
    from lxml import etree

    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    for name, value, lang in elements(record):
        element = etree.SubElement(root, f"{{{DC}}}{name}")
        element.text = " ".join(value.split())
        if lang:
            element.set(XML_LANG, lang)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
