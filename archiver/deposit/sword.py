"""A SWORD v2 client (SWORD 2.0 profile, http://swordapp.org/sword-v2/sword-v2-specifications/) on
the standard library: service document discovery (section 6.1), deposit of a binary package
(6.3.1, SimpleZip or METSDSpaceSIP) or of an Atom entry with DC terms metadata (6.3.3), adding the
package to the media resource (6.7.2), completing a deposit with an empty POST and In-Progress:
false (9.3), and reading the deposit receipt (10) and the Atom statement (11.1).

Safety: only http and https; every IRI the server hands back must stay on the origin of the
service document (no redirect, Edit-IRI or statement elsewhere, no proxy), so credentials and
packages go nowhere else. Credentials come from ARCHIVER_SWORD_USER / ARCHIVER_SWORD_PASSWORD or
the netrc file and never appear in an error message. Content-MD5 is the hex MD5 of the body, as
the SWORD 2 server library (and DSpace) compare it.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import netrc
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DepositError

ATOM = "http://www.w3.org/2005/Atom"
APP = "http://www.w3.org/2007/app"
SWORD = "http://purl.org/net/sword/terms/"
DCTERMS = "http://purl.org/dc/terms/"
SIMPLE_ZIP = "http://purl.org/net/sword/package/SimpleZip"
METS_DSPACE_SIP = "http://purl.org/net/sword/package/METSDSpaceSIP"
STATEMENT_REL = "http://purl.org/net/sword/terms/statement"
STATE_SCHEME = "http://purl.org/net/sword/terms/state"
ENTRY_TYPE = "application/atom+xml;type=entry"
ENTRY_NAMESPACE = uuid.UUID("5b0c7a4e-1f43-5d4f-8a43-2e9c6a3d2f10")
#: files that describe an SAF item to DSpace's importer, not content to deposit
SAF_CONTROL_FILES = ("contents", "dublin_core.xml", "handle", "collections")
MAX_ERROR_BODY = 64 * 1024

HINTS = {
    400: "the server could not understand the request; check the package and its metadata",
    401: "check ARCHIVER_SWORD_USER and ARCHIVER_SWORD_PASSWORD (or the netrc entry for this host)",
    403: "this account may not deposit into that collection; ask the repository manager for rights",
    404: "the collection or deposit IRI does not exist on the server; check the service document",
    405: "the server does not allow this operation on that IRI",
    412: "the server's MD5 of the upload differs from Content-MD5: the upload was damaged; try again",
    413: "the package is larger than the server accepts (sword:maxUploadSize); split the batch",
    415: "the collection does not accept this packaging or content type; see its acceptPackaging",
}


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = dataclasses.field(repr=False)

    def header(self) -> str:
        token = base64.b64encode(f"{self.user}:{self.password}".encode("utf-8")).decode("ascii")
        return f"Basic {token}"


def credentials_for(url: str, environ: dict[str, str] | None = None) -> Credentials | None:
    """From the environment, else from netrc (NETRC or ~/.netrc) for the URL's host; else none."""
    environ = os.environ if environ is None else environ
    user, password = environ.get("ARCHIVER_SWORD_USER"), environ.get("ARCHIVER_SWORD_PASSWORD")
    if user and password is not None:
        return Credentials(user, password)
    path = environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry and entry[0] and entry[2] is not None:
        return Credentials(entry[0], entry[2])
    return None


@dataclass(frozen=True)
class Collection:
    title: str
    href: str
    accept_packaging: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceDocument:
    url: str
    version: str | None
    max_upload_size: int | None
    collections: tuple[Collection, ...]


@dataclass(frozen=True)
class Receipt:
    status: int
    location: str | None
    edit_iri: str | None
    em_iri: str | None
    se_iri: str | None
    statement_iri: str | None
    treatment: str | None = None


@dataclass(frozen=True)
class Statement:
    states: tuple[tuple[str, str], ...]
    files: tuple[str, ...]


