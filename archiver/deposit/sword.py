"""A SWORD v2 client: the protocol of the SWORD 2.0 profile
(http://swordapp.github.io/SWORDv2-Profile/SWORDProfile.html) over transport.py.

- Service document (6.1): collections with their acceptPackaging and mediation;
  `sword:maxUploadSize` read in kB as the profile says (real servers, swh-deposit and the Simple
  SWORD Server among them, advertise bytes: the check before sending is then loose, and the
  server's 413 is the real answer, reported with both figures).
- A METSDSpaceSIP package: one binary deposit to the Col-IRI with In-Progress: false (6.3.1).
- Anything else: the Atom entry to the Col-IRI with In-Progress: true (6.3.3), the SimpleZip to the
  EM-IRI (6.7.1; the `edit-media` link without an Atom feed type, whatever the order of the links,
  6.4.1), then completion by an empty POST with In-Progress: false to the SE-IRI (9.3). If a step
  after the first fails, the container is deleted through its Edit-IRI (6.8); where the server
  refuses that, the error names the Edit-IRI left behind.
- Headers per the profile: Content-Disposition `attachment; filename=…` (ASCII), Content-MD5 as the
  hex MD5 of the body (6.3.1, 6.7.1), Packaging, In-Progress on every POST, On-Behalf-Of on every
  request of a mediated deposit (8), Slug with the package name at creation.
- The state after deposit: the Atom statement (rel sword:statement, type feed; 11) or, without one,
  the status IRI (rel="alternate", as swh-deposit gives it), else the receipt's own state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import DepositError, Problem
from .secrets import Credentials, Redactor
from .sword_packages import Package
from .transport import Response, Transport

ATOM = "http://www.w3.org/2005/Atom"
APP = "http://www.w3.org/2007/app"
SWORD = "http://purl.org/net/sword/terms/"
#: swh-deposit's namespace for the state in its receipts and status documents
SWH_DEPOSIT = "https://www.softwareheritage.org/schema/2018/deposit"
STATEMENT_REL = SWORD + "statement"
SE_IRI_REL = SWORD + "add"
STATE_SCHEME = SWORD + "state"
ENTRY_TYPE = "application/atom+xml;type=entry"
FEED_TYPE = "application/atom+xml;type=feed"
#: what else an Accept header takes: swh-deposit answers 406 to a request for atomsvc+xml alone
ANY_XML = "application/xml;q=0.9, */*;q=0.1"

HINTS = {
    400: "the server could not understand the request; check the package and its metadata",
    401: "check ARCHIVER_SWORD_USER and ARCHIVER_SWORD_PASSWORD (or the netrc entry for this host)",
    403: "this account may not deposit into that collection; ask the repository manager for rights",
    404: "the collection or deposit IRI does not exist on the server; check the service document",
    405: "the server does not allow this operation on that IRI",
    412: "the server's MD5 of the upload differs from Content-MD5: the upload was damaged; try again",
    413: "the package is larger than the server accepts; ask the repository manager, or deposit smaller items",
    415: "the collection does not accept this packaging or content type; see its acceptPackaging",
}


@dataclass(frozen=True)
class Collection:
    title: str
    href: str
    accept_packaging: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()
    mediation: bool = False


@dataclass(frozen=True)
class ServiceDocument:
    url: str
    version: str | None
    max_upload_kb: int | None
    collections: tuple[Collection, ...]


@dataclass(frozen=True)
class Receipt:
    status: int
    location: str | None
    edit_iri: str | None
    em_iri: str | None
    se_iri: str | None
    statement_iri: str | None
    status_iri: str | None
    treatment: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class State:
    """What the server says of the deposit: state terms (IRIs or words) and a description."""
    terms: tuple[str, ...]
    description: str = ""
    source: str | None = None


@dataclass
class DepositResult:
    package: str
    collection: str
    packaging: str
    receipt: Receipt
    state: State | None = None
    state_error: str | None = None
    #: the requests made, in order (the JSON report lists them)
    steps: list[str] = field(default_factory=list)


def _parse(data: bytes, what: str, url: str, redact: Redactor):
    from lxml import etree
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DepositError(redact(f"{url}: the server sent a malformed {what}: {exc}"),
                           hint="the URL may not be a SWORD v2 endpoint") from None


def _fold(text: str | None) -> str:
    return " ".join((text or "").split())


def _is_feed(media_type: str | None) -> bool:
    kind = (media_type or "").replace(" ", "").lower()
    return kind.startswith("application/atom+xml") and "type=entry" not in kind


class SwordClient:
    """One conversation with one SWORD v2 server, rooted at its service document URL."""

    def __init__(self, service_url: str, credentials: Credentials | None, timeout: float = 120.0,
                 on_behalf_of: str | None = None):
        self.redact = Redactor(credentials, service_url)
        self.http = Transport(service_url, credentials, timeout, self.redact)
        self.service_url = service_url
        self.on_behalf_of = on_behalf_of
        self.max_upload_kb: int | None = None

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                size: int | None = None, mediated: bool = True) -> Response:
        """One request; any answer from 400 up is a DepositError carrying the server's reason.
        On-Behalf-Of goes with every request of a deposit, not with the service document's."""
        headers = dict(headers or {})
        if self.on_behalf_of and mediated:
            headers["On-Behalf-Of"] = self.on_behalf_of
        response = self.http.request(method, url, body, headers)
        if response.status >= 400:
            raise self._http_error(f"{method} {response.url}", response, size)
        if response.status >= 300:
            raise DepositError(self.redact(f"{method} {response.url}: unexpected HTTP {response.status} "
                                           f"{response.reason}"), hint="the server does not follow SWORD v2")
        return response

    def _http_error(self, where: str, response: Response, size: int | None) -> DepositError:
        from lxml import etree
        detail = ""
        body = response.body[:64 * 1024]
        if body.strip():
            try:
                root = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False,
                                                                load_dtd=False))
                summary = root.findtext(f"{{{ATOM}}}summary") or root.findtext(f"{{{ATOM}}}title") or ""
                verbose = root.findtext(f"{{{SWORD}}}verboseDescription") or ""
                kind = (root.get("href") or "").rsplit("/", 1)[-1]
                detail = "; ".join(_fold(x) for x in (kind, summary, verbose) if x.strip())
            except etree.XMLSyntaxError:
                # Redacted before it is cut, so that no cut can leave part of a secret standing.
                detail = self.redact(_fold(body[:4096].decode("utf-8", "replace")))[:300]
        message = f"{where}: HTTP {response.status} {response.reason}" + (f": {detail}" if detail else "")
        if response.status == 413 and size is not None:
            message += f"; the package is {size:,} bytes, and the service document " + (
                f"advertises sword:maxUploadSize {self.max_upload_kb:,} (read as kB by the SWORD 2.0 profile: "
                f"{self.max_upload_kb * 1024:,} bytes; servers such as swh-deposit mean "
                f"{self.max_upload_kb:,} bytes)" if self.max_upload_kb is not None
                else "advertises no sword:maxUploadSize")
        hint = HINTS.get(response.status, "see the server's message")
        if response.status == 412 and "Checksum" not in detail:
            hint = "a precondition of the server failed; see its message"
        return DepositError(self.redact(message), hint=hint)

    # Service document ------------------------------------------------------------------------

    def service_document(self) -> ServiceDocument:
        response = self.request("GET", self.service_url, headers={"Accept": f"application/atomsvc+xml, {ANY_XML}"},
                                mediated=False)
        root = _parse(response.body, "service document", self.service_url, self.redact)
        if root.tag != f"{{{APP}}}service":
            raise DepositError(self.redact(f"{self.service_url}: not a service document (root is {root.tag})"),
                               hint="give the SWORD v2 service document URL (often .../swordv2/servicedocument)")
        size = (root.findtext(f"{{{SWORD}}}maxUploadSize") or "").strip()
        collections = []
        for node in root.iter(f"{{{APP}}}collection"):
            href = node.get("href")
            if not href:
                continue
            collections.append(Collection(
                title=_fold(node.findtext(f"{{{ATOM}}}title") or href),
                href=self.http.absolute(href, "collection IRI"),
                accept_packaging=tuple((p.text or "").strip() for p in node.iter(f"{{{SWORD}}}acceptPackaging")),
                accepts=tuple((a.text or "").strip() for a in node.iter(f"{{{APP}}}accept")),
                mediation=(node.findtext(f"{{{SWORD}}}mediation") or "").strip().lower() == "true"))
        self.max_upload_kb = int(size) if size.isdigit() and len(size) < 19 else None
        return ServiceDocument(url=self.service_url, version=root.findtext(f"{{{SWORD}}}version"),
                               max_upload_kb=self.max_upload_kb, collections=tuple(collections))

    def choose(self, service: ServiceDocument, name: str | None) -> Collection:
        names = ", ".join(repr(c.title) for c in service.collections) or "none"
        if not service.collections:
            raise DepositError(f"{service.url}: the service document offers no collection to this account",
                               hint="ask the repository manager for deposit rights")
        if name is None:
            if len(service.collections) == 1:
                return service.collections[0]
            raise DepositError(self.redact(f"{service.url} offers several collections: {names}"),
                               hint="choose one with --collection NAME")
        matches = [c for c in service.collections if name in (c.title, c.href)] or \
            [c for c in service.collections if c.title.casefold() == name.casefold()]
        if len(matches) != 1:
            raise DepositError(self.redact(f"no collection {name!r} in {service.url}; it offers: {names}"),
                               hint="use one of the collection titles (or IRIs) above")
        return matches[0]

    # Deposit steps ---------------------------------------------------------------------------

    def receipt(self, response: Response, created: bool) -> Receipt:
        """The deposit receipt (section 10) of an answer; `created`: the Location is the Edit-IRI."""
        edit = em = se = statement = status_iri = None
        treatment = state = None
        location = response.headers.get("location")
        location = self.http.absolute(location, "Location") if location else None
        if response.body.strip():
            try:
                root = _parse(response.body, "deposit receipt", response.url, self.redact)
            except DepositError as error:
                # The container may exist all the same: say where, so that it can be removed.
                error.created_at = location if created else None  # type: ignore[attr-defined]
                raise
            for link in root.iter(f"{{{ATOM}}}link"):
                rel, href, kind = link.get("rel"), link.get("href"), link.get("type")
                if not rel or not href:
                    continue
                if rel == "edit" and edit is None:
                    edit = self.http.absolute(href, "Edit-IRI")
                elif rel == "edit-media" and em is None and not _is_feed(kind):
                    em = self.http.absolute(href, "EM-IRI")
                elif rel == SE_IRI_REL and se is None:
                    se = self.http.absolute(href, "SE-IRI")
                elif rel == STATEMENT_REL and statement is None and (kind is None or _is_feed(kind)):
                    # the Atom statement; an OAI-ORE one (application/rdf+xml) is not read
                    statement = self.http.absolute(href, "statement IRI")
                elif rel == "alternate" and status_iri is None:
                    status_iri = self.http.absolute(href, "status IRI")
            treatment = _fold(root.findtext(f"{{{SWORD}}}treatment")) or None
            state = _fold(root.findtext(f"{{{SWH_DEPOSIT}}}deposit_status")) or None
        return Receipt(status=response.status, location=location,
                       edit_iri=edit or (location if created else None), em_iri=em, se_iri=se,
                       statement_iri=statement, status_iri=status_iri, treatment=treatment, state=state)

    def post_entry(self, iri: str, entry: bytes, in_progress: bool, slug: str | None = None) -> Receipt:
        headers = {"Content-Type": ENTRY_TYPE, "In-Progress": "true" if in_progress else "false"}
        if slug:
            headers["Slug"] = slug
        return self.receipt(self.request("POST", iri, entry, headers), created=True)

    def post_package(self, iri: str, package: Package, in_progress: bool, create: bool) -> Receipt:
        headers = {"Content-Type": "application/zip",
                   "Content-Disposition": content_disposition(package.filename),
                   "Content-MD5": package.md5,
                   "Packaging": package.packaging,
                   # Sent to the EM-IRI too: a server that reads a missing header as false would
                   # complete the deposit before the SE-IRI is asked to.
                   "In-Progress": "true" if in_progress else "false"}
        if create:
            headers["Slug"] = package.name
        return self.receipt(self.request("POST", iri, package.data, headers, size=len(package.data)),
                            created=create)

    def complete(self, se_iri: str) -> Receipt:
        return self.receipt(self.request("POST", se_iri, None, {"In-Progress": "false"}), created=False)

    def delete(self, edit_iri: str) -> None:
        self.request("DELETE", edit_iri)

    def state(self, receipt: Receipt) -> State | None:
        """The deposit's state from its statement, else its status IRI, else the receipt."""
        if receipt.statement_iri:
            response = self.request("GET", receipt.statement_iri, headers={"Accept": f"{FEED_TYPE}, {ANY_XML}"})
            root = _parse(response.body, "statement", receipt.statement_iri, self.redact)
            categories = [c for c in root.iter(f"{{{ATOM}}}category") if c.get("scheme") == STATE_SCHEME]
            return State(tuple(c.get("term") or "" for c in categories),
                         "; ".join(_fold(c.text) for c in categories if _fold(c.text)), receipt.statement_iri)
        if receipt.status_iri:
            response = self.request("GET", receipt.status_iri,
                                    headers={"Accept": f"{ENTRY_TYPE}, {ANY_XML}"})
            if not response.body.lstrip().startswith(b"<?xml") and b"<entry" not in response.body[:4096]:
                return State((receipt.state,) if receipt.state else (), "", receipt.status_iri)
            root = _parse(response.body, "status document", receipt.status_iri, self.redact)
            status = _fold(root.findtext(f"{{{SWH_DEPOSIT}}}deposit_status"))
            detail = _fold(root.findtext(f"{{{SWH_DEPOSIT}}}deposit_status_detail"))
            return State((status,) if status else (), detail, receipt.status_iri)
        return State((receipt.state,), "", None) if receipt.state else None


