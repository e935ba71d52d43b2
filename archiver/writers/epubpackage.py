"""The package of an EPUB 3.3 book: the package document (EPUB 3.3 section 5: metadata with the
EPUB Accessibility 1.1 properties, manifest, spine) and the OCF zip container (EPUB 3.3 section 4).
Identifiers are derived and dates come from the record, so the same book gives the same bytes.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile

from lxml import etree

from ..record import Author, Record, first_day

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: Namespace of the uuid5 from which a book without DOI or handle gets its `urn:uuid` identifier.
IDENTIFIER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://archiver.invalid/commentary/")
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


def book_identifier(record: Record) -> str:
    """The unique identifier of the book: the DOI, else the handle, else a uuid5 of the identifier."""
    links = record.links
    if links and links.doi:
        return f"urn:doi:{links.doi}"
    if links and links.handle:
        return f"https://hdl.handle.net/{links.handle}"
    return f"urn:uuid:{uuid.uuid5(IDENTIFIER_NAMESPACE, record.identifier)}"


def package_document(record: Record, spine: list[str], images: list[tuple[str, str]]) -> bytes:
    """The package document (`EPUB/package.opf`): metadata, manifest and spine. `spine` lists the
    content documents in reading order, `images` the (href, media type) of the figure images."""
    package = etree.Element(f"{{{OPF}}}package", nsmap={None: OPF})
    package.set("version", "3.0")
    package.set("unique-identifier", "pub-id")
    package.set(XML_LANG, record.language)
    metadata = etree.SubElement(package, f"{{{OPF}}}metadata", nsmap={"dc": DC})

    def dc(name: str, text: str, **attrs: str) -> etree._Element:
        element = etree.SubElement(metadata, f"{{{DC}}}{name}")
        element.text = text
        for key, value in attrs.items():
            element.set(key, value)
        return element

    def meta(prop: str, text: str, **attrs: str) -> etree._Element:
        element = etree.SubElement(metadata, f"{{{OPF}}}meta", property=prop)
        for key, value in attrs.items():
            element.set(key, value)
        element.text = text
        return element

    identifier = book_identifier(record)
    dc("identifier", identifier, id="pub-id")
    links = record.links
    others = [f"urn:doi:{links.doi}" if links and links.doi else None,
              f"https://hdl.handle.net/{links.handle}" if links and links.handle else None,
              record.identifier]
    for other in others:
        if other and other != identifier:
            dc("identifier", other)
    dc("title", record.title, id="main-title")
    meta("title-type", "main", refines="#main-title")
    if record.subtitle:
        dc("title", record.subtitle, id="subtitle")
        meta("title-type", "subtitle", refines="#subtitle")
    for index, author in enumerate(record.authors, start=1):
        creator_id = f"creator{index}"
        dc("creator", author.name, id=creator_id)
        meta("file-as", _file_as(author), refines=f"#{creator_id}")
        meta("role", "aut", refines=f"#{creator_id}", scheme="marc:relators")
        meta("display-seq", str(index), refines=f"#{creator_id}")
    dc("date", record.published)
    dc("language", record.language)
    dc("publisher", record.publisher.name)
    dc("rights", rights_statement(record))
    for subject in record.subjects or []:
        dc("subject", subject)
    for place in record.coverage or []:
        dc("coverage", place)
    if record.abstract:
        dc("description", record.abstract)
    source = links and (links.source or links.pdf)
    if source:
        dc("source", source)
    dc("type", "Text")
    if record.series:
        meta("belongs-to-collection", record.series.name, id="series")
        meta("collection-type", "series", refines="#series")
        position = _group_position(record.series.number)
        if position:
            meta("group-position", position, refines="#series")
        if record.series.issn:
            meta("dcterms:identifier", f"urn:issn:{record.series.issn}", refines="#series")
    if record.rights and record.rights.license:
        meta("dcterms:license", record.rights.license)
    # dcterms:modified must be a full UTC timestamp: a year or month gives its first day.
    meta("dcterms:modified", f"{first_day(record.modified or record.published).isoformat()}T00:00:00Z")
    for prop, value in accessibility_metadata(record, visual=bool(images)):
        meta(prop, value)

    manifest = etree.SubElement(package, f"{{{OPF}}}manifest")
    items = [("nav", "nav.xhtml", "application/xhtml+xml", "nav"),
             ("css", "style.css", "text/css", ""),
             ("cover-image", "images/cover.svg", "image/svg+xml", "cover-image")]
    items += [(name.removesuffix(".xhtml"), name, "application/xhtml+xml", "") for name in spine]
    items += [(f"img-{href.split('/')[-1].rsplit('.', 1)[0]}", href, media_type, "")
              for href, media_type in images]
    for item_id, href, media_type, properties in sorted(items, key=lambda item: item[1]):
        item = etree.SubElement(manifest, f"{{{OPF}}}item", id=_xml_id(item_id), href=href)
        item.set("media-type", media_type)
        if properties:
            item.set("properties", properties)
    spine_element = etree.SubElement(package, f"{{{OPF}}}spine")
    for name in spine:
        etree.SubElement(spine_element, f"{{{OPF}}}itemref", idref=name.removesuffix(".xhtml"))
    return etree.tostring(package, xml_declaration=True, encoding="utf-8", pretty_print=True)


def accessibility_metadata(record: Record, visual: bool) -> list[tuple[str, str]]:
    """The EPUB Accessibility 1.1 properties of the book, `visual` when it holds an image."""
    pairs = [("schema:accessMode", "textual")]
    if visual:
        pairs.append(("schema:accessMode", "visual"))
    pairs.append(("schema:accessModeSufficient", "textual"))
    if visual:
        pairs.append(("schema:accessModeSufficient", "textual,visual"))
    # Values of the current schema.org accessibilityFeature vocabulary (W3C Publishing CG, as Ace checks
    # it); table header cells are part of structuralNavigation there, `tableHeaders` is no value of it.
    features = ["alternativeText", "displayTransformability", "readingOrder", "structuralNavigation",
                "tableOfContents"]
    pairs += [("schema:accessibilityFeature", feature) for feature in sorted(features)]
    pairs.append(("schema:accessibilityHazard", "none"))
    summary = ("This publication meets EPUB Accessibility 1.1 and WCAG 2.1 Level AA. It has a table of "
               "contents and landmarks, headings in order, the language of the text declared, "
               "endnotes linked both ways, and reflowable text without hazards.")
    summary += (" Every image has a text alternative and a caption, so the text alone conveys the "
                "content." if visual else " The content is entirely textual apart from the cover, "
                "which has a text alternative.")
    pairs.append(("schema:accessibilitySummary", summary))
    pairs.append(("dcterms:conformsTo", CONFORMS_TO))
    # EPUB Accessibility 1.1 section 5.2: a conformance claim names who evaluated it. The claim is the
    # publisher's own (its book passes EPUBCheck and Ace as this tool writes it); no third-party
    # credential or report exists, so certifierCredential and certifierReport stay absent.
    pairs.append(("a11y:certifiedBy", record.publisher.name))
    return pairs


def rights_statement(record: Record) -> str:
    """The rights statement of the book (package metadata and rights page)."""
    rights = record.rights
    if rights and rights.statement:
        return rights.statement
    year = (rights.year if rights and rights.year else None) or int(record.published[:4])
    holder = (rights.holder if rights and rights.holder else None) or record.publisher.name
    return f"© {year} {holder}. All rights reserved."


def _file_as(author: Author) -> str:
    if author.family and author.given:
        return f"{author.family}, {author.given}"
    return author.family or author.name


def _group_position(number: str | None) -> str | None:
    # The series number is printed as e.g. "081/2023"; group-position wants the position, a number.
    match = re.search(r"\d+", number or "")
    return str(int(match.group())) if match else None


def _xml_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", text)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"


CONTAINER = b"""<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def _zip_time(record: Record) -> tuple[int, int, int, int, int, int]:
    day_made = first_day(record.modified or record.published)
    year, month, day = day_made.year, day_made.month, day_made.day
    # The zip format can only date files from 1980 to 2107.
    return (min(max(year, 1980), 2107), month, day, 0, 0, 0)


def container(record: Record, files: dict[str, bytes]) -> bytes:
    """The OCF zip container of `files` (path in the book -> bytes), `META-INF/container.xml`
    added: `mimetype` first and stored, then every file in name order, dated by the record."""
    files = {**files, "META-INF/container.xml": CONTAINER}
    when = _zip_time(record)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entries = [("mimetype", b"application/epub+zip")] + sorted(files.items())
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=when)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            stored = name == "mimetype" or name.endswith((".png", ".jpg"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if stored else 9)
    return buffer.getvalue()
