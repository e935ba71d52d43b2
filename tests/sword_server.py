"""A SWORD v2 server for tests (stdlib http.server on 127.0.0.1), for the HTTP failures a real
server will not produce on demand. It follows the SWORD 2.0 profile and the layout of the real
servers the client is proven against:

- IRIs as swh-deposit keeps them apart: Col-IRI `/sword2/collection/<c>`, Edit-IRI
  `/sword2/edit/<id>` (GET receipt, DELETE container: 204), SE-IRI `/sword2/se/<id>` (completion by
  an empty POST with In-Progress: false, 200), EM-IRI `/sword2/edit-media/<id>` (POST a package),
  and its Atom feed `/sword2/edit-media/<id>.atom` (404 to a POST, as a feed is not a media resource).
- Receipts with the two `edit-media` links of the Simple SWORD Server (the media resource and its
  Atom feed, profile 6.4.1): the feed first by default (`media_first=True` gives the Simple SWORD
  Server's own order), and a statement in Atom and OAI-ORE forms; with `statement=False`, only a
  status IRI under rel="alternate" as swh-deposit gives it.
- swh-deposit's reading of a missing In-Progress header on the EM-IRI as false (completing early).
- sword:error documents for 400/401/403/404/405/412/413/415.

`ScriptedServer` is a raw socket server for the answers no HTTP library sends (issue 19).
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

SWORD_ERR = "http://purl.org/net/sword/error/"
PACKAGINGS = ("http://purl.org/net/sword/package/SimpleZip",
              "http://purl.org/net/sword/package/METSDSpaceSIP")


@dataclass
class Deposit:
    collection: str
    entry: bytes | None = None
    packages: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, packaging, data)
    in_progress: bool = True
    completed: bool = False
    slug: str | None = None


@dataclass
class ServerConfig:
    user: str = "depositor@example.org"
    password: str = "pa55-W0rd-never-shown"
    #: collection slug -> (title, may this user deposit?)
    collections: dict = field(default_factory=lambda: {
        "commentaries": ("RSIS Commentaries", True), "restricted": ("Restricted Theses", False)})
    max_upload: int | None = None          # bytes; larger bodies get 413
    advertise_max_kb: int | None = None    # sword:maxUploadSize in the service document
    damage_uploads: bool = False           # flip a byte before checking Content-MD5 (a damaged upload)
    echo_credentials: bool = False         # a careless server that repeats the Authorization header
    foreign_links: bool = False            # receipts that point at another host
    media_first: bool = False              # edit-media links in the Simple SWORD Server's order
    statement: bool = True                 # False: no statement link, a status IRI (rel=alternate) instead
    mediation: bool = False
    fail: str | None = None                # "edit-media" or "se": answer that step with a 500
    refuse_delete: bool = False            # answer DELETE with 405
    garbled_receipt: bool = False          # a 201 with a Location and a receipt that is not XML
    broken_statement: bool = False         # the statement IRI answers 500
    service_path: str = "/sword2/servicedocument"


class SwordServer:
    def __init__(self, config: ServerConfig | None = None):
        self.config = config or ServerConfig()
        self.deposits: dict[str, Deposit] = {}
        self.deleted: list[str] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # header names lower-cased
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server.handle(self, "GET")

            def do_POST(self):
                server.handle(self, "POST")

            def do_PUT(self):
                server.handle(self, "PUT")

            def do_DELETE(self):
                server.handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def service_url(self) -> str:
        return f"{self.base}{self.config.service_path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---------------------------------------------------------------------------------------

    def send(self, h, status: int, body: bytes = b"", content_type: str = "application/xml",
             headers: dict | None = None) -> None:
        h.send_response(status)
        if body or status != 204:
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)

    def error(self, h, status: int, kind: str, summary: str, headers: dict | None = None) -> None:
        if self.config.echo_credentials:
            auth = h.headers.get("Authorization", "")
            summary += f" (you sent {auth}, password {self.config.password})"
        body = (f'<?xml version="1.0" encoding="utf-8"?>\n<sword:error xmlns="http://www.w3.org/2005/Atom" '
                f'xmlns:sword="http://purl.org/net/sword/terms/" href="{SWORD_ERR}{kind}">'
                f"<title>ERROR</title><updated>2024-01-01T00:00:00Z</updated>"
                f"<summary>{escape(summary)}</summary>"
                f"<sword:verboseDescription>{escape(kind)} raised by the test server</sword:verboseDescription>"
                f"</sword:error>").encode()
        self.send(h, status, body, headers=headers)

    def authorised(self, h) -> bool:
        expected = base64.b64encode(f"{self.config.user}:{self.config.password}".encode()).decode()
        return h.headers.get("Authorization") == f"Basic {expected}"

    def handle(self, h, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append((method, h.path, {k.lower(): v for k, v in h.headers.items()}))
        if not self.authorised(h):
            return self.error(h, 401, "ErrorBadRequest", "authentication required",
                              headers={"WWW-Authenticate": 'Basic realm="SWORD"'})
        if h.headers.get("On-Behalf-Of") and not self.config.mediation:
            return self.error(h, 412, "MediationNotAllowed", "mediation is not supported")
        parts = h.path.strip("/").split("/")
        if method == "GET" and h.path == self.config.service_path:
            return self.send(h, 200, self.service_document(), "application/atomsvc+xml")
        if len(parts) != 3 or parts[0] != "sword2":
            return self.error(h, 404, "ErrorBadRequest", f"no such IRI {h.path}")
        kind, key = parts[1], parts[2]
        if kind == "collection":
            return self.create(h, method, key, body)
        ident = key.rsplit(".", 1)[0] if kind == "statement" else key.removesuffix(".atom")
        if ident not in self.deposits:
            return self.error(h, 404, "ErrorBadRequest", f"no deposit {ident}")
        deposit = self.deposits[ident]
        if kind == "statement" and method == "GET" and self.config.broken_statement:
            return self.error(h, 500, "ErrorBadRequest", "the statement store is down")
        if kind == "statement" and method == "GET":
            return self.send(h, 200, self.statement(ident), "application/atom+xml;type=feed")
        if kind == "status" and method == "GET":
            return self.send(h, 200, self.status(ident), "application/xml")
        if kind == "edit" and method == "GET":
            return self.send(h, 200, self.receipt(ident), "application/atom+xml;type=entry")
        if kind == "edit" and method == "DELETE":
            if self.config.refuse_delete:
                return self.error(h, 405, "MethodNotAllowed", "DELETE not allowed here")
            with self.lock:
                del self.deposits[ident]
                self.deleted.append(ident)
            return self.send(h, 204)
        if method != "POST":
            return self.error(h, 405, "MethodNotAllowed", f"{method} not allowed on {h.path}")
        if kind == "edit-media" and not key.endswith(".atom"):
            if self.config.fail == "edit-media":
                return self.error(h, 500, "ErrorBadRequest", "the store is full")
            if not deposit.in_progress:
                return self.error(h, 400, "ErrorBadRequest", "this deposit is complete; no more files")
            problem = self.take_content(h, body, deposit)
            if problem:
                return self.error(h, *problem)
            # swh-deposit reads a missing In-Progress as false, and completes the deposit here.
            deposit.in_progress = h.headers.get("In-Progress", "false") == "true"
            deposit.completed = not deposit.in_progress
            return self.send(h, 201, self.receipt(ident), "application/atom+xml;type=entry",
                             {"Location": f"{self.base}/sword2/edit-media/{ident}"})
        if kind == "se":
            if self.config.fail == "se":
                return self.error(h, 500, "ErrorBadRequest", "the workflow is down")
            if body:
                return self.error(h, 400, "ErrorBadRequest", "only completion (an empty POST) is supported")
            if not deposit.in_progress:
                return self.error(h, 400, "ErrorBadRequest", "this deposit is complete already")
            deposit.in_progress = h.headers.get("In-Progress", "false") == "true"
            deposit.completed = not deposit.in_progress
            return self.send(h, 200, self.receipt(ident), "application/atom+xml;type=entry",
                             {"Location": f"{self.base}/sword2/edit/{ident}"})
        return self.error(h, 405, "MethodNotAllowed", f"POST not allowed on {h.path}")

    def create(self, h, method: str, key: str, body: bytes) -> None:
        if method != "POST":
            return self.error(h, 405, "MethodNotAllowed", f"{method} not allowed on a collection")
        if key not in self.config.collections:
            return self.error(h, 404, "ErrorBadRequest", f"no collection {key}")
        if not self.config.collections[key][1]:
            return self.error(h, 403, "TargetOwnerUnknown", f"{self.config.user} may not deposit in {key}")
        in_progress = h.headers.get("In-Progress")
        if in_progress not in ("true", "false"):
            return self.error(h, 400, "ErrorBadRequest", "In-Progress must be true or false")
        deposit = Deposit(collection=key, slug=h.headers.get("Slug"))
        problem = self.take_content(h, body, deposit)
        if problem:
            return self.error(h, *problem)
        with self.lock:
            ident = f"d{len(self.deposits) + len(self.deleted) + 1}"
            self.deposits[ident] = deposit
        deposit.in_progress = in_progress == "true"
        deposit.completed = not deposit.in_progress
        receipt = b"<entry><title>oops" if self.config.garbled_receipt else self.receipt(ident)
        return self.send(h, 201, receipt, "application/atom+xml;type=entry",
                         {"Location": f"{self.base}/sword2/edit/{ident}"})

    def take_content(self, h, body: bytes, deposit: Deposit):
        if self.config.max_upload is not None and len(body) > self.config.max_upload:
            return 413, "MaxUploadSizeExceeded", f"{len(body)} bytes is more than {self.config.max_upload}"
        content_type = (h.headers.get("Content-Type") or "").replace(" ", "")
        if content_type.startswith("application/atom+xml") and "type=entry" in content_type:
            try:
                root = etree.fromstring(body)
            except etree.XMLSyntaxError as exc:
                return 400, "ErrorBadRequest", f"entry is not XML: {exc}"
            if root.tag != "{http://www.w3.org/2005/Atom}entry":
                return 400, "ErrorBadRequest", "not an Atom entry"
            deposit.entry = body
            return None
        if content_type != "application/zip":
            return 415, "ErrorContent", f"content type {content_type} not accepted"
        packaging = h.headers.get("Packaging")
        if packaging not in PACKAGINGS:
            return 415, "ErrorContent", f"packaging {packaging} not accepted"
        disposition = h.headers.get("Content-Disposition") or ""
        if not disposition.startswith("attachment;") or "filename=" not in disposition:
            return 400, "ErrorBadRequest", "Content-Disposition: attachment; filename=... is required"
        received = bytes([body[0] ^ 0xFF]) + body[1:] if self.config.damage_uploads and body else body
        if hashlib.md5(received).hexdigest() != (h.headers.get("Content-MD5") or "").strip().lower():
            return 412, "ErrorChecksumMismatch", "Content-MD5 does not match the body received"
        try:
            zipfile.ZipFile(io.BytesIO(received)).testzip()
        except zipfile.BadZipFile:
            return 400, "ErrorBadRequest", "the package is not a zip"
        deposit.packages.append((disposition.split("filename=", 1)[1].strip('"'), packaging, received))
        return None

    def service_document(self) -> bytes:
        size = (f"<sword:maxUploadSize>{self.config.advertise_max_kb}</sword:maxUploadSize>"
                if self.config.advertise_max_kb else "")
        mediation = "true" if self.config.mediation else "false"
        collections = "".join(
            f'<collection href="{self.base}/sword2/collection/{slug}"><atom:title>{escape(title)}</atom:title>'
            "<accept>application/zip</accept><accept alternate=\"multipart-related\">*/*</accept>"
            + "".join(f"<sword:acceptPackaging>{p}</sword:acceptPackaging>" for p in PACKAGINGS)
            + f"<sword:mediation>{mediation}</sword:mediation></collection>"
            for slug, (title, _allowed) in self.config.collections.items())
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<service xmlns="http://www.w3.org/2007/app" '
                f'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sword="http://purl.org/net/sword/terms/">'
                f"<sword:version>2.0</sword:version>{size}<workspace><atom:title>Test repository</atom:title>"
                f"{collections}</workspace></service>").encode()

    def receipt(self, ident: str) -> bytes:
        base = "http://127.0.0.2:9/sword2" if self.config.foreign_links else f"{self.base}/sword2"
        media = f'<link rel="edit-media" href="{base}/edit-media/{ident}"/>'
        feed = f'<link rel="edit-media" type="application/atom+xml;type=feed" href="{base}/edit-media/{ident}.atom"/>'
        statement = (f'<link rel="http://purl.org/net/sword/terms/statement" type="application/rdf+xml" '
                     f'href="{base}/statement/{ident}.rdf"/>'
                     f'<link rel="http://purl.org/net/sword/terms/statement" type="application/atom+xml;type=feed" '
                     f'href="{base}/statement/{ident}.atom"/>') if self.config.statement \
            else f'<link rel="alternate" href="{base}/status/{ident}"/>'
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<entry xmlns="http://www.w3.org/2005/Atom" '
                f'xmlns:sword="http://purl.org/net/sword/terms/"><title>Deposit {ident}</title>'
                f"<id>{base}/edit/{ident}</id><updated>2024-01-01T00:00:00Z</updated>"
                f'<link rel="edit" href="{base}/edit/{ident}"/>'
                + (media + feed if self.config.media_first else feed + media) +
                f'<link rel="http://purl.org/net/sword/terms/add" href="{base}/se/{ident}"/>'
                f"{statement}<sword:treatment>Stored by the test server</sword:treatment></entry>").encode()

    def statement(self, ident: str) -> bytes:
        deposit = self.deposits[ident]
        state = "archived" if deposit.completed else "inprogress"
        entries = "".join(f'<entry><id>{quoteattr(name)[1:-1]}</id><content type="application/zip" '
                          f'src="{self.base}/sword2/files/{ident}/{quoteattr(name)[1:-1]}"/></entry>'
                          for name, _packaging, _data in deposit.packages)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                f"<id>{self.base}/sword2/statement/{ident}</id><title>Statement</title>"
                f'<category scheme="http://purl.org/net/sword/terms/state" '
                f'term="http://dspace.org/state/{state}" label="State">The item is {state}</category>'
                f"{entries}</feed>").encode()

    def status(self, ident: str) -> bytes:
        state = "deposited" if self.deposits[ident].completed else "partial"
        return (f'<entry xmlns="http://www.w3.org/2005/Atom" '
                f'xmlns:sd="https://www.softwareheritage.org/schema/2018/deposit">'
                f"<sd:deposit_id>{ident}</sd:deposit_id><sd:deposit_status>{state}</sd:deposit_status>"
                f"<sd:deposit_status_detail>ready for checks</sd:deposit_status_detail></entry>").encode()


class ScriptedServer:
    """A raw TCP server on 127.0.0.1 whose every answer is written by `reply(sock, request_head)`:
    for answers no HTTP library would send (one byte a second, 10,000 headers, a body cut short).
    Each connection is served in its own thread; `close()` ends them all."""

    def __init__(self, reply):
        import socket
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        import socket
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                self.reply(conn, head.decode("latin-1"), self.stopped)
            except OSError:
                pass

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(2)
        self.sock.close()