@dataclass
class DepositResult:
    package: str
    collection: str
    packaging: str
    receipt: Receipt
    statement: Statement | None = None
    steps: list[str] = field(default_factory=list)


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def check_service_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise DepositError(f"refusing {parts.scheme or 'a scheme-less'} URL for the service document",
                           hint="give an http:// or https:// service document URL")
    if not parts.hostname:
        raise DepositError("the service document URL has no host", hint="give a full http(s) URL")
    if parts.username or parts.password:
        raise DepositError("the service document URL carries credentials",
                           hint="remove them from the URL and set ARCHIVER_SWORD_USER / "
                                "ARCHIVER_SWORD_PASSWORD or a netrc entry instead")


class _SameOriginRedirect(urllib.request.HTTPRedirectHandler):
    def __init__(self, origin: tuple[str, str]):
        self.origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != self.origin:
            raise DepositError(f"the server redirected to another site ({_origin(newurl)[1]}); not followed",
                               hint="use the repository's own service document URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _parse(data: bytes, what: str, url: str):
    from lxml import etree
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DepositError(f"{url}: the server sent a malformed {what}: {exc}",
                           hint="the URL may not be a SWORD v2 endpoint") from None


class SwordClient:
    """One conversation with one SWORD v2 server, rooted at its service document URL."""

    def __init__(self, service_url: str, credentials: Credentials | None, timeout: float = 60.0):
        check_service_url(service_url)
        self.service_url = service_url
        self.origin = _origin(service_url)
        self.credentials = credentials
        self.timeout = timeout
        # No ProxyHandler settings from the environment: nothing leaves for anywhere but the origin.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                   _SameOriginRedirect(self.origin))

    def _redact(self, text: str) -> str:
        if self.credentials:
            for secret in (self.credentials.password, self.credentials.header().split(" ", 1)[1]):
                if secret:
                    text = text.replace(secret, "***")
        return text

    def _check_iri(self, iri: str, what: str) -> str:
        absolute = urllib.parse.urljoin(self.service_url, iri)
        if _origin(absolute) != self.origin:
            raise DepositError(f"the server gave a {what} on another site ({_origin(absolute)[1]}); refused",
                               hint="archiver only talks to the host of the service document")
        return absolute

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        url = self._check_iri(url, "URL")
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        request.add_header("User-Agent", "archiver-sword2")
        if self.credentials:
            request.add_header("Authorization", self.credentials.header())
        where = f"{method} {url}"
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            raise self._http_error(where, error) from None
        except urllib.error.URLError as error:
            reason = error.reason.strerror if isinstance(error.reason, OSError) and error.reason.strerror \
                else str(error.reason)
            raise DepositError(self._redact(f"{where}: cannot reach the server: {reason}"),
                               hint="check the URL and that the repository is up") from None
        except (socket.timeout, TimeoutError):
            raise DepositError(f"{where}: no answer within {self.timeout:g} s",
                               hint="the repository is slow or down; try again later") from None
        except (ConnectionError, OSError) as error:
            raise DepositError(self._redact(f"{where}: connection failed: {error}"),
                               hint="check the URL and that the repository is up") from None

    def _http_error(self, where: str, error: urllib.error.HTTPError) -> DepositError:
        try:
            body = error.read(MAX_ERROR_BODY)
        except OSError:
            body = b""
        detail = ""
        if body:
            from lxml import etree
            try:
                root = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False,
                                                                load_dtd=False))
                summary = root.findtext(f"{{{ATOM}}}summary") or root.findtext(f"{{{ATOM}}}title") or ""
                verbose = root.findtext(f"{{{SWORD}}}verboseDescription") or ""
                kind = (root.get("href") or "").rsplit("/", 1)[-1]
                detail = ": " + "; ".join(" ".join(x.split()) for x in (kind, summary, verbose) if x.strip())
            except etree.XMLSyntaxError:
                detail = ": " + " ".join(body[:300].decode("utf-8", "replace").split())
        message = self._redact(f"{where}: HTTP {error.code} {error.reason}{detail}")
        return DepositError(message, hint=HINTS.get(error.code, "see the server's message"))

    # Service document ------------------------------------------------------------------------

    def service_document(self) -> ServiceDocument:
        _status, _headers, body = self.request("GET", self.service_url)
        root = _parse(body, "service document", self.service_url)
        if root.tag != f"{{{APP}}}service":
            raise DepositError(f"{self.service_url}: not a service document (root is {root.tag})",
                               hint="give the SWORD v2 service document URL (often .../swordv2/servicedocument)")
        size = root.findtext(f"{{{SWORD}}}maxUploadSize")
        collections = []
        for node in root.iter(f"{{{APP}}}collection"):
            href = node.get("href")
            if not href:
                continue
            collections.append(Collection(
                title=" ".join((node.findtext(f"{{{ATOM}}}title") or href).split()),
                href=urllib.parse.urljoin(self.service_url, href),
                accept_packaging=tuple((p.text or "").strip() for p in node.iter(f"{{{SWORD}}}acceptPackaging")),
                accepts=tuple((a.text or "").strip() for a in node.iter(f"{{{APP}}}accept"))))
        return ServiceDocument(url=self.service_url, version=root.findtext(f"{{{SWORD}}}version"),
                               max_upload_size=int(size) if size and size.strip().isdigit() else None,
                               collections=tuple(collections))

    @staticmethod
    def choose(service: ServiceDocument, name: str | None) -> Collection:
        names = ", ".join(repr(c.title) for c in service.collections) or "none"
        if not service.collections:
            raise DepositError(f"{service.url}: the service document offers no collection to this account",
                               hint="ask the repository manager for deposit rights")
        if name is None:
            if len(service.collections) == 1:
                return service.collections[0]
            raise DepositError(f"{service.url} offers several collections: {names}",
                               hint="choose one with --collection NAME")
        matches = [c for c in service.collections if name in (c.title, c.href)] or \
            [c for c in service.collections if c.title.casefold() == name.casefold()]
        if len(matches) != 1:
            raise DepositError(f"no collection {name!r} in {service.url}; it offers: {names}",
                               hint="use one of the collection titles (or IRIs) above")
        return matches[0]

    # Deposit ---------------------------------------------------------------------------------

    def _receipt(self, status: int, headers: dict[str, str], body: bytes, url: str) -> Receipt:
        links: dict[str, str] = {}
        treatment = None
        if body.strip():
            root = _parse(body, "deposit receipt", url)
            for link in root.iter(f"{{{ATOM}}}link"):
                rel, href = link.get("rel"), link.get("href")
                if rel and href and (rel not in links or "atom" in (link.get("type") or "")):
                    links[rel] = self._check_iri(href, f"{rel} link")
            treatment = root.findtext(f"{{{SWORD}}}treatment")
        location = headers.get("location")
        return Receipt(status=status, location=self._check_iri(location, "Location") if location else None,
                       edit_iri=links.get("edit") or (self._check_iri(location, "Location") if location else None),
                       em_iri=links.get("edit-media"), se_iri=links.get(f"{SWORD}add"),
                       statement_iri=links.get(STATEMENT_REL), treatment=treatment)

    def post_entry(self, iri: str, entry: bytes, in_progress: bool) -> Receipt:
        status, headers, body = self.request("POST", iri, entry, {
            "Content-Type": ENTRY_TYPE, "In-Progress": "true" if in_progress else "false"})
        return self._receipt(status, headers, body, iri)

    def post_package(self, iri: str, data: bytes, filename: str, packaging: str, in_progress: bool) -> Receipt:
        status, headers, body = self.request("POST", iri, data, {
            "Content-Type": "application/zip",
            "Content-Disposition": f"attachment; filename={filename}",
            "Content-MD5": hashlib.md5(data).hexdigest(),
            "Packaging": packaging,
            "In-Progress": "true" if in_progress else "false"})
        return self._receipt(status, headers, body, iri)

    def complete(self, edit_iri: str) -> Receipt:
        # No body at all (not b""): urllib would add a form Content-Type to an empty one.
        status, headers, body = self.request("POST", edit_iri, None, {"In-Progress": "false"})
        return self._receipt(status, headers, body, edit_iri)

    def statement(self, iri: str) -> Statement:
        _status, _headers, body = self.request("GET", iri, headers={"Accept": "application/atom+xml;type=feed"})
        root = _parse(body, "statement", iri)
        states = tuple((c.get("term") or "", " ".join((c.text or "").split()))
                       for c in root.iter(f"{{{ATOM}}}category") if c.get("scheme") == STATE_SCHEME)
        files = tuple(content.get("src") for content in root.iter(f"{{{ATOM}}}content") if content.get("src"))
        return Statement(states=states, files=files)