def content_disposition(filename: str) -> str:
    """`attachment; filename=…` (profile 6.3.1: ASCII); quoted when it is not a plain token."""
    if re.fullmatch(r"[A-Za-z0-9._-]+", filename):
        return f"attachment; filename={filename}"
    ascii_name = re.sub(r'[^ -~]|["\\]', "_", filename)
    return f'attachment; filename="{ascii_name}"'


def deposit(client: SwordClient, package: Package, collection: Collection) -> DepositResult:
    """Send one package to `collection` (see the module docstring for the steps)."""
    if collection.accept_packaging and package.packaging not in collection.accept_packaging:
        raise DepositError(client.redact(f"collection {collection.title!r} does not accept {package.packaging}"),
                           hint=f"it accepts: {client.redact(', '.join(collection.accept_packaging))}")
    if client.on_behalf_of and not collection.mediation:
        raise DepositError(client.redact(f"collection {collection.title!r} does not take mediated deposits "
                                         "(sword:mediation is not true)"),
                           hint="leave out --on-behalf-of, or ask the repository manager")
    limit = client.max_upload_kb
    if limit is not None and len(package.data) > limit * 1024:
        raise DepositError(f"{package.name}: {len(package.data):,} bytes exceed the server's sword:maxUploadSize "
                           f"of {limit:,} kB", hint=HINTS[413])
    result = DepositResult(package=package.name, collection=collection.title, packaging=package.packaging,
                           receipt=None)  # type: ignore[arg-type]
    if package.entry is None:
        try:
            receipt = client.post_package(collection.href, package, in_progress=False, create=True)
        except DepositError as error:
            if getattr(error, "created_at", None):
                # A complete deposit is not deleted behind the repository's back: it is named.
                error.problems.append(Problem(client.redact(f"the server may have made the item all the same, "
                                                            f"at {error.created_at}"),  # type: ignore[attr-defined]
                                              hint="check it there before depositing again"))
            raise
        result.steps.append(f"POST package to {collection.href}: {receipt.status}")
    else:
        try:
            first = client.post_entry(collection.href, package.entry, in_progress=True, slug=package.name)
        except DepositError as error:
            if getattr(error, "created_at", None):
                raise _abandon(client, error.created_at, error) from None  # type: ignore[attr-defined]
            raise
        result.steps.append(f"POST metadata to {collection.href}: {first.status}")
        try:
            receipt = _add_and_complete(client, package, first, result)
        except DepositError as error:
            raise _abandon(client, first.edit_iri, error) from None
    result.receipt = receipt
    try:
        result.state = client.state(receipt)
    except DepositError as error:
        # The deposit is made; only the report of its state is missing.
        result.state_error = error.message
    return result


