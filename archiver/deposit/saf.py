"""DSpace Simple Archive Format (SAF) batches, as DSpace's ItemImportServiceImpl reads them.

One folder per item, flat (the importer's zip reader takes any entry three levels deep as a sign of
an extra top folder, so figure images are moved up beside the other files); in each:
`dublin_core.xml` (`<dublin_core schema="dc"><dcvalue element=.. qualifier=..>`), `metadata_dcterms.xml`
(`schema="dcterms"`), and `contents` (one line per file: `name<TAB>bundle:B<TAB>description:D`, plus
`<TAB>primary:true` on the PDF). The batch zip holds the item folders at its top, for
`dspace import -a -z batch.zip` or the batch-import screen.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Iterable

from ..errors import PackageInvalid, Problem
from ..record import Record
from . import RecordFolder, building, copy_file, package_datetime, write_zip
from ..limits import ENVIRONMENT, byte_limit, describe
from .fixity import BUILD_MANIFEST, FixityReport, compare, read_manifest, write_build_manifest

#: file suffix -> (bundle, description); the first match wins, so longer suffixes come first
FILE_ROLES: tuple[tuple[str, str, str], ...] = (
    (".csl.json", "METADATA", "Citation (CSL-JSON)"),
    (".datacite.xml", "METADATA", "DataCite 4.5 metadata"),
    (".crossref.xml", "METADATA", "Crossref deposit metadata"),
    (".dc.xml", "METADATA", "Dublin Core metadata (oai_dc)"),
    (".bib", "METADATA", "Citation (BibTeX)"),
    (".ris", "METADATA", "Citation (RIS)"),
    (".pdf", "ORIGINAL", "Full text (PDF/A-3a, PDF/UA-1)"),
    (".epub", "ORIGINAL", "Full text (EPUB 3)"),
    (".xml", "ORIGINAL", "Full text (JATS XML)"),
    (".html", "ORIGINAL", "Landing page (HTML)"),
    (".png", "ORIGINAL", "Figure image"),
    (".jpg", "ORIGINAL", "Figure image"),
    (".jpeg", "ORIGINAL", "Figure image"),
)
RECORD_ROLE = ("METADATA", "Canonical record (archiver JSON)")
OTHER_ROLE = ("ORIGINAL", "Supplementary file")
SAF_RESERVED = ("dublin_core.xml", "contents", "handle", "collections")


def file_role(folder: RecordFolder, name: str) -> tuple[str, str]:
    if name == f"{folder.identifier}.json":
        return RECORD_ROLE
    lower = name.lower()
    return next(((bundle, text) for suffix, bundle, text in FILE_ROLES if lower.endswith(suffix)), OTHER_ROLE)


def flat_names(folder: RecordFolder) -> dict[str, str]:
    """Output file path -> its flat name in the item folder (unique, no tab or line break, not one of
    SAF's own file names)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for name in folder.files:
        flat = PurePosixPath(name).name
        if flat in taken or flat in SAF_RESERVED or flat.startswith("metadata_"):
            flat = name.replace("/", "_")
        if flat in taken or any(c in flat for c in "\t\r\n"):
            raise PackageInvalid(f"{folder.path / name}: cannot be named in a DSpace contents file",
                                 source=str(folder.path / name),
                                 hint="file names must be unique once flattened and hold no tab or line break")
        taken.add(flat)
        names[name] = flat
    return names


def author_value(author) -> str:
    # DSpace's convention for dc.contributor.author is "Family, Given".
    if author.family and author.given:
        return f"{author.family}, {author.given}"
    return author.name


def dc_values(record: Record) -> list[tuple[str, str | None, str, str | None]]:
    """(element, qualifier, value, language) for dublin_core.xml, in a stable order."""
    lang = record.language
    values: list[tuple[str, str | None, str, str | None]] = [("title", None, record.title, lang)]
    if record.subtitle:
        values.append(("title", "alternative", record.subtitle, lang))
    values += [("contributor", "author", author_value(a), None) for a in record.authors]
    values.append(("date", "issued", record.published, None))
    if record.abstract:
        values.append(("description", "abstract", record.abstract, lang))
    values += [("subject", None, subject, lang) for subject in record.subjects or []]
    values += [("coverage", "spatial", place, lang) for place in record.coverage or []]
    values.append(("language", "iso", record.language, None))
    values.append(("publisher", None, record.publisher.name, None))
    if record.rights and record.rights.statement:
        values.append(("rights", None, record.rights.statement, lang))
    if record.rights and record.rights.license:
        values.append(("rights", "uri", record.rights.license, None))
    values.append(("identifier", "other", record.identifier, None))
    links = record.links
    if links and links.doi:
        values.append(("identifier", "uri", f"https://doi.org/{links.doi}", None))
    if links and links.source:
        values.append(("identifier", "uri", links.source, None))
    if record.series:
        series = record.series.name + (f";{record.series.number}" if record.series.number else "")
        values.append(("relation", "ispartofseries", series, None))
        if record.series.issn:
            values.append(("identifier", "issn", record.series.issn, None))
    values.append(("type", None, "Commentary", None))
    return values


def dcterms_values(record: Record) -> list[tuple[str, str | None, str, str | None]]:
    values: list[tuple[str, str | None, str, str | None]] = []
    if record.modified:
        values.append(("modified", None, record.modified, None))
    if record.rights and record.rights.license:
        values.append(("license", None, record.rights.license, None))
    if record.rights and record.rights.holder:
        values.append(("rightsHolder", None, record.rights.holder, None))
    if record.series:
        values.append(("isPartOf", None, record.series.name, None))
    if record.publisher.parent:
        values.append(("publisher", None, record.publisher.parent, None))
    return values


def metadata_xml(schema: str, values: list[tuple[str, str | None, str, str | None]]) -> bytes:
    from lxml import etree
    root = etree.Element("dublin_core", schema=schema)
    for element, qualifier, value, language in values:
        node = etree.SubElement(root, "dcvalue", element=element, qualifier=qualifier or "none")
        if language:
            node.set("language", language)
        # The importer keeps only the first text node of a dcvalue: one clean string, no markup.
        node.text = " ".join(value.split())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def contents_file(folder: RecordFolder, names: dict[str, str]) -> str:
    pdfs = [name for name in folder.files if name.lower().endswith(".pdf")]
    primary = f"{folder.identifier}.pdf" if f"{folder.identifier}.pdf" in pdfs else (pdfs[0] if pdfs else None)
    lines = []
    for name in folder.files:
        bundle, description = file_role(folder, name)
        line = f"{names[name]}\tbundle:{bundle}\tdescription:{description}"
        if name == primary:
            line += "\tprimary:true"
        lines.append(line + "\n")
    return "".join(lines)


def write_item(folder: RecordFolder, item_dir: Path) -> None:
    names = flat_names(folder)
    for name, flat in names.items():
        copy_file(folder.path / name, item_dir / flat)
    (item_dir / "dublin_core.xml").write_bytes(metadata_xml("dc", dc_values(folder.record)))
    (item_dir / "metadata_dcterms.xml").write_bytes(metadata_xml("dcterms", dcterms_values(folder.record)))
    (item_dir / "contents").write_text(contents_file(folder, names), encoding="utf-8")


def make_batch(folders: list[RecordFolder], target: Path) -> tuple[Path, Path]:
    """Write the batch folder `target` (one item folder per record) and `target`.zip beside it."""
    from . import ensure_unique
    ensure_unique(folders)
    with building(target) as tmp:
        for folder in folders:
            write_item(folder, tmp / folder.identifier)
        write_build_manifest(tmp)
    moment = max((package_datetime(f.record) for f in folders), default=package_datetime())
    zip_path = target.with_name(target.name + ".zip")
    write_zip(target, zip_path, moment, exclude=(BUILD_MANIFEST,))
    return target, zip_path


def verify_zip(path: Path, report: FixityReport) -> None:
    """A batch zip as it goes to DSpace: every entry read back against its CRC-32; the layout the
    importer needs (`<item>/<file>`, a `dublin_core.xml` and a `contents` file per item, every file
    named in `contents` present and every other file named there); and, when the batch folder it
    was zipped from lies beside it (`pkg/saf/` for `pkg/saf.zip`), every entry's SHA-256 against
    that folder's build manifest, so a changed, missing or extra entry is named."""
    import hashlib
    import zipfile

    source = str(path)
    #: readable entry -> SHA-256; a batch of thousands of records is hashed, never held in memory
    digests: dict[str, str] = {}
    contents: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith("/"):
                    continue
                try:
                    with archive.open(name) as entry:  # the CRC-32 is checked when the entry is read to its end
                        digests[name] = hashlib.file_digest(entry, "sha256").hexdigest()
                    if PurePosixPath(name).name == "contents" or _is_metadata(name):
                        with archive.open(name) as entry:  # a metadata file, read no further than its limit
                            contents[name] = entry.read(byte_limit("manifest") + 1)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:  # zlib.error is a ValueError
                    report.problems.append(Problem(f"changed entry {name}: {error} (its CRC-32 or data is damaged)",
                                                   source=source, hint="the zip was altered or damaged; re-package"))
    except (zipfile.BadZipFile, OSError) as error:
        report.problems.append(Problem(f"not a readable zip: {error}", source=source,
                                       hint="the zip is truncated or damaged; re-package it"))
        return
    report.problems.extend(_layout_problems(digests, contents, source))
    report.problems.extend(_metadata_problems(contents, source))
    manifest = path.with_suffix("") / BUILD_MANIFEST
    if manifest.is_file():
        expected = read_manifest(manifest, report)
        if expected is not None:
            compare(path, expected, "sha256", str(manifest), digests, report, what="entry",
                    digest=lambda name, algorithm: digests[name])
    else:
        report.checked += len(digests)
        report.notes.append(f"no batch folder with {BUILD_MANIFEST} beside it: CRC-32 and layout checked, "
                            "not SHA-256")


def _is_metadata(name: str) -> bool:
    base = PurePosixPath(name).name
    return base == "dublin_core.xml" or (base.startswith("metadata_") and base.endswith(".xml"))


def _metadata_problems(contents: dict[str, bytes], source: str) -> list[Problem]:
    """Each item's metadata XML (`dublin_core.xml`, `metadata_*.xml`) is within its limit, well-formed,
    has no DOCTYPE (DSpace's importer would resolve its entities), and holds only what the importer
    reads, with fields of DSpace's registry (archiver/validators/dspace.py)."""
    from ..validators.dspace import saf_problems
    from . import parse_xml
    problems: list[Problem] = []
    for name in sorted(name for name in contents if _is_metadata(name)):
        if len(contents[name]) > byte_limit("manifest"):
            problems.append(Problem(f"{name} is larger than {describe(byte_limit('manifest'))}", source=source,
                                    hint=f"re-package; to allow more, set {ENVIRONMENT['manifest']}"))
            continue
        try:
            root = parse_xml(contents[name], f"{source}:{name}")
        except PackageInvalid as error:
            problems.extend(error.problems)
            continue
        problems.extend(saf_problems(root, f"{source}:{name}", PurePosixPath(name).name))
    return problems


def _layout_problems(names: Iterable[str], contents: dict[str, bytes], source: str) -> list[Problem]:
    def problem(message: str) -> Problem:
        return Problem(message, source=source, hint="re-package with `archiver package --format saf`")

    problems: list[Problem] = []
    items: dict[str, set[str]] = {}
    for name in sorted(names):
        parts = PurePosixPath(name).parts
        if len(parts) != 2 or ".." in parts or name.startswith("/"):
            problems.append(problem(f"{name} is not <item>/<file>, the layout DSpace's importer reads"))
        else:
            items.setdefault(parts[0], set()).add(parts[1])
    for item, files in sorted(items.items()):
        if "dublin_core.xml" not in files:
            problems.append(problem(f"{item} has no dublin_core.xml"))
        if "contents" not in files:
            problems.append(problem(f"{item} has no contents file"))
            continue
        listed = set()
        text = contents[f"{item}/contents"].decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            name = line.split("\t", 1)[0]
            if not name:
                continue
            listed.add(name)
            if name not in files:
                problems.append(problem(f"{item}/contents:{number} names {name}, which is not in the zip"))
        for name in sorted(files - listed - set(SAF_RESERVED)):
            if not (name.startswith("metadata_") and name.endswith(".xml")):
                problems.append(problem(f"{item}/{name} is not named in {item}/contents, so DSpace would "
                                        "not import it"))
    return problems
