"""A small SWORD v2 server for tests (stdlib http.server on 127.0.0.1), following the status codes,
headers and documents of the SWORD 2.0 profile: service document, 201 + deposit receipt with
Edit-IRI / EM-IRI / statement, sword:error documents for 400/401/403/404/412/413/415, completion by an
empty POST to the Edit-IRI with In-Progress: false, and an Atom statement."""

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


class SwordServer:
    def __init__(self, config: ServerConfig | None = None):
        self.config = config or ServerConfig()
        self.deposits: dict[str, Deposit] = {}
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

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def service_url(self) -> str:
        return f"{self.base}/sword2/servicedocument"

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
        parts = h.path.strip("/").split("/")
        if method == "GET" and h.path == "/sword2/servicedocument":
            return self.send(h, 200, self.service_document(), "application/atomsvc+xml")
        if method == "GET" and parts[:2] == ["sword2", "statement"] and len(parts) == 3 and parts[2] in self.deposits:
            return self.send(h, 200, self.statement(parts[2]), "application/atom+xml;type=feed")
        if method != "POST":
            return self.error(h, 405, "MethodNotAllowed", f"{method} not allowed on {h.path}")
        if len(parts) != 3 or parts[0] != "sword2":
            return self.error(h, 404, "ErrorBadRequest", f"no such IRI {h.path}")
        kind, key = parts[1], parts[2]
        in_progress = h.headers.get("In-Progress")
        if in_progress not in ("true", "false"):
            return self.error(h, 400, "ErrorBadRequest", "In-Progress must be true or false")
        if kind == "collection":
            if key not in self.config.collections:
                return self.error(h, 404, "ErrorBadRequest", f"no collection {key}")
            if not self.config.collections[key][1]:
                return self.error(h, 403, "TargetOwnerUnknown", f"{self.config.user} may not deposit in {key}")
            deposit = Deposit(collection=key)
            problem = self.take_content(h, body, deposit)
            if problem:
                return self.error(h, *problem)
            with self.lock:
                ident = f"d{len(self.deposits) + 1}"
                self.deposits[ident] = deposit
            deposit.in_progress = in_progress == "true"
            return self.send(h, 201, self.receipt(ident), "application/atom+xml;type=entry",
                             {"Location": f"{self.base}/sword2/edit/{ident}"})
        if key not in self.deposits:
            return self.error(h, 404, "ErrorBadRequest", f"no deposit {key}")
        deposit = self.deposits[key]
        if kind == "edit-media":
            problem = self.take_content(h, body, deposit)
            if problem:
                return self.error(h, *problem)
            deposit.in_progress = in_progress == "true"
            return self.send(h, 201, self.receipt(key), "application/atom+xml;type=entry",
                             {"Location": f"{self.base}/sword2/edit/{key}"})
        if kind == "edit":
            if body:
                return self.error(h, 400, "ErrorBadRequest", "completion must have an empty body")
            deposit.in_progress = in_progress == "true"
            deposit.completed = not deposit.in_progress
            return self.send(h, 200, self.receipt(key), "application/atom+xml;type=entry")
        return self.error(h, 404, "ErrorBadRequest", f"no such IRI {h.path}")

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
        if "filename=" not in disposition:
            return 400, "ErrorBadRequest", "Content-Disposition with a filename is required"
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
        collections = "".join(
            f'<collection href="{self.base}/sword2/collection/{slug}"><atom:title>{escape(title)}</atom:title>'
            "<accept>application/zip</accept><accept alternate=\"multipart-related\">*/*</accept>"
            + "".join(f"<sword:acceptPackaging>{p}</sword:acceptPackaging>" for p in PACKAGINGS)
            + "<sword:mediation>false</sword:mediation></collection>"
            for slug, (title, _allowed) in self.config.collections.items())
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<service xmlns="http://www.w3.org/2007/app" '
                f'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sword="http://purl.org/net/sword/terms/">'
                f"<sword:version>2.0</sword:version>{size}<workspace><atom:title>Test repository</atom:title>"
                f"{collections}</workspace></service>").encode()

    def receipt(self, ident: str) -> bytes:
        base = "http://127.0.0.2:9/sword2" if self.config.foreign_links else f"{self.base}/sword2"
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<entry xmlns="http://www.w3.org/2005/Atom" '
                f'xmlns:sword="http://purl.org/net/sword/terms/"><title>Deposit {ident}</title>'
                f"<id>{base}/edit/{ident}</id><updated>2024-01-01T00:00:00Z</updated>"
                f'<link rel="edit" href="{base}/edit/{ident}"/>'
                f'<link rel="edit-media" href="{base}/edit-media/{ident}"/>'
                f'<link rel="http://purl.org/net/sword/terms/add" href="{base}/edit/{ident}"/>'
                f'<link rel="http://purl.org/net/sword/terms/statement" type="application/atom+xml;type=feed" '
                f'href="{base}/statement/{ident}"/>'
                f"<sword:treatment>Stored by the test server</sword:treatment></entry>").encode()

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
