"""What `archiver deposit` sends for each package (SWORD 2.0 profile sections 6.3 and 9.2, with the
SimpleZip and METSDSpaceSIP packagings of section 7 and the SWORD packaging registry):

- a METS package folder or its zip: one METSDSpaceSIP zip (`mets.xml` at its root) for DSpace's
  METS ingester, sent in one request;
- an SAF batch: one SimpleZip per item; an SAF item, a bag or an output folder: one SimpleZip of
  its files, described by an Atom entry with DC terms built from the canonical record (the SAF
  control files stay out: they describe the item to DSpace's batch importer, not content).

The package is built in memory from the folder, reproducibly (fixed dates and order), so its MD5
and size are those of the bytes sent.
"""

from __future__ import annotations

import functools
import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .. import bounded
from ..errors import DepositError

ATOM = "http://www.w3.org/2005/Atom"
DCTERMS = "http://purl.org/dc/terms/"
SIMPLE_ZIP = "http://purl.org/net/sword/package/SimpleZip"
METS_DSPACE_SIP = "http://purl.org/net/sword/package/METSDSpaceSIP"
ENTRY_NAMESPACE = uuid.UUID("5b0c7a4e-1f43-5d4f-8a43-2e9c6a3d2f10")
#: files that describe an SAF item to DSpace's importer, not content to deposit
SAF_CONTROL_FILES = ("contents", "dublin_core.xml", "handle", "collections")


@dataclass(frozen=True)
class Package:
    """What goes over the wire for one item: a zip, its packaging, and Atom metadata when needed."""
    name: str
    data: bytes
    filename: str
    packaging: str
    entry: bytes | None

    @functools.cached_property
    def md5(self) -> str:
        return hashlib.md5(self.data).hexdigest()


def _zip_folder(folder: Path, exclude) -> bytes:
    from . import package_datetime, zip_files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        zip_files(archive, folder, package_datetime(), skip=exclude)
    return buffer.getvalue()


def _find_record(folder: Path):
    from ..record import load
    for candidate in (folder / f"{folder.name}.json", folder / "data" / f"{folder.name}.json"):
        if candidate.is_file():
            return load(candidate)
    return None


def atom_entry(record) -> bytes:
    """An Atom entry with DC terms (SWORD 2.0 section 9.2), from the canonical record; valid by RFC
    4287's schema and rules (archiver/validators/atom.py)."""
    from lxml import etree
    from . import iso, package_datetime
    from .saf import author_value
    entry = etree.Element(f"{{{ATOM}}}entry", nsmap={None: ATOM, "dcterms": DCTERMS})

    def add(ns: str, tag: str, text: str | None) -> None:
        if text:
            etree.SubElement(entry, f"{{{ns}}}{tag}").text = " ".join(text.split())

    add(ATOM, "title", record.title)
    add(ATOM, "id", f"urn:uuid:{uuid.uuid5(ENTRY_NAMESPACE, record.identifier)}")
    add(ATOM, "updated", iso(package_datetime(record)))
    for author in record.authors:
        etree.SubElement(etree.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = author.name
    # RFC 4287 section 4.1.1: an entry without atom:content links to its alternate version, here the
    # commentary's own page; a record that names none gives its text as the entry's content.
    page = _landing_page(record)
    if page:
        etree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=page)
    else:
        add(ATOM, "content", record.abstract or record.title)
    add(ATOM, "summary", record.abstract)
    add(DCTERMS, "title", record.title)
    if record.subtitle:
        add(DCTERMS, "alternative", record.subtitle)
    for author in record.authors:
        add(DCTERMS, "creator", author_value(author))
    add(DCTERMS, "issued", record.published)
    add(DCTERMS, "abstract", record.abstract)
    for subject in record.subjects or []:
        add(DCTERMS, "subject", subject)
    for place in record.coverage or []:
        add(DCTERMS, "spatial", place)
    add(DCTERMS, "language", record.language)
    add(DCTERMS, "publisher", record.publisher.name)
    if record.rights:
        add(DCTERMS, "rights", record.rights.statement)
        add(DCTERMS, "license", record.rights.license)
    add(DCTERMS, "identifier", record.identifier)
    if record.links and record.links.doi:
        add(DCTERMS, "identifier", f"https://doi.org/{record.links.doi}")
    if record.series:
        add(DCTERMS, "isPartOf", record.series.name)
    add(DCTERMS, "type", "Commentary")
    return etree.tostring(entry, xml_declaration=True, encoding="UTF-8")


def _landing_page(record) -> str | None:
    """The web page of the commentary: its source page, else its DOI or handle as a URL."""
    links = record.links
    if links is None:
        return None
    if links.source:
        return links.source
    if links.doi:
        return f"https://doi.org/{links.doi}"
    return f"https://hdl.handle.net/{links.handle}" if links.handle else None


def prepare(path: Path) -> list[Package]:
    """The packages to send for PACKAGE: a METS package folder (METSDSpaceSIP), an SAF batch (one
    SimpleZip per item), an SAF item, bag or output folder (SimpleZip + Atom entry), or a zip."""
    if path.is_file() and path.suffix.lower() == ".zip":
        data = bounded.read(path, "package")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                is_mets = "mets.xml" in archive.namelist()
        except zipfile.BadZipFile:
            raise DepositError(f"{path} is not a zip file", source=str(path)) from None
        if not is_mets:
            raise DepositError(f"{path}: a zip without mets.xml carries no metadata for the repository",
                               source=str(path), hint="deposit the package folder instead of its zip")
        return [Package(path.stem, data, path.name, METS_DSPACE_SIP, None)]
    if not path.is_dir():
        raise DepositError(f"{path} is not a package folder or zip", source=str(path),
                           hint="give a folder written by `archiver package` (or `convert`)")
    if (path / "mets.xml").is_file():
        return [Package(path.name, _zip_folder(path, lambda n: False), f"{path.name}.zip", METS_DSPACE_SIP, None)]
    items = sorted(p for p in path.iterdir() if p.is_dir() and (p / "dublin_core.xml").is_file())
    if items and not (path / "dublin_core.xml").is_file():
        return [package for item in items for package in prepare(item)]
    record = _find_record(path)
    if record is None:
        raise DepositError(f"{path} holds no record {path.name}.json to describe the deposit", source=str(path),
                           hint="deposit folders made by `archiver package` or `archiver convert`")

    def exclude(name: str) -> bool:
        return name in SAF_CONTROL_FILES or (name.startswith("metadata_") and name.endswith(".xml"))
    return [Package(path.name, _zip_folder(path, exclude), f"{path.name}.zip", SIMPLE_ZIP, atom_entry(record))]