# Packages ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Package:
    """What goes over the wire for one item: a zip, its packaging, and Atom metadata when needed."""
    name: str
    data: bytes
    filename: str
    packaging: str
    entry: bytes | None


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
    """An Atom entry with DC terms (SWORD 2.0 section 9.2), from the canonical record."""
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


def prepare(path: Path) -> list[Package]:
    """The packages to send for PACKAGE: a METS package folder (METSDSpaceSIP), an SAF batch (one
    SimpleZip per item), an SAF item, bag or output folder (SimpleZip + Atom entry), or a zip."""
    if path.is_file() and path.suffix.lower() == ".zip":
        data = path.read_bytes()
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


def deposit(client: SwordClient, package: Package, collection: Collection,
            max_upload_size: int | None) -> DepositResult:
    """Send one package: METSDSpaceSIP straight to the collection; otherwise the Atom entry first,
    then the SimpleZip to its EM-IRI; every step In-Progress, then complete, then read the statement."""
    if collection.accept_packaging and package.packaging not in collection.accept_packaging:
        raise DepositError(f"collection {collection.title!r} does not accept {package.packaging}",
                           hint=f"it accepts: {', '.join(collection.accept_packaging)}")
    if max_upload_size is not None and len(package.data) > max_upload_size * 1024:
        raise DepositError(f"{package.name}: {len(package.data)} bytes exceed the server's maxUploadSize of "
                           f"{max_upload_size} kB", hint=HINTS[413])
    result = DepositResult(package=package.name, collection=collection.title, packaging=package.packaging,
                           receipt=None)  # type: ignore[arg-type]
    if package.entry is None:
        receipt = client.post_package(collection.href, package.data, package.filename, package.packaging, True)
        result.steps.append(f"POST package to {collection.href}: {receipt.status}")
    else:
        receipt = client.post_entry(collection.href, package.entry, True)
        result.steps.append(f"POST metadata to {collection.href}: {receipt.status}")
        if not receipt.em_iri:
            raise DepositError(f"{package.name}: the deposit receipt names no EM-IRI to add the files to",
                               hint="the server does not follow SWORD v2 section 10")
        added = client.post_package(receipt.em_iri, package.data, package.filename, package.packaging, True)
        result.steps.append(f"POST package to {receipt.em_iri}: {added.status}")
    if not receipt.edit_iri:
        raise DepositError(f"{package.name}: the deposit receipt names no Edit-IRI to complete the deposit",
                           hint="the server does not follow SWORD v2 section 10")
    final = client.complete(receipt.edit_iri)
    result.steps.append(f"POST In-Progress: false to {receipt.edit_iri}: {final.status}")
    result.receipt = Receipt(status=final.status, location=final.location or receipt.location,
                             edit_iri=receipt.edit_iri, em_iri=final.em_iri or receipt.em_iri,
                             se_iri=final.se_iri or receipt.se_iri,
                             statement_iri=final.statement_iri or receipt.statement_iri,
                             treatment=final.treatment or receipt.treatment)
    if result.receipt.statement_iri:
        result.statement = client.statement(result.receipt.statement_iri)
    return result