def _add_and_complete(client: SwordClient, package: Package, first: Receipt, result: DepositResult) -> Receipt:
    if not first.em_iri:
        raise DepositError(f"{package.name}: the deposit receipt names no EM-IRI (an edit-media link that "
                           "is not an Atom feed) to add the files to", hint="the server does not follow SWORD v2 "
                                                                            "sections 6.4.1 and 10")
    added = client.post_package(first.em_iri, package, in_progress=True, create=False)
    result.steps.append(f"POST package to {first.em_iri}: {added.status}")
    se_iri = first.se_iri or added.se_iri or first.edit_iri
    if not se_iri:
        raise DepositError(f"{package.name}: the deposit receipt names no SE-IRI to complete the deposit",
                           hint="the server does not follow SWORD v2 section 10")
    final = client.complete(se_iri)
    result.steps.append(f"POST In-Progress: false to {se_iri}: {final.status}")
    return Receipt(status=final.status, location=final.location or first.location,
                   edit_iri=final.edit_iri or first.edit_iri, em_iri=final.em_iri or first.em_iri,
                   se_iri=se_iri, statement_iri=final.statement_iri or added.statement_iri or first.statement_iri,
                   status_iri=final.status_iri or added.status_iri or first.status_iri,
                   treatment=final.treatment or added.treatment or first.treatment,
                   state=final.state or added.state or first.state)


def _abandon(client: SwordClient, edit_iri: str | None, error: DepositError) -> DepositError:
    """Delete the incomplete container (profile 6.8); else name what was left behind."""
    if not edit_iri:
        error.problems.append(Problem("the server gave no Edit-IRI, so an incomplete deposit may be left "
                                      "behind", hint="ask the repository manager to look for it"))
        return error
    try:
        client.delete(edit_iri)
    except DepositError as failed:
        error.left_behind = edit_iri  # type: ignore[attr-defined]
        error.problems.append(Problem(client.redact(f"the incomplete deposit is left at {edit_iri}: removing "
                                                    f"it failed ({failed.message})"),
                                      hint="ask the repository manager to delete it"))
        return error
    error.problems.append(Problem(client.redact(f"the incomplete deposit was removed (DELETE {edit_iri})")))
    return error
