"""The HTTP transport of the SWORD client (RFC 9110/9112 over http.client): one request at a time to
one origin, under one deadline, with bounded answers.

- **One origin.** Every URL must be on the scheme, host and port of the service document; redirects
  are followed for GET only and only on that origin (a POST is never replayed elsewhere); no proxy
  from the environment. Credentials and packages go nowhere else.
- **One deadline per request**: connecting, sending, the status line and headers, and the body
  together must end within `timeout` seconds. A per-read timeout alone lets a server that sends one
  byte a second hold the client for ever; a watchdog shuts the socket down when the deadline passes.
- **Bounded answers**: a body larger than `MAX_RESPONSE_BYTES` is refused, before it is read when
  the server announces its size, after that many bytes otherwise; more than http.client's 100 header
  lines, an over-long header line, or a body cut short are each a clean DepositError (exit 8).
- Every message built from what the server sent passes through the Redactor (secrets.py).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass

from ..errors import DepositError
from .secrets import Credentials, Redactor

#: the most bytes read from one answer (service documents, receipts, statements, error bodies)
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "archiver-sword2"


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]  # names lower-cased; a repeated header keeps its last value
    body: bytes
    url: str


def origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def check_service_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise DepositError(f"refusing {parts.scheme or 'a scheme-less'} URL for the service document",
                           hint="give an http:// or https:// service document URL")
    try:
        parts.port
    except ValueError:
        raise DepositError("the service document URL has an invalid port", hint="give a full http(s) URL") from None
    if not parts.hostname:
        raise DepositError("the service document URL has no host", hint="give a full http(s) URL")
    if parts.username or parts.password:
        raise DepositError("the service document URL carries credentials",
                           hint="remove them from the URL and set ARCHIVER_SWORD_USER / "
                                "ARCHIVER_SWORD_PASSWORD or a netrc entry instead")


class _Deadline:
    """Shuts a connection's socket down when time is up, which ends any blocked read or write."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.passed = False
        self._connection: http.client.HTTPConnection | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def watch(self, connection: http.client.HTTPConnection) -> None:
        self._connection = connection
        self._timer.start()

    def _expire(self) -> None:
        self.passed = True
        sock = self._connection.sock if self._connection else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


class Transport:
    """Requests to the origin of `service_url`, authenticated with `credentials` when given."""

    def __init__(self, service_url: str, credentials: Credentials | None, timeout: float, redactor: Redactor):
        check_service_url(service_url)
        self.service_url = service_url
        self.origin = origin(service_url)
        self.credentials = credentials
        self.timeout = timeout
        self.redact = redactor

    def absolute(self, iri: str, what: str) -> str:
        """`iri` resolved against the service URL; refused unless it stays on the origin."""
        url = urllib.parse.urljoin(self.service_url, iri.strip())
        if origin(url) != self.origin:
            raise DepositError(self.redact(f"the server gave a {what} on another site ({origin(url)[1]}); refused"),
                               hint="archiver only talks to the host of the service document")
        return url

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        url = self.absolute(url, "URL")
        for _ in range(MAX_REDIRECTS + 1):
            response = self._once(method, url, body, headers or {})
            location = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return response
            target = urllib.parse.urljoin(url, location)
            if method != "GET":
                raise DepositError(self.redact(f"{method} {url}: the server answered HTTP {response.status}, "
                                               f"moved to {target}; a deposit is not resent elsewhere"),
                                   hint="use the IRIs of the service document the server gives now")
            if origin(target) != self.origin:
                raise DepositError(self.redact(f"the server redirected to another site ({origin(target)[1]}); "
                                               "not followed"), hint="use the repository's own service document URL")
            url = target
        raise DepositError(self.redact(f"{method} {url}: more than {MAX_REDIRECTS} redirects"),
                           hint="check the service document URL")

    def _connection(self, url: str, deadline: _Deadline) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() == "https":
            return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=deadline.left(),
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=deadline.left())

    def _once(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Response:
        parts = urllib.parse.urlsplit(url)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        sent = {"User-Agent": USER_AGENT, **headers}
        if self.credentials:
            sent["Authorization"] = self.credentials.header()
        if body is None and method in ("POST", "PUT"):
            sent["Content-Length"] = "0"  # an empty POST says so (SWORD 2.0 profile 9.3)
        where = f"{method} {url}"
        deadline = _Deadline(self.timeout)
        connection = self._connection(url, deadline)
        try:
            connection.connect()
            deadline.watch(connection)
            try:
                connection.request(method, target, body=body, headers=sent)
            except (BrokenPipeError, ConnectionResetError):
                # The server may have answered (a 413) and closed before taking the whole body.
                pass
            answer = connection.getresponse()
            announced = answer.getheader("Content-Length")
            if announced and announced.strip().isdigit() and int(announced) > MAX_RESPONSE_BYTES:
                raise DepositError(self.redact(f"{where}: the server announces an answer of {int(announced):,} "
                                               f"bytes; archiver reads at most {MAX_RESPONSE_BYTES:,}"),
                                   hint="the URL may not be a SWORD endpoint")
            data = answer.read(MAX_RESPONSE_BYTES + 1)
            if len(data) > MAX_RESPONSE_BYTES:
                raise DepositError(self.redact(f"{where}: the server's answer is longer than the "
                                               f"{MAX_RESPONSE_BYTES:,} bytes archiver reads"),
                                   hint="the URL may not be a SWORD endpoint")
            if announced and announced.strip().isdigit() and len(data) < int(announced):
                if deadline.passed:
                    raise self._late(where)
                raise DepositError(self.redact(f"{where}: the answer was cut short ({len(data):,} of "
                                               f"{int(announced):,} bytes)"),
                                   hint="the connection broke; try again")
            if deadline.passed:
                raise self._late(where)
            return Response(answer.status, self.redact(answer.reason or ""),
                            {k.lower(): v for k, v in answer.getheaders()}, data, url)
        except DepositError:
            raise
        except http.client.RemoteDisconnected:
            if deadline.passed:
                raise self._late(where) from None
            raise DepositError(self.redact(f"{where}: the server closed the connection without an answer"),
                               hint="the repository may have stopped or refused the upload; try again later") from None
        except http.client.HTTPException as error:
            if deadline.passed:
                raise self._late(where) from None
            raise DepositError(self.redact(f"{where}: the server's answer is not valid HTTP "
                                           f"({type(error).__name__}: {error})"),
                               hint="the URL may not be a SWORD endpoint, or the connection broke") from None
        except ssl.SSLError as error:
            raise DepositError(self.redact(f"{where}: TLS failed: {error.reason or error}"),
                               hint="check the certificate of the repository") from None
        except (socket.timeout, TimeoutError):
            raise self._late(where) from None
        except OSError as error:
            if deadline.passed:
                raise self._late(where) from None
            reason = error.strerror or str(error)
            raise DepositError(self.redact(f"{where}: cannot reach the server: {reason}"),
                               hint="check the URL and that the repository is up") from None
        finally:
            deadline.cancel()
            connection.close()

    def _late(self, where: str) -> DepositError:
        return DepositError(self.redact(f"{where}: no complete answer within {self.timeout:g} s"),
                            hint="the repository is slow or down; try again later, or raise --timeout "
                                 "for a large package on a slow link")
