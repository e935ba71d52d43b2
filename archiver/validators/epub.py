"""The structure of an EPUB 3 book: its OCF 3.3 container and its EPUB 3.3 package document.

What `archiver build --check` can judge in a few milliseconds per book, without a JVM: the zip, the
`mimetype` entry (first, stored, no extra field, exactly `application/epub+zip`: OCF 3.3 section 4.2.3),
`META-INF/container.xml` and the package document it names (section 4.2.6.3), the package's
required metadata (`dc:identifier` named by `unique-identifier`, `dc:title`, `dc:language`,
`dcterms:modified`: EPUB 3.3 section 5.5), a manifest whose files are all in the container and whose
ids are unique, exactly one navigation document, a spine of manifest items, and well-formed XHTML
content documents. EPUBCheck judges far more (the tests run it); this check is the batch's quick look.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from urllib.parse import unquote

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
#: no entry of a book archiver writes comes near this; a larger one is not read
ENTRY_LIMIT = 64 * 1024 * 1024
_MODIFIED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def epub_problems(data: bytes) -> list[str]:
    """Every structural problem of the book (empty when none)."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [f"not a zip container: {exc}"]
    with book:
        problems = _mimetype(book)
        names = set(book.namelist())
        problems += [f"entry {name!r} leaves the container" for name in sorted(names)
                     if name.startswith("/") or ".." in name.split("/")]
        container = _xml(book, "META-INF/container.xml", problems)
        if container is None:
            return problems
        rootfile = container.find(f"{CONTAINER}rootfiles/{CONTAINER}rootfile")
        if rootfile is None or rootfile.get("media-type") != "application/oebps-package+xml":
            return problems + ["META-INF/container.xml names no package document (application/oebps-package+xml)"]
        opf_name = rootfile.get("full-path", "")
        package = _xml(book, opf_name, problems)
        if package is not None:
            problems += _package(book, package, opf_name, names)
    return problems


def _mimetype(book: zipfile.ZipFile) -> list[str]:
    infos = book.infolist()
    if not infos or infos[0].filename != "mimetype":
        return ["the first entry is not `mimetype`"]
    info, problems = infos[0], []
    if info.compress_type != zipfile.ZIP_STORED:
        problems.append("`mimetype` is compressed (it must be stored)")
    if info.extra:
        problems.append("`mimetype` has an extra field in its zip header")
    if book.read(info) != b"application/epub+zip":
        problems.append("`mimetype` does not hold exactly `application/epub+zip`")
    return problems


def _xml(book: zipfile.ZipFile, name: str, problems: list[str]):
    from lxml import etree

    from .jats import safe_parser

    try:
        info = book.getinfo(name)
    except KeyError:
        problems.append(f"{name or 'the package document'} is missing")
        return None
    if info.file_size > ENTRY_LIMIT:
        problems.append(f"{name} is larger than {ENTRY_LIMIT:,} bytes: not read")
        return None
    try:
        return etree.fromstring(book.read(info), safe_parser())
    except etree.XMLSyntaxError as exc:
        problems.append(f"{name} line {exc.position[0] if exc.position else '?'}: not well-formed: {exc.msg}")
        return None


def _package(book: zipfile.ZipFile, package, opf_name: str, names: set[str]) -> list[str]:
    problems = []
    if package.tag != f"{OPF}package" or package.get("version") != "3.0":
        problems.append(f"{opf_name}: the root is not an EPUB 3.0 <package>")
    metadata = package.find(f"{OPF}metadata")
    if metadata is None:
        return problems + [f"{opf_name}: no <metadata>"]
    unique = package.get("unique-identifier")
    if not any(node.get("id") == unique and (node.text or "").strip() for node in metadata.iter(f"{DC}identifier")):
        problems.append(f"{opf_name}: no dc:identifier with the id unique-identifier names ({unique!r})")
    for name in ("title", "language"):
        if not any((node.text or "").strip() for node in metadata.iter(f"{DC}{name}")):
            problems.append(f"{opf_name}: no dc:{name}")
    modified = [node.text or "" for node in metadata.iter(f"{OPF}meta") if node.get("property") == "dcterms:modified"]
    if len(modified) != 1 or not _MODIFIED.fullmatch(modified[0].strip()):
        problems.append(f"{opf_name}: not exactly one dcterms:modified of the form CCYY-MM-DDThh:mm:ssZ")
    base = posixpath.dirname(opf_name)
    items = package.findall(f"{OPF}manifest/{OPF}item")
    ids = [item.get("id") for item in items]
    problems += [f"{opf_name}: manifest id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    navs = [item for item in items if "nav" in (item.get("properties") or "").split()]
    if len(navs) != 1:
        problems.append(f"{opf_name}: {len(navs)} navigation documents in the manifest (one is required)")
    for item in items:
        href = posixpath.normpath(posixpath.join(base, unquote(item.get("href", ""))))
        if href not in names:
            problems.append(f"{opf_name}: manifest item {item.get('href')!r} is not in the container")
        elif item.get("media-type") == "application/xhtml+xml":
            _xml(book, href, problems)
    spine = package.findall(f"{OPF}spine/{OPF}itemref")
    if not spine:
        problems.append(f"{opf_name}: the spine is empty")
    problems += [f"{opf_name}: spine item {ref.get('idref')!r} is not in the manifest"
                 for ref in spine if ref.get("idref") not in ids]
    return problems
